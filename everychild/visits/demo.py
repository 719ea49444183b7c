"""Demo visits: most demo children visited once or twice over the past months, through the
same service as the visit form, so worklists show a plausible mix of children due, overdue and
never visited. Idempotent: each demo visit has a fixed key, so re-running records nothing."""

import random
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from everychild.access.policy import actor_for_post
from everychild.accounts.demo import DEMO_COUNTIES
from everychild.accounts.models import Post
from everychild.core import outbox
from everychild.places.codes import prefix_range
from everychild.registry.models import Child
from everychild.visits.models import Visit
from everychild.visits.services import VisitInput, record_visit

NAMESPACE = uuid.UUID("5f0c9a52-2f6e-4c5e-9c1a-7d3b0e8f4a61")
VISITED_SHARE = 0.7
CONCERNS = {"safety": "concern", "health_nutrition": "partly_met", "schooling": "irregular",
            "guardianship": "limited", "emotional_wellbeing": "distress",
            "living_conditions": "poor"}
CALM = {"safety": "safe", "health_nutrition": "adequate", "schooling": "attending",
        "guardianship": "capable", "emotional_wellbeing": "no_concern",
        "living_conditions": "adequate"}


def _answers(rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = dict(CALM)
    for item, worse in CONCERNS.items():
        if rng.random() < 0.12:
            answers[item] = worse
    if rng.random() < 0.01:
        answers["reporting_situations"] = ["abandonment"]
    return answers


def load_visits(today: date | None = None, seed: int = 20190430) -> int:
    """Record the demo visits of every demo county's children; returns how many were new."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo visits are never recorded in production.")
    today = today or timezone.localdate()
    outbox.deliver()  # every child has its plan first
    created = 0
    for short, county in DEMO_COUNTIES.items():
        post = Post.objects.select_related("user", "role", "division").filter(
            user__username=f"{short}_social_worker", active=True).first()
        if post is None:
            raise ImproperlyConfigured("Load the demo users first (everychild load-demo).")
        actor = actor_for_post(post)
        children = Child.objects.filter(division_code__range=prefix_range(county[:6]))
        for child_id, born in children.order_by("pk").values_list("pk", "date_of_birth"):
            created += _visit_child(actor, child_id, born, today, random.Random(f"{seed}/{child_id}"))  # noqa: S311
    return created


def _visit_child(actor, child_id, born: date, today: date, rng: random.Random) -> int:
    if rng.random() > VISITED_SHARE:
        return 0  # never visited yet: on the worklist
    created = 0
    days_ago = sorted(rng.sample(range(1, 150), k=rng.choice((1, 1, 2))), reverse=True)
    for number, ago in enumerate(days_ago):
        day = max(today - timedelta(days=ago), born)
        key = uuid.uuid5(NAMESPACE, f"{child_id}/{number}")
        if Visit.objects.filter(pk=key).exists():
            continue
        record_visit(actor, child_id, VisitInput(
            visited_on=day, place=rng.choice(("home", "home", "home", "school")),
            child_seen=rng.random() < 0.9, caregiver_met=True, answers=_answers(rng)),
            client_id=key, today=today)
        created += 1
    return created
