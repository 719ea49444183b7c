"""Building registrations for tests."""

from datetime import date

from everychild.registry.services import (
    CaregiverInput,
    ChildInput,
    HouseholdInput,
    ParentInput,
    Registration,
    SituationInput,
)

VILLAGE = "610723001212"  # 东咀村委会, 洋县 (rural)
OTHER_VILLAGE_SAME_TOWNSHIP = "610723001213"
OTHER_COUNTY_VILLAGE = "533124101201"


def left_behind(name: str = "张伟", village: str = VILLAGE, born: date = date(2015, 3, 1),
                id_number: str = "", **child) -> Registration:
    """Both parents working away across a county boundary since 2023: a left-behind child."""
    away = SituationInput(kind="migrant_worker", since=date(2023, 2, 1), cross_county=True,
                          destination_code="533124000000", contact_frequency="weekly")
    return Registration(
        input=ChildInput(name=name, sex="male", date_of_birth=born, division_code=village,
                         id_number=id_number, hukou_type="rural", school_status="in_school",
                         **child),
        household=HouseholdInput(address="东咀村三组"),
        parents=[ParentInput(role="father", name="张父", situations=[away]),
                 ParentInput(role="mother", name="李母", situations=[away])],
        caregivers=[CaregiverInput(relationship="grandmother_paternal", name="王奶奶", age=66,
                                   health="fair", capacity="fair", primary=True)],
    )


def valid_id(born: date, sex: str = "male", region: str = "610723", seq: int = 12) -> str:
    from everychild.registry.idnumber import check_character

    digit = seq * 10 + (1 if sex == "male" else 2)
    first17 = f"{region}{born:%Y%m%d}{digit:03d}"
    return first17 + check_character(first17)
