"""``{% child_cases child %}``: the child's cases on the child's profile, and a link to open one."""

from typing import Any

from django import template

from everychild.access.policy import ANONYMOUS, can
from everychild.accounts.roles import Capability
from everychild.cases import queries

register = template.Library()


@register.inclusion_tag("cases/_child_cases.html", takes_context=True)
def child_cases(context: template.Context, child: Any) -> dict[str, Any]:
    """The child's cases (reference, stage, opened) for an actor who manages or approves cases
    there; "open a case" when the actor manages cases and none is open."""
    actor = context.get("actor") or ANONYMOUS
    code = getattr(child, "division_code", "")
    manage = can(actor, Capability.CASE_MANAGE, code)
    if child is None or not (manage or can(actor, Capability.CASE_APPROVE, code)):
        return {"show": False}
    cases = queries.child_cases(actor, child)
    return {"show": True, "child": child, "cases": cases,
            "can_open": manage and not any(c.is_open for c in cases)}
