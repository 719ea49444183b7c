"""What the API tests of cases and services share: bearer tokens, JSON posts, a provider in the
directory and a case brought to implementation (where referrals are made)."""

from datetime import date

from everychild.accounts.services import issue_token
from everychild.cases import services as cases
from everychild.cases.tests.factories import COUNTY, assessment, goals
from everychild.registry.services import ParentInput, SituationInput
from everychild.registry.tests.factories import left_behind
from everychild.services.services import ProviderInput, save_provider


def token(actor) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(None, actor.user)}"}


def send(client, method: str, path: str, body, actor):
    """A JSON request of ``actor`` (by bearer token)."""
    return getattr(client, method)(path, body, content_type="application/json", **token(actor))


def get(client, path: str, actor, **params):
    return client.get(path, params, **token(actor))


def make_provider(officer, name: str = "洋县儿童心理服务中心", services=("psychological",),
                  coverage=(COUNTY,), **extra):
    return save_provider(officer, ProviderInput(
        name=name, kind=extra.pop("kind", "psychological"), division_code=COUNTY,
        services=list(services), coverage=list(coverage), **extra))


def to_implementation(case, caseworker, supervisor) -> None:
    """The case's assessments, a plan of one goal, submitted and approved."""
    cases.initial_assessment(caseworker, case.pk, assessment())
    cases.comprehensive_assessment(caseworker, case.pk, assessment())
    plan = cases.save_plan(caseworker, case.pk, goals(), 0)
    cases.submit_plan(caseworker, case.pk, plan.version)
    cases.decide_plan(supervisor, case.pk, True)


def orphan(name: str = "李娜"):
    """Both parents dead: an orphan, entitled to the orphans' basic living allowance."""
    registration = left_behind(name=name, born=date(2016, 5, 1))
    dead = [SituationInput(kind="dead", since=date(2024, 1, 1))]
    registration.parents = [ParentInput(role="father", name="李父", situations=dead),
                            ParentInput(role="mother", name="赵母", situations=list(dead))]
    return registration
