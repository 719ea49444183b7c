"""Which allowances a child's categories entitle the child to (domain.md §1.3, §1.4).

Pure rules: a versioned :class:`~everychild.rules.risk.PolicyRule` maps a category to the
allowances it entitles to, with the source of each. Orphans receive the orphans' basic living
allowance (国办发〔2010〕54号); de facto unsupported children a basic living allowance set with
reference to the local orphan standard (民发〔2019〕62号). The two exclude each other: a child who
meets the orphan definition is an orphan, so the de facto allowance is not due to an orphan.
A province adds its own version to add local allowances.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils.translation import gettext_noop as _

from .catalogue import DE_FACTO_2019, ORPHANS_2010, Catalogue
from .findings import Reason
from .risk import PolicyRule, select

BENEFITS_CODE = "benefit_entitlements"
ORPHAN_ALLOWANCE = "orphan_allowance"
DE_FACTO_ALLOWANCE = "de_facto_allowance"

BENEFITS_2019 = PolicyRule(
    code=BENEFITS_CODE, version="2019.1", title=_("Allowances a category entitles to"),
    sources=(ORPHANS_2010, DE_FACTO_2019), effective_from=date(2019, 6, 1),
    params={
        # category -> (allowance, the allowances that exclude it)
        "entitlements": {
            "orphan": ((ORPHAN_ALLOWANCE, ()),),
            "de_facto_unsupported": ((DE_FACTO_ALLOWANCE, (ORPHAN_ALLOWANCE,)),),
        },
    },
    configuration=("entitlements",),
    notes="Orphans: 国办发〔2010〕54号; de facto unsupported children: 民发〔2019〕62号, paid from the "
          "month after the county confirms it, set with reference to the dispersed-orphan standard; "
          "the two allowances exclude each other (domain.md §1.3).")

BENEFIT_POLICIES = Catalogue((BENEFITS_2019,))  # type: ignore[arg-type]


def policy_for(province_code: str, on: date, catalogue: Catalogue = BENEFIT_POLICIES) -> PolicyRule:
    return select(catalogue, BENEFITS_CODE, province_code, on)


def entitling_categories(rule: PolicyRule) -> dict[str, tuple[str, ...]]:
    """Category -> the allowances it entitles to."""
    return {category: tuple(kind for kind, _excluded in pairs)
            for category, pairs in rule.param("entitlements").items()}


def entitlements(categories: Iterable[str], rule: PolicyRule) -> dict[str, Reason]:
    """The allowances a child in ``categories`` is entitled to, each with the reason."""
    held = set(categories)
    table = rule.param("entitlements")
    found: dict[str, Reason] = {}
    for category in sorted(held & set(table)):
        for kind, _excluded in table[category]:
            found.setdefault(kind, Reason.make(
                f"benefit_{kind}", _("The child's category entitles the child to this allowance "
                                     "(%(source)s)."), source=rule.citation))
    for category in held & set(table):
        for kind, excluded in table[category]:
            if set(excluded) & set(found) - {kind}:
                found.pop(kind, None)
    return found
