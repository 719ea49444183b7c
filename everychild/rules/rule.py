"""A rule as data: code, version, source, province, the age that ends it, parameters and its check."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import Any, NamedTuple

from .facts import ChildFacts
from .findings import Reason, RuleKind


@dataclass(frozen=True)
class Source:
    """Where a rule comes from. ``article`` says where in the document (empty when not confirmed);
    ``note`` records what could not be confirmed (an exact day, say)."""

    document: str  # the document number, e.g. 民发〔2024〕17号
    title: str  # the title, in the language of the document
    issuer: str
    year: int
    article: str = ""
    note: str = ""

    def __str__(self) -> str:
        where = f", {self.article}" if self.article else ""
        return f"{self.issuer}, {self.title} ({self.document}{where}), {self.year}"


class Outcome(NamedTuple):
    """What a check returns: in the category or not, and why (one sentence per reason)."""

    in_category: bool
    reasons: tuple[Reason, ...]


Check = Callable[[ChildFacts, date, "Rule"], Outcome]


@dataclass(frozen=True)
class Rule:
    """One version of one rule.

    ``province`` is "" for the national default, else the 2-digit province code whose version this is.
    The rule applies from ``effective_from`` until a later version of the same code (for the same
    province, or nationally where the province has none) takes over. The category ends on the birthday
    of ``age_limit``. ``params`` are the rule's values; those named in ``configuration`` are
    configurable defaults or interpretations rather than the text of the source, and are labelled so.
    """

    code: str
    version: str
    kind: RuleKind
    title: str  # message id
    noun: str  # message id: "a left-behind child", used in "no longer ..."
    sources: tuple[Source, ...]
    effective_from: date
    age_limit: int
    check: Check = field(compare=False, repr=False)
    province: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    configuration: tuple[str, ...] = ()
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        unknown = set(self.configuration) - set(self.params)
        if unknown:
            raise ValueError(f"{self.code} {self.version}: configuration names unknown params {unknown}")

    @cached_property  # every reason cites it; kept in the instance dict, outside the fields
    def citation(self) -> str:
        """The documents, short, for reasons: "民发〔2019〕62号, 民发〔2020〕125号"."""
        return ", ".join(s.document for s in self.sources)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.code, self.province, self.version)

    def param(self, name: str) -> Any:
        return self.params[name]
