"""What the monitoring tests share: the day they run on, the places and the risk answers."""

from datetime import date

from everychild.registry.tests.factories import VILLAGE

TODAY = date(2025, 6, 2)  # a Monday
TOWNSHIP = VILLAGE[:9] + "000"
COUNTY = VILLAGE[:6] + "000000"
CALM = {"safety": "safe", "health_nutrition": "adequate", "schooling": "attending",
        "guardianship": "capable", "emotional_wellbeing": "no_concern",
        "living_conditions": "adequate"}
REPORTABLE = {**CALM, "reporting_situations": ["abandonment"]}
