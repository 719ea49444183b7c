"""Registry pages: the list of children with filters and search, registration in three steps and a
child's profile. Thin: reads go through ``queries`` (scoped and audited), the write through
``services.register_child``.

Personal search terms and everything typed during registration travel in POST bodies only. The
registration keeps the earlier steps' answers in hidden fields of the next step's form, so nothing
is stored on the server before the final save.
"""


from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from everychild.access.policy import Actor, actor_for, require, withheld
from everychild.accounts.roles import Capability
from everychild.places.queries import division_names
from everychild.registry import forms as f
from everychild.registry import idnumber, queries, services
from everychild.registry.ethnicity import Ethnicity
from everychild.registry.models import (
    Child,
    ChildCategory,
    DisabilityType,
    HukouType,
    Level3,
    ParentRole,
    ParentSituation,
    SchoolStatus,
    Sex,
    SituationKind,
)
from everychild.rules import Reason, RuleKind

PER_PAGE = 50
STEPS = {
    1: (f.ChildForm,),
    2: (f.FatherForm, f.MotherForm, f.HouseholdForm),
    3: (f.CareForm, f.PrimaryCaregiverForm, f.SecondCaregiverForm),
}
PREFIXES = tuple(cls.prefix for classes in STEPS.values() for cls in classes)
KIND_ORDER = {RuleKind.ALERT: 0, RuleKind.CATEGORY: 1, RuleKind.SUBCATEGORY: 2}


def _step_titles() -> dict[int, str]:
    return {1: _("The child"), 2: _("The family"), 3: _("Care and review")}


# --- shared helpers ------------------------------------------------------------------------------


def render_reason(data: dict) -> str:
    """One stored reason as a sentence in the reader's language (never fails on old data)."""
    try:
        return Reason.from_dict(data).render()
    except (KeyError, ValueError, TypeError):
        return str(data.get("template", ""))


def category_label(code: str) -> str:
    rule = f.category_rules().get(code)
    return _(rule.title) if rule is not None else code


def category_kind(code: str) -> str:
    rule = f.category_rules().get(code)
    return str(rule.kind) if rule is not None else str(RuleKind.CATEGORY)


def _choice_label(choices, value) -> str:
    return str(dict(choices).get(value, value)) if value not in (None, "") else ""


_division_names = division_names


# --- the list ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def child_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require(actor, Capability.CHILD_VIEW)
    if request.method == "POST":
        form = f.ChildFilterForm(request.POST, actor=actor)
    else:
        form = f.ChildFilterForm({"division": actor.jurisdiction}, actor=actor)
    rows: list[Child] = []
    page, has_next, searched = 1, False, False
    if form.is_valid():
        flt = form.child_filter()
        page = form.cleaned_data.get("page") or 1
        offset = (page - 1) * PER_PAGE
        try:
            rows = queries.search(actor, flt, limit=PER_PAGE, offset=offset)
            more = queries.children(actor, flt).values_list("pk", flat=True)[
                offset + PER_PAGE: offset + PER_PAGE + 1]
            has_next = bool(list(more))
            searched = True
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("text", message)
    return render(request, "registry/child_list.html", {
        "form": form, "items": _list_items(rows), "page": page, "has_next": has_next,
        "searched": searched, "filters_open": form.is_bound and form.filters_used(),
        "can_register": actor.has(Capability.CHILD_EDIT),
    })


def _list_items(rows: list[Child]) -> list[dict]:
    if not rows:
        return []
    prefetch_related_objects(rows, Prefetch(
        "categories", queryset=ChildCategory.objects.filter(until=None).order_by("category"),
        to_attr="current_categories"))
    villages = _division_names(c.division_code for c in rows)
    today = f.today()
    items = []
    for child in rows:
        categories, flags = [], []
        for row in child.current_categories:
            entry = {"code": row.category, "label": category_label(row.category)}
            if category_kind(row.category) == RuleKind.ALERT:
                flags.append({**entry, "kind": "alert"})
            else:
                categories.append(entry)
        codes = {c["code"] for c in categories}  # a subcategory says more than its category
        categories = [c for c in categories
                      if not any(other.startswith(c["code"] + "_") for other in codes)]
        if not child.id_number_hash:
            flags.append({"code": "no_id_number", "label": _("no ID number"), "kind": "note"})
        if child.disability_type or child.disability_grade:
            flags.append({"code": "disability", "label": _("disability"), "kind": "note"})
        if child.serious_illness:
            flags.append({"code": "serious_illness", "label": _("serious illness"), "kind": "note"})
        items.append({
            "child": child, "age": f.age_on(child.date_of_birth, today),
            "sex": _choice_label(Sex.choices, child.sex),
            "village": villages.get(child.division_code, child.division_code),
            "categories": categories, "flags": flags,
        })
    return items


# --- registration --------------------------------------------------------------------------------


def _submitted(data, prefix: str) -> bool:
    return any(key.startswith(prefix + "-") for key in data)


def _build_forms(actor: Actor, data, seen: int) -> dict[str, f.Form]:
    """Every step's forms: bound to ``data`` for the steps already shown, else fresh."""
    built: dict[str, f.Form] = {}
    for step, classes in STEPS.items():
        for cls in classes:
            kwargs = {"actor": actor} if cls is f.ChildForm else {}
            bound = data is not None and (step <= seen or _submitted(data, cls.prefix))
            built[cls.prefix] = cls(data, **kwargs) if bound else cls(**kwargs)
    return built


def _step_forms(forms: dict[str, f.Form], step: int) -> list[f.Form]:
    return [forms[cls.prefix] for cls in STEPS[step]]


def _first_invalid(forms: dict[str, f.Form], upto: int) -> int | None:
    for step in range(1, upto + 1):
        if not all(form.is_bound and form.is_valid() for form in _step_forms(forms, step)):
            return step
    return None


def _carried(data, step: int) -> list[tuple[str, str]]:
    """The answers of the other steps, to travel on as hidden fields."""
    if data is None:
        return []
    own = tuple(cls.prefix + "-" for cls in STEPS[step])
    others = tuple(p + "-" for p in PREFIXES)
    return [(key, value) for key in data if key.startswith(others) and not key.startswith(own)
            for value in data.getlist(key)]


def _registration(forms: dict[str, f.Form]) -> services.Registration:
    child = forms["care"].apply(forms["child"].to_input())
    parents = [p for p in (forms["father"].to_input(), forms["mother"].to_input()) if p]
    caregivers = [c for c in (forms["cg1"].to_input(primary=True),
                              forms["cg2"].to_input(primary=False)) if c]
    return services.Registration(input=child, household=forms["household"].to_input(),
                                 parents=parents, caregivers=caregivers)


def _apply_service_errors(forms: dict[str, f.Form], exc: ValidationError,
                          family_errors: list[str]) -> int:
    """Put the service's errors on the fields they name; return the first step with one."""
    errors = getattr(exc, "message_dict", None) or {NON_FIELD_ERRORS: exc.messages}
    steps: list[int] = []
    for key, messages in errors.items():
        if key == "parents":
            family_errors.extend(messages)
            steps.append(2)
            continue
        for form in forms.values():
            if key in form.fields:
                for message in messages:
                    form.add_error(key, message)
                steps.append(form.step)
                break
        else:
            for message in messages:
                forms["child"].add_error(None, message)
            steps.append(1)
    return min(steps) if steps else 1


@require_http_methods(["GET", "POST"])
def child_register(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require(actor, Capability.CHILD_EDIT)
    if request.method == "GET":
        return _render_step(request, actor, _build_forms(actor, None, 0), None, 1, seen=1)

    data = request.POST
    try:
        step = min(max(int(data.get("step", 1)), 1), 3)
        seen = min(max(int(data.get("seen", step)), step), 3)
    except ValueError:
        step, seen = 1, 1
    action = data.get("action", "next")
    forms = _build_forms(actor, data, seen)

    if action == "back":
        return _render_step(request, actor, forms, data, max(step - 1, 1), seen)
    if action.startswith("goto-") and action[5:].isdigit():
        target = min(int(action[5:]), seen)
        return _render_step(request, actor, forms, data, max(target, 1), seen)
    if action == "next":
        invalid = _first_invalid(forms, step)
        if invalid is not None:
            return _render_step(request, actor, forms, data, invalid, seen)
        target = min(step + 1, 3)
        return _render_step(request, actor, forms, data, target, max(seen, target))
    if action not in ("save", "confirm") or seen < 3:
        return _render_step(request, actor, forms, data, step, seen)

    invalid = _first_invalid(forms, 3)
    if invalid is not None:
        return _render_step(request, actor, forms, data, invalid, seen)
    family_errors: list[str] = []
    try:
        child = services.register_child(actor, _registration(forms), confirmed=action == "confirm")
    except services.NeedsConfirmation as exc:
        return _render_step(request, actor, forms, data, 3, seen, confirmation={
            "warnings": exc.warnings,
            "duplicates": [{"child_id": d.child_id, "reason": d.reason} for d in exc.duplicates],
        })
    except services.DuplicateIdNumber as exc:
        forms["child"].add_error("id_number", exc.messages)
        return _render_step(request, actor, forms, data, 1, seen, existing_id=exc.existing_id)
    except ValidationError as exc:
        target = _apply_service_errors(forms, exc, family_errors)
        return _render_step(request, actor, forms, data, target, seen, family_errors=family_errors)
    return redirect("child_detail", child_id=child.pk)


@require_http_methods(["GET"])
def child_new_destination(request: HttpRequest) -> HttpResponse:
    """The destination picker one level further down (htmx); place names only, nothing personal."""
    actor = actor_for(request)
    require(actor, Capability.CHILD_EDIT)
    role = request.GET.get("role", "")
    classes = {"father": f.FatherForm, "mother": f.MotherForm, "situation": f.SituationForm}
    if role not in classes:
        raise Http404
    form = classes[role](initial={"destination_code": request.GET.get(f"{role}-destination_code", "")})
    when = dict((bf.name, kinds) for bf, kinds in form.detail_fields())["destination_code"]
    return render(request, "registry/_field.html", {"field": form["destination_code"], "when": when})


def _render_step(request: HttpRequest, actor: Actor, forms: dict[str, f.Form], data, step: int,
                 seen: int, *, confirmation: dict | None = None, existing_id: str | None = None,
                 family_errors: list[str] | None = None) -> HttpResponse:
    titles = _step_titles()
    context = {
        "step": step, "seen": seen, "steps": [(n, titles[n]) for n in STEPS],
        "step_title": titles[step], "forms": forms, "carried": _carried(data, step),
        "confirmation": confirmation, "existing_id": existing_id,
        "family_errors": family_errors or [],
        "parents": [forms["father"], forms["mother"]],
        "caregivers": [forms["cg1"], forms["cg2"]],
        "situation_kinds": SituationKind.values,
    }
    if step == 3 and _first_invalid(forms, 2) is None:
        context["review"] = _review(forms)
    return render(request, "registry/register.html", context)


def _review(forms: dict[str, f.Form]) -> list[tuple[str, str]]:
    """The answers of steps 1 and 2 in words, to check before saving."""
    c = forms["child"].cleaned_data
    village = _division_names([c["division_code"]]).get(c["division_code"], c["division_code"])
    rows = [
        (_("Name"), c["name"]),
        (_("Sex"), _choice_label(Sex.choices, c["sex"])),
        (_("Date of birth"), c["date_of_birth"].isoformat()),
        (_("Village of residence"), village),
        (_("Resident ID number"), idnumber.mask(c["id_number"]) if c["id_number"] else _("none")),
        (_("Hukou"), _choice_label(HukouType.choices, c["hukou_type"])),
        (_("School"), _choice_label(SchoolStatus.choices, c["school_status"])),
    ]
    for form in (forms["father"], forms["mother"]):
        parent = form.to_input()
        if parent is None:
            text = _("not known")
        elif not parent.known:
            text = _("not identified")
        elif not parent.situations:
            text = _("situation not known")
        else:
            text = _situation_text(parent.situations[0])
        rows.append((str(form.title), text))
    h = forms["household"].cleaned_data
    benefits = [str(forms["household"].fields[k].label) for k in
                ("minimum_allowance", "extreme_poverty_support", "assessed_poor") if h.get(k)]
    rows.append((_("Household benefits"), "; ".join(benefits) or _("none")))
    return rows


def _situation_text(s) -> str:
    """A parent's situation in a few words: "working away from home (migrant worker), since ..."."""
    parts = [_choice_label(SituationKind.choices, s.kind)]
    if s.since:
        parts.append(_("since %(date)s") % {"date": s.since.isoformat()})
    if s.until:
        parts.append(_("until %(date)s") % {"date": s.until.isoformat()})
    if s.kind == SituationKind.MIGRANT_WORKER:
        if s.cross_county is True:
            parts.append(_("outside the home county"))
        elif s.cross_county is False:
            parts.append(_("within the home county"))
        if s.destination_code:
            name = _division_names([s.destination_code]).get(s.destination_code, s.destination_code)
            parts.append(name)
        if s.contact_frequency:
            parts.append(_("in contact: %(how)s") % {"how": s.contact_frequency})
    if s.kind == SituationKind.DEAD and s.court_declared:
        parts.append(_("declared by a court"))
    if s.police_report_accepted_on:
        parts.append(_("police accepted the report on %(date)s")
                     % {"date": s.police_report_accepted_on.isoformat()})
    if s.disability_type or s.disability_grade:
        parts.append(" ".join(filter(None, [
            _choice_label(DisabilityType.choices, s.disability_type),
            _("grade %(grade)s") % {"grade": s.disability_grade} if s.disability_grade else ""])))
    return ", ".join(p for p in parts if p)


# --- the profile ---------------------------------------------------------------------------------


def child_detail(request: HttpRequest, child_id) -> HttpResponse:
    actor = actor_for(request)
    require(actor, Capability.CHILD_VIEW)
    try:
        child = queries.get_child(actor, str(child_id))
    except Child.DoesNotExist:
        raise Http404 from None
    today = f.today()
    parents = list(child.parents.prefetch_related(
        Prefetch("situations", queryset=ParentSituation.objects.order_by("-since", "-recorded_at")))
        .order_by("role"))
    categories = list(child.categories.order_by("since", "category"))
    events = list(child.events.select_related("actor").order_by("-at")[:200])
    codes = [child.division_code, child.hukou_division_code]
    codes += [s.destination_code for p in parents for s in p.situations.all()]
    names = _division_names(codes)
    current = sorted((c for c in categories if c.until is None),
                     key=lambda c: (KIND_ORDER.get(category_kind(c.category), 9), c.category))
    return render(request, "registry/child_detail.html", {
        "child": child,
        "age": f.age_on(child.date_of_birth, today),
        "facts": _facts(child, names, withheld(actor)),
        "household": child.household,
        "parents": [{"parent": p, "label": _choice_label(ParentRole.choices, p.role),
                     "situations": [_situation_text(s) for s in p.situations.all()]}
                    for p in parents],
        "caregivers": [{"caregiver": c,
                        "relationship": _choice_label(f.CAREGIVER_RELATIONSHIPS, c.relationship),
                        "health": _choice_label(Level3.choices, c.health),
                        "capacity": _choice_label(Level3.choices, c.capacity)}
                       for c in child.caregivers.order_by("-primary", "id")],
        "categories": [_category_view(c) for c in current],
        "former": [_category_view(c) for c in categories if c.until is not None],
        "events": [_event_view(e) for e in events],
        "can_edit": actor.has(Capability.CHILD_EDIT),
        "can_confirm": actor.has(Capability.CASE_APPROVE),
        "consents": _consent_views(child),
        "today": today,
    })


def _facts(child: Child, names: dict[str, str], withheld: frozenset[str]) -> list[tuple[str, str]]:
    rows = [
        (_("Sex"), _choice_label(Sex.choices, child.sex)),
        (_("Date of birth"), child.date_of_birth.isoformat()),
        (_("Ethnicity"), _choice_label(Ethnicity.choices, child.ethnicity)),
        (_("Resident ID number"), idnumber.mask(child.id_number) if child.id_number else _("none")),
        (_("Village of residence"), f"{names.get(child.division_code, '')} {child.division_code}".strip()),
        (_("Hukou"), _choice_label(HukouType.choices, child.hukou_type)),
    ]
    if child.hukou_division_code:
        code = child.hukou_division_code
        rows.append((_("Hukou place"), f"{names.get(code, '')} {code}".strip()))
    if child.nickname:
        rows.append((_("Nickname"), child.nickname))
    if child.former_names:
        rows.append((_("Former names"), child.former_names))
    if "school_status" not in withheld:
        school = _choice_label(SchoolStatus.choices, child.school_status)
        rows.append((_("School"), f"{school} {child.grade}".strip()))
    if child.disability_type or child.disability_grade:
        grade = _("grade %(grade)s") % {"grade": child.disability_grade} if child.disability_grade else ""
        rows.append((_("Disability"),
                     f"{_choice_label(DisabilityType.choices, child.disability_type)} {grade}".strip()))
    if child.serious_illness or child.illness_note:
        rows.append((_("Serious illness"), child.illness_note or _("yes")))
    for name, label in (("lives_alone", _("Lives alone")), ("left_unattended", _("Left unattended")),
                        ("guardianship_harm", _("Harmed through absent or improper guardianship")),
                        ("both_parents_cannot_be_found", _("The birth parents cannot be found"))):
        if getattr(child, name):
            rows.append((label, _("yes")))
    return rows


def _category_view(row: ChildCategory) -> dict:
    return {
        "code": row.category, "label": category_label(row.category),
        "kind": category_kind(row.category),
        "reasons": [render_reason(r) for r in row.reasons or []],
        "source": row.rule_source, "version": row.rule_version,
        "since": row.since, "until": row.until,
    }


def _event_view(event) -> dict:
    detail = event.detail or {}
    code = detail.get("category", "")
    label = category_label(code) if code else ""
    titles = {
        "registered": _("Registered"),
        "category_entered": _("Entered: %(category)s") % {"category": label},
        "category_left": _("Left: %(category)s") % {"category": label},
        "alert": _("Alert: %(category)s") % {"category": label},
        "duplicate_request": _("Another office tried to register a child with this ID number."),
        "facts_changed": _("Facts changed"),
        "parent_situation_added": _("A parent's situation was recorded"),
        "parent_situation_ended": _("A parent's situation ended"),
        "incapacity_confirmed": _("A supervisor confirmed the parent at home lacks guardianship capacity"),
        "incapacity_withdrawn": _("The confirmation of incapacity was withdrawn"),
        "consent_recorded": _("Consent recorded"),
        "consent_refused": _("Consent refused"),
        "consent_withdrawn": _("Consent withdrawn"),
    }
    if event.kind == "facts_changed" and detail.get("fields"):
        titles["facts_changed"] = _("Facts changed: %(fields)s") % {
            "fields": ", ".join(_field_label(name) for name in detail["fields"])}
    who = ""
    if event.actor is not None:
        who = getattr(event.actor, "full_name", "") or event.actor.username
    return {
        # Kinds of other apps (visits, reports...) keep a message id as the summary.
        "at": event.at, "kind": event.kind, "title": titles.get(event.kind) or _(event.summary),
        "category": code, "who": who,
        "reasons": [render_reason(r) for r in detail.get("reasons", [])
                    if isinstance(r, dict)],
    }



# --- changing a child's record (everychild.registry.updates) -----------------------------------


def _editable_child(request: HttpRequest, child_id) -> tuple[Actor, Child]:
    """The child, if the actor may see and edit it (404 if not visible, 403 if not editable)."""
    from everychild.registry import updates

    actor = actor_for(request)
    require(actor, Capability.CHILD_EDIT)
    try:
        return actor, updates._child_for_edit(actor, str(child_id))
    except Child.DoesNotExist:
        raise Http404 from None


def _put_errors(form: f.Form, exc: ValidationError) -> None:
    errors = getattr(exc, "message_dict", None) or {NON_FIELD_ERRORS: exc.messages}
    for key, messages in errors.items():
        target = key if key in form.fields else None
        for message in messages:
            form.add_error(target, message)


@require_http_methods(["GET", "POST"])
def child_edit(request: HttpRequest, child_id) -> HttpResponse:
    """Edit the child's facts on one page; the categories follow."""
    from everychild.registry import updates

    actor, child = _editable_child(request, child_id)
    warnings: list[str] = []
    if request.method == "POST":
        form = f.ChildEditForm(request.POST, child=child)
        if form.is_valid():
            try:
                updates.update_child(actor, child.pk, form.changes(),
                                     confirmed=form.cleaned_data["confirmed"])
            except services.NeedsConfirmation as exc:
                warnings = exc.warnings
                data = request.POST.copy()
                data[form.add_prefix("confirmed")] = "on"
                form = f.ChildEditForm(data, child=child)
                form.is_valid()
            except ValidationError as exc:  # DuplicateIdNumber included
                _put_errors(form, exc)
            else:
                return redirect("child_detail", child_id=child.pk)
    else:
        form = f.ChildEditForm(child=child)
    return render(request, "registry/edit_facts.html",
                  {"child": child, "form": form, "warnings": warnings})


@require_http_methods(["GET", "POST"])
def child_add_situation(request: HttpRequest, child_id) -> HttpResponse:
    """Record a parent's situation (a mother returning home, a father leaving to work, ...)."""
    from everychild.registry import updates

    actor, child = _editable_child(request, child_id)
    if request.method == "POST":
        form = f.SituationForm(request.POST)
        if form.is_valid():
            try:
                updates.add_parent_situation(actor, child.pk, form.cleaned_data["parent_role"],
                                             form.to_situation())
            except ValidationError as exc:
                _put_errors(form, exc)
            else:
                return redirect("child_detail", child_id=child.pk)
    else:
        form = f.SituationForm(initial={"parent_role": request.GET.get("role", "")})
    return render(request, "registry/edit_situation.html", {"child": child, "form": form})


@require_http_methods(["GET", "POST"])
def child_consents(request: HttpRequest, child_id) -> HttpResponse:
    """The child's consents, and a form to record one given or refused."""
    from everychild.registry import updates

    actor, child = _editable_child(request, child_id)
    if request.method == "POST":
        form = f.ConsentForm(request.POST)
        if form.is_valid():
            try:
                updates.record_consent(actor, child.pk, **form.cleaned_data)
            except ValidationError as exc:
                _put_errors(form, exc)
            else:
                return redirect(reverse("child_detail", kwargs={"child_id": child.pk}) + "#consents")
    else:
        form = f.ConsentForm()
    return render(request, "registry/edit_consent.html", {
        "child": child, "form": form, "consents": _consent_views(child), "today": f.today()})


@require_http_methods(["POST"])
def consent_withdraw(request: HttpRequest, consent_id) -> HttpResponse:
    from everychild.registry import updates
    from everychild.registry.models import Consent

    consent = Consent.objects.filter(pk=consent_id).first()
    if consent is None:
        raise Http404
    actor, child = _editable_child(request, consent.child_id)  # the gate, before anything shows
    form = f.WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("withdrawn_on") or _("Enter a valid date."))
        updates.withdraw_consent(actor, consent.pk, form.cleaned_data["withdrawn_on"])
    except Child.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        consent_form = f.ConsentForm()
        return render(request, "registry/edit_consent.html", {
            "child": child, "form": consent_form, "consents": _consent_views(child),
            "withdraw_errors": exc.messages, "today": f.today()}, status=422)
    return redirect(reverse("child_detail", kwargs={"child_id": consent.child_id}) + "#consents")


@require_http_methods(["POST"])
def child_confirm_incapacity(request: HttpRequest, child_id) -> HttpResponse:
    """A supervisor confirms, with a reason, that the parent at home cannot care for the child."""
    from everychild.registry import updates

    actor, child = _editable_child(request, child_id)
    require(actor, Capability.CASE_APPROVE, child.division_code)
    form = f.IncapacityForm(request.POST)
    if form.is_valid():
        try:
            updates.confirm_other_parent_incapacity(actor, child.pk, form.cleaned_data["reason"])
        except ValidationError:
            pass
    return redirect("child_detail", child_id=child.pk)


def _consent_views(child: Child) -> list[dict]:
    from everychild.registry.models import Consent, Purpose
    from everychild.registry.updates import consent_in_force

    today = f.today()
    rows = []
    for c in Consent.objects.filter(child=child).order_by("-given_on", "-id"):
        rows.append({
            "consent": c, "purpose": _choice_label(Purpose.choices, c.purpose),
            "given_by": _("guardian") if c.given_by == "guardian" else _("the child"),
            "in_force": consent_in_force(child, c.purpose, today),
            "can_withdraw": not c.refused and c.withdrawn_on is None,
        })
    return rows


def _field_label(name: str) -> str:
    from django.core.exceptions import FieldDoesNotExist

    from everychild.registry.models import Household

    for model in (Child, Household):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # an old event may name a field that no longer exists
            continue
    return name


@require_http_methods(["POST"])
def child_photo_upload(request: HttpRequest, child_id) -> HttpResponse:
    """Store or remove the child's photo (encrypted; needs the recorded consent)."""
    from django.contrib import messages

    from everychild.registry import updates

    actor, child = _editable_child(request, child_id)
    upload = request.FILES.get("photo")
    try:
        if request.POST.get("remove"):
            updates.set_photo(actor, child.pk, None)
        elif upload is None or upload.size > updates.PHOTO_MAX_BYTES:
            raise ValidationError(_("Choose a JPEG or PNG photo of at most 2 MB."))
        else:
            updates.set_photo(actor, child.pk, upload.read())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("child_detail", kwargs={"child_id": child.pk}) + "#photo")


@require_http_methods(["GET"])
def child_photo(request: HttpRequest, child_id) -> HttpResponse:
    """The photo, decrypted for this response only; the read is audited and never cached."""
    from everychild.registry import updates

    try:
        child = queries.get_child(actor_for(request), str(child_id), purpose="photo")
    except Child.DoesNotExist:
        raise Http404 from None
    data = bytes(child.photo) if child.photo else b""
    kind = updates.photo_type(data)
    if not kind:
        raise Http404
    response = HttpResponse(data, content_type=kind)
    response["Cache-Control"] = "no-store, private"
    return response
