"""The bulk import's fast path: a batch of rows checked, classified and written at once.

The rules are those of ``services.register_child``, and mostly its own functions: the village
and the access gate, ``services._validate`` and ``services._validate_parent`` (divisions read
once per job), the ID number's blind index, the classification rules and their stored form.
What differs is only how often the database is asked: one query per batch for the ID numbers
already registered, one for children registered before without an ID number (same name, date of
birth and village), one for possible duplicates (same name or pinyin, date of birth and
township), and one COPY per table (``bulk_tables``) for the children, their households,
parents, situations, caregivers, legal bases, name keys, categories and timelines. Rows earlier
in the same batch count as registered for the rows after them, as they would one by one.

The batch is audited by one event per county listing every child it registered.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from everychild.access.policy import Actor, can
from everychild.accounts.roles import Capability
from everychild.audit.services import record
from everychild.core import outbox
from everychild.core.models import OutboxEvent
from everychild.places.codes import county_of
from everychild.places.queries import DivisionLookup
from everychild.registry import bulk_tables, idnumber, services
from everychild.registry.bulk_columns import RowProblems, parse_row
from everychild.registry.bulk_tables import new_id
from everychild.registry.classify import (
    CHILD_CHANGED,
    STORED_KINDS,
    change_event,
    ends_on,
    facts_from,
    hukou_kind,
    rules_key,
    source_of,
)
from everychild.registry.models import (
    Basis,
    Caregiver,
    Child,
    ChildCategory,
    ChildEvent,
    Household,
    LegalBasis,
    NameKey,
    Parent,
    ParentSituation,
)
from everychild.registry.models_bulk import RowOutcome
from everychild.rules import categories_changed, evaluate

QUERY_CHUNK = 500  # values per IN (...) list: well inside SQLite's variable limit


@dataclass
class RowResult:
    outcome: str
    child_id: Any = None
    division_code: str = ""
    problems: list[dict[str, str]] = field(default_factory=list)  # {"column", "message"}
    warnings: list[str] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)  # {"child_id", "reason"}

    def detail(self, cells: list[str]) -> dict[str, Any]:
        if self.outcome not in (RowOutcome.REJECTED, RowOutcome.AWAITING):
            return {}
        return {"cells": cells, "problems": self.problems, "warnings": self.warnings,
                "duplicates": self.duplicates}


@dataclass
class Candidate:
    """A row that parsed, on its way through the checks."""

    index: int
    registration: services.Registration
    confirmed: bool
    number: str = ""  # the normalised ID number
    key: str = ""  # its blind index
    warnings: list[str] = field(default_factory=list)
    child_id: Any = None

    @property
    def data(self) -> services.ChildInput:
        return self.registration.input

    def same_child_key(self) -> tuple[str, date, str]:
        return self.data.division_code, self.data.date_of_birth, self.data.name.strip()


def _chunks(values: Iterable[Any], size: int = QUERY_CHUNK) -> Iterator[list[Any]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


class BatchLoader:
    """Imports batches of rows for one job; the results come back in the rows' order."""

    def __init__(self, registrar: Any, job_id: Any, today: date | None = None) -> None:
        self.registrar = registrar  # bulk.RowRegistrar: the actor, the layout, the messages
        self.actor: Actor = registrar.actor
        self.divisions: DivisionLookup = registrar.divisions
        self.job_id = job_id
        self.today = today or timezone.localdate()
        self._can: dict[tuple[str, str], bool] = {}
        self._rules_keys: dict[str, str] = {}

    def allowed(self, capability: str, code: str) -> bool:
        key = (capability, code)
        if key not in self._can:
            self._can[key] = can(self.actor, capability, code)
        return self._can[key]

    def load(self, items: list[tuple[dict[str, str], list[tuple[str, str]]]]) -> list[RowResult]:
        """``items``: per row, the cells by column key and the problems the raw cells show."""
        results: list[RowResult | None] = [None] * len(items)
        parsed = self._parse(items, results)
        self._match_registered(parsed, results)
        checked = self._validate([c for c in parsed if results[c.index] is None], results)
        self._match_id_numbers(checked, results)
        accepted = self._accept([c for c in checked if results[c.index] is None], results)
        self._save(accepted, results)
        return results

    # --- the checks -------------------------------------------------------------------------

    def _parse(self, items: list[tuple[dict[str, str], list[tuple[str, str]]]],
               results: list[Any]) -> list[Candidate]:
        parsed = []
        for index, (by_key, problems) in enumerate(items):
            if problems:
                results[index] = RowResult(RowOutcome.REJECTED, problems=[
                    self.registrar.problem(k, m) for k, m in problems])
                continue
            try:
                row = parse_row(by_key, self.divisions.exists)
            except RowProblems as exc:
                results[index] = RowResult(RowOutcome.REJECTED, problems=[
                    self.registrar.problem(k, m) for k, m in exc.problems])
                continue
            parsed.append(Candidate(index, row.registration, row.confirmed))
        return parsed

    def _match_registered(self, parsed: list[Candidate], results: list[Any]) -> None:
        """Rows without an ID number that a visible child registered before already is."""
        rows = [c for c in parsed if not c.data.id_number.strip() and c.data.name.strip()
                and len(c.data.division_code) == 12
                and self.allowed(Capability.CHILD_VIEW, c.data.division_code)]
        found = self._registered_like(rows)
        for c in rows:
            child_id = found.get(c.same_child_key())
            if child_id is not None:
                results[c.index] = RowResult(RowOutcome.UNCHANGED, child_id=child_id,
                                             division_code=c.data.division_code)

    def _registered_like(self, rows: list[Candidate]) -> dict[tuple[str, date, str], Any]:
        wanted = {c.same_child_key() for c in rows}
        hits: dict[Any, tuple[str, date]] = {}
        for chunk in _chunks(rows):
            names = {c.data.name.strip() for c in chunk} | {
                k for c in chunk for k in services.duplicate_keys(c.data.name)}
            for child_id, code, born in NameKey.objects.filter(
                    key__in=names, division_code__in={c.data.division_code for c in chunk},
                    child__date_of_birth__in={c.data.date_of_birth for c in chunk},
            ).values_list("child_id", "division_code", "child__date_of_birth").distinct():
                hits[child_id] = (code, born)
        found: dict[tuple[str, date, str], Any] = {}
        for chunk in _chunks(hits):
            for child_id, name in Child.objects.filter(pk__in=chunk).values_list("pk", "name"):
                key = (*hits[child_id], (name or "").strip())
                if key in wanted:
                    found.setdefault(key, child_id)
        return found

    def _validate(self, parsed: list[Candidate], results: list[Any]) -> list[Candidate]:
        checked = []
        for c in parsed:
            data = c.data
            try:
                data.division_code = services._village(data.division_code,
                                                       divisions=self.divisions)
                if not self.allowed(Capability.CHILD_EDIT, data.division_code):
                    results[c.index] = RowResult(RowOutcome.REJECTED, problems=[
                        self.registrar.problem("division_code",
                                               _("This village is outside your jurisdiction."))])
                    continue
                c.warnings, c.number = services._validate(data, self.today, self.divisions)
                for parent in c.registration.parents:
                    services._validate_parent(parent, self.divisions)
            except ValidationError as exc:
                results[c.index] = self.registrar._rejected(exc)
                continue
            c.key = idnumber.blind_key(c.number) if c.number else ""
            checked.append(c)
        return checked

    def _match_id_numbers(self, checked: list[Candidate], results: list[Any]) -> None:
        """An ID number already registered: the child, if visible; otherwise the row is
        refused and the county holding it is asked, as on the registration page."""
        keyed = [c for c in checked if c.key]
        existing: dict[str, tuple[Any, str]] = {}
        for chunk in _chunks({c.key for c in keyed}):
            for key, pk, code in Child.objects.filter(id_number_hash__in=chunk).values_list(
                    "id_number_hash", "pk", "division_code"):
                existing[key] = (pk, code)
        for c in keyed:
            if c.key not in existing:
                continue
            pk, code = existing[c.key]
            if self.allowed(Capability.CHILD_VIEW, code):
                results[c.index] = RowResult(RowOutcome.UNCHANGED, child_id=pk,
                                             division_code=c.data.division_code)
            else:
                services._request_from_holder(self.actor, Child(pk=pk, division_code=code))
                results[c.index] = self.registrar._rejected(services.DuplicateIdNumber(None))

    def _accept(self, checked: list[Candidate], results: list[Any]) -> list[Candidate]:
        """In the rows' order: a row repeating an earlier row of the batch is that child;
        warnings and possible duplicates wait for confirmation; the rest are accepted."""
        stored = self._possible_duplicates([c for c in checked if not c.confirmed])
        by_number: dict[str, Any] = {}
        by_same: dict[tuple[str, date, str], Any] = {}
        by_key: dict[tuple[str, date, str], Any] = {}
        accepted = []
        for c in checked:
            data = c.data
            earlier = by_number.get(c.key) if c.key else by_same.get(c.same_child_key())
            if earlier is not None:
                results[c.index] = RowResult(RowOutcome.UNCHANGED, child_id=earlier,
                                             division_code=data.division_code)
                continue
            keys = [(data.division_code[:9], data.date_of_birth, k)
                    for k in services.duplicate_keys(data.name)]
            if not c.confirmed:
                duplicates = stored.get(c.index, []) + [
                    (by_key[k], data.division_code) for k in keys if k in by_key]
                if c.warnings or duplicates:
                    results[c.index] = self._awaiting(c, duplicates)
                    continue
            c.child_id = new_id()
            accepted.append(c)
            if c.key:
                by_number[c.key] = c.child_id
            else:
                by_same[c.same_child_key()] = c.child_id
            for k in keys:
                by_key.setdefault(k, c.child_id)
        return accepted

    def _possible_duplicates(self, rows: list[Candidate]) -> dict[int, list[tuple[Any, str]]]:
        """Registered children with the same name or pinyin, date of birth and township, per
        row index: (child id, its village)."""
        found: dict[int, list[tuple[Any, str]]] = defaultdict(list)
        for chunk in _chunks(rows, QUERY_CHUNK // 4):
            wanted: dict[tuple[str, date, str], list[int]] = defaultdict(list)
            for c in chunk:
                for k in services.duplicate_keys(c.data.name):
                    wanted[(c.data.division_code[:9], c.data.date_of_birth, k)].append(c.index)
            townships = sorted({key[0] for key in wanted})
            seen: set[tuple[int, Any]] = set()
            for child_id, code, born, k in NameKey.objects.filter(
                    key__in={key[2] for key in wanted},
                    division_code__range=(townships[0] + "000", townships[-1] + "999"),
                    child__date_of_birth__in={key[1] for key in wanted},
            ).values_list("child_id", "division_code", "child__date_of_birth", "key"):
                for index in wanted.get((code[:9], born, k), []):
                    if (index, child_id) not in seen:
                        seen.add((index, child_id))
                        found[index].append((child_id, code))
        return found

    def _awaiting(self, c: Candidate, duplicates: list[tuple[Any, str]]) -> Any:
        reason = str(_(services.DUPLICATE_REASON))
        shown = []
        for child_id, code in duplicates[:20]:
            visible = self.allowed(Capability.CHILD_VIEW, code)
            shown.append({"child_id": str(child_id) if visible else "", "reason": reason})
        return RowResult(RowOutcome.AWAITING, division_code=c.data.division_code,
                         warnings=[str(w) for w in c.warnings], duplicates=shown)

    # --- saving -----------------------------------------------------------------------------

    def _save(self, accepted: list[Candidate], results: list[Any]) -> None:
        if not accepted:
            return
        tables: dict[type, list[dict[str, Any]]] = defaultdict(list)
        counties: dict[str, list[str]] = defaultdict(list)
        entered: dict[str, int] = defaultdict(int)
        for c in accepted:
            for code in self._rows_of(c, tables):
                entered[code] += 1
            counties[county_of(c.data.division_code).ljust(12, "0")].append(str(c.child_id))
            results[c.index] = RowResult(RowOutcome.IMPORTED, child_id=c.child_id,
                                         division_code=c.data.division_code)
        tables[OutboxEvent] = outbox.rows_for(CHILD_CHANGED, [c.child_id for c in accepted],
                                              [c.data.division_code for c in accepted])
        for model in (Household, Child, NameKey, Parent, ParentSituation, Caregiver, LegalBasis,
                      ChildCategory, ChildEvent, OutboxEvent):
            bulk_tables.write(model, tables[model])
        if tables[OutboxEvent]:
            transaction.on_commit(outbox.deliver_soon)
        for county, children in counties.items():
            record(self.actor, "child.create", division_code=county, object_type="import_job",
                   object_id=self.job_id, detail={
                       "children": children, "count": len(children),
                       "categories_entered": dict(sorted(entered.items()))})

    def _rows_of(self, c: Candidate, tables: dict[type, list[dict[str, Any]]]) -> list[str]:
        """The rows of one child in every table; returns the categories entered."""
        registration, data = c.registration, c.data
        services._derive_cross_county(registration)
        place = {"child_id": c.child_id, "division_code": data.division_code}
        household_id = None
        if registration.household is not None:
            household_id = new_id()
            tables[Household].append({"id": household_id, "division_code": data.division_code,
                                      **registration.household.__dict__})
        findings = self._classify(c)
        child = {k: v for k, v in data.__dict__.items() if k != "id_number"}
        child.update(id=c.child_id, household_id=household_id, id_number=c.number,
                     id_number_hash=c.key, registered_by_id=self.actor.user.pk,
                     findings=[f.as_dict() for f in findings], classified_on=self.today,
                     rules_key=self._rules_key(data.division_code[:2]))
        tables[Child].append(child)
        tables[NameKey] += [{"id": new_id(), **place, "key": k} for k in services.name_keys(
            data.name, data.former_names, data.nickname)]
        for p in registration.parents:
            parent_id = new_id()
            tables[Parent].append({"id": parent_id, **place, "role": p.role, "name": p.name,
                                   "phone": p.phone, "known": p.known})
            tables[ParentSituation] += [{"id": new_id(), **place, "parent_id": parent_id,
                                         **s.__dict__} for s in p.situations]
        tables[Caregiver] += [{"id": new_id(), **place, **g.__dict__}
                              for g in registration.caregivers]
        tables[LegalBasis] += [{"id": new_id(), **place, "purpose": purpose,
                                "basis": Basis.STATUTORY_DUTY}
                               for purpose in services.STATUTORY_PURPOSES]
        return self._categories(c, findings, tables)

    def _classify(self, c: Candidate) -> list[Any]:
        registration = c.registration
        parents = [(p.role, p.known, p.situations) for p in registration.parents]
        facts = facts_from(c.data, registration.household, parents,
                           hukou_kind(c.data, self.divisions))
        return evaluate(facts, on=self.today)

    def _categories(self, c: Candidate, findings: list[Any],
                    tables: dict[type, list[dict[str, Any]]]) -> list[str]:
        place = {"child_id": c.child_id, "division_code": c.data.division_code}
        user_id = self.actor.user.pk
        stored = [f for f in findings if f.kind in STORED_KINDS]
        tables[ChildEvent].append({"id": new_id(), **place, "kind": "registered",
                                   "summary": services.REGISTERED, "detail": {},
                                   "actor_id": user_id})
        for change in categories_changed([], stored):
            kind, summary, detail = change_event(change, self.today)
            tables[ChildEvent].append({"id": new_id(), **place, "kind": kind,
                                       "summary": summary, "detail": detail,
                                       "actor_id": user_id})
        entered = []
        for finding in stored:
            if finding.in_category:
                entered.append(finding.rule_code)
                tables[ChildCategory].append({
                    "id": new_id(), **place, "category": finding.rule_code,
                    "rule_version": finding.rule_version, "rule_source": source_of(finding),
                    "reasons": [r.as_dict() for r in finding.reasons], "since": self.today,
                    "until": None, "ends_on": ends_on(c.data.date_of_birth, finding)})
        return entered

    def _rules_key(self, province: str) -> str:
        if province not in self._rules_keys:
            self._rules_keys[province] = rules_key(province, self.today)
        return self._rules_keys[province]
