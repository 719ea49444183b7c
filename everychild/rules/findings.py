"""Findings and their reasons.

A :class:`Reason` is one sentence in words, kept as a message id (English, marked for translation)
with its parameters, so it can be stored as data and shown in the reader's language later.
Parameters listed in ``terms`` are themselves message ids (such as "father") translated on rendering.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_noop as _  # marks message ids; rendering translates


class RuleKind(StrEnum):
    """What a rule's finding means."""

    CATEGORY = "category"  # a policy category (left-behind, orphan, ...)
    SUBCATEGORY = "subcategory"  # a split of a category (left-behind rural / urban)
    ALERT = "alert"  # an immediate alert, not a category (Minors Protection Law Art. 21)
    INDICATOR = "indicator"  # a statistical indicator, never a category (census definition)


PARENT_TERMS = {"father": _("father"), "mother": _("mother")}


def _param(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _params(items: Iterable[tuple[str, object]]) -> tuple[tuple[str, str], ...]:
    return tuple([(name, _param(value)) for name, value in items])


# Parameter types whose equal values print alike: a reason is shared by their values (Reason.make).
_PLAIN_TYPES = frozenset({str, int, bool, date})


def _translate(message: str, language: str | None) -> str:
    from django.conf import settings

    if not settings.configured:
        return message
    from django.utils import translation

    if language is None:
        return translation.gettext(message)
    with translation.override(language):
        return translation.gettext(message)


@dataclass(frozen=True)
class Reason:
    """One sentence saying why a rule decided as it did."""

    code: str
    template: str
    params: tuple[tuple[str, str], ...] = ()
    terms: tuple[tuple[str, str], ...] = ()

    @classmethod
    def make(cls, code: str, template: str, *, terms: dict[str, str] | None = None,
             **params: object) -> Reason:
        """A reason from a message id, its plain parameters and its translatable terms.

        Reasons are values, and a bulk import makes the same sentences for many children: equal
        reasons are made once and shared (less to allocate, keep and collect)."""
        terms_items = tuple(terms.items()) if terms else ()
        types = tuple(map(type, params.values()))
        if not _PLAIN_TYPES.issuperset(types):  # how such a value prints may not follow from ==
            return cls(code=code, template=template, params=_params(params.items()), terms=terms_items)
        return _shared_reason(cls, code, template, tuple(params.items()), types, terms_items)

    def render(self, language: str | None = None) -> str:
        """The sentence in ``language`` (default: the active language)."""
        values = dict(self.params)
        values.update({name: _translate(term, language) for name, term in self.terms})
        return _translate(self.template, language) % values

    def __str__(self) -> str:
        return self.render()

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (store it; rebuild with :meth:`from_dict`).

        Made once and kept on the reason (outside its fields), then shared by every call and every
        finding giving this reason: read-only, copy it (``copy.deepcopy``) before changing it."""
        form = self.__dict__.get("_dict_form")
        if form is None:
            form = {"code": self.code, "template": self.template,
                    "params": dict(self.params), "terms": dict(self.terms)}
            object.__setattr__(self, "_dict_form", form)
        return form

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reason:
        return cls(code=data["code"], template=data["template"],
                   params=tuple(data.get("params", {}).items()),
                   terms=tuple(data.get("terms", {}).items()))


# A reason with its dict form takes 1-1.5 kB: the 8192 most recently used are kept (at most ~12 MB).
@lru_cache(maxsize=1 << 13, typed=True)
def _shared_reason(cls: type[Reason], code: str, template: str, params: tuple[tuple[str, object], ...],
                   types: tuple[type, ...], terms: tuple[tuple[str, str], ...]) -> Reason:
    """The reason made once while it is in use (see :meth:`Reason.make`). ``params`` are the plain
    values, of ``types`` (so 1 and True, equal as keys, are kept apart)."""
    return cls(code=code, template=template, params=_params(params), terms=terms)


@dataclass(frozen=True)
class Finding:
    """The outcome of one rule for one child on one day.

    ``in_category`` is True when the child is in the category (for an alert: the alert is raised; for
    an indicator: the child is counted). ``reasons`` holds one or more sentences, the decisive one
    first; every sentence cites the rule's source.
    """

    rule_code: str
    rule_version: str
    kind: RuleKind
    in_category: bool
    reasons: tuple[Reason, ...]
    rule_province: str = ""

    def sentences(self, language: str | None = None) -> list[str]:
        """The reasons in words."""
        return [r.render(language) for r in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for storage with the child's categories.

        The dict and its list of reasons are new on every call; the reasons in the list are shared
        and read-only (see :meth:`Reason.as_dict`)."""
        form = self.__dict__.get("_dict_form")
        if form is None:
            form = self._make_dict_form()
            object.__setattr__(self, "_dict_form", form)
        head, reasons = form
        return {**head, "reasons": [*reasons]}

    def _make_dict_form(self) -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
        head = {"rule_code": self.rule_code, "rule_version": self.rule_version,
                "rule_province": self.rule_province, "kind": self.kind.value,
                "in_category": self.in_category}
        return head, tuple(r.as_dict() for r in self.reasons)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            rule_code=data["rule_code"],
            rule_version=data["rule_version"],
            rule_province=data.get("rule_province", ""),
            kind=RuleKind(data["kind"]),
            in_category=bool(data["in_category"]),
            reasons=tuple(Reason.from_dict(r) for r in data.get("reasons", ())),
        )
