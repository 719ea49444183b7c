"""Forms of the case-management pages. They check the shape of what is typed; the rules (what
the lifecycle allows, the child's views heard, four eyes, closure criteria, who may be assigned)
are the services'. The plan editor is a plain class, not a formset: goals and their actions
arrive as numbered fields, so a phone adds rows without JavaScript (a submit button re-renders the
editor with one more row)."""

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from everychild.accounts.models import Post
from everychild.cases.models import NoteKind
from everychild.cases.services import (
    GOAL_STATUSES,
    MAX_ACTIONS,
    MAX_GOALS,
    MAX_TEXT,
    AssessmentInput,
    NoteInput,
    ReviewInput,
)
from everychild.rules.case_management import CLOSURE_TERMS
from everychild.services.models import ServiceProvider, ServiceType
from everychild.services.services import DEFAULT_SHARED, SHAREABLE, ReferralInput
from everychild.visits.models import RiskLevel

# The areas an assessment looks at, in the order of the form.
NEED_AREAS = (
    ("safety", gettext_lazy("Safety")),
    ("health", gettext_lazy("Health")),
    ("education", gettext_lazy("Education")),
    ("care", gettext_lazy("Care and family")),
    ("emotional", gettext_lazy("Emotional wellbeing")),
    ("economic", gettext_lazy("Economic situation")),
    ("legal", gettext_lazy("Legal matters and documents")),
)
GOAL_STATUS_LABELS = {"open": gettext_lazy("open"), "met": gettext_lazy("met"),
                      "not_met": gettext_lazy("not met")}
SHARE_LABELS = {
    "name": gettext_lazy("the child's name"),
    "sex": gettext_lazy("sex"),
    "age": gettext_lazy("age"),
    "village": gettext_lazy("the village where the child lives"),
    "caregiver": gettext_lazy("the main caregiver (relationship, name, phone)"),
    "school": gettext_lazy("schooling (status and grade)"),
    "disability": gettext_lazy("disability (type and grade)"),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _text(label: Any, rows: int = 3, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


def _risk(required: bool = True, blank: Any = "") -> forms.ChoiceField:
    choices = list(RiskLevel.choices)
    if not required:
        choices = [("", blank), *choices]
    return forms.ChoiceField(label=gettext_lazy("Risk level"), choices=choices, required=required,
                             widget=forms.RadioSelect if required else forms.Select)


def post_label(post: Post) -> str:
    """A caseworker's post in a choice: the person, the role and the place."""
    person = post.user.full_name or post.user.username
    return f"{person} · {post.role.name} · {post.division.name}"


class OpenForm(forms.Form):
    """Open a case for a child (the child, the report or the visit come with the page's URL)."""

    summary = _text(gettext_lazy("Why the case is opened"), 4, required=True)
    risk_level = _risk(required=False, blank=gettext_lazy(
        "from the report, or the child's current risk level"))
    caseworker_post_id = forms.ChoiceField(label=gettext_lazy("Caseworker"), required=False)
    take = forms.BooleanField(label=gettext_lazy("I am the caseworker of this case"),
                              required=False, initial=True)

    def __init__(self, *args: Any, caseworkers: list[Post] | None = None, may_take: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_take or caseworkers is not None:
            del self.fields["take"]
        if caseworkers is None:
            del self.fields["caseworker_post_id"]
        else:
            self.fields["caseworker_post_id"].choices = [
                ("", _("assign later")), *((str(p.pk), post_label(p)) for p in caseworkers)]


class AssessmentForm(forms.Form):
    """The initial safety assessment and the comprehensive assessment (same questions; the
    comprehensive one needs the child's views or why they could not be heard)."""

    risk_level = _risk()
    safe_now = forms.ChoiceField(label=gettext_lazy("Is the child safe now?"),
                                 choices=[("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))],
                                 initial="yes", widget=forms.RadioSelect)
    safety_actions = _text(gettext_lazy("Immediate safety actions"), 2,
                           help_text=gettext_lazy("Required when the child is not safe."))
    strengths = _text(gettext_lazy("Strengths and support around the child"), 2)
    child_views = _text(gettext_lazy("The child's own views"), 3)
    child_not_heard_reason = forms.CharField(
        label=gettext_lazy("Or: why the child's views could not be heard (age, maturity)"),
        required=False, max_length=200)
    summary = _text(gettext_lazy("Summary"), 3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for area, label in NEED_AREAS:
            self.fields[f"need_{area}"] = _text(label, 2)
        order = ["risk_level", "safe_now", "safety_actions",
                 *(f"need_{a}" for a, _label in NEED_AREAS), "strengths", "child_views",
                 "child_not_heard_reason", "summary"]
        self.order_fields(order)

    def needs(self) -> list[forms.BoundField]:
        return [self[f"need_{a}"] for a, _label in NEED_AREAS]

    def to_input(self) -> AssessmentInput:
        data = self.cleaned_data
        return AssessmentInput(
            risk_level=data["risk_level"], summary=data["summary"],
            safe_now=data["safe_now"] == "yes", safety_actions=data["safety_actions"],
            needs={a: data[f"need_{a}"] for a, _label in NEED_AREAS if data[f"need_{a}"]},
            strengths=data["strengths"], child_views=data["child_views"],
            child_not_heard_reason=data["child_not_heard_reason"])


class DecideForm(forms.Form):
    """A supervisor's decision on a plan or a closure request: approve, or return with
    comments (the button pressed says which)."""

    decision = forms.ChoiceField(choices=[("approve", "approve"), ("return", "return")],
                                 widget=forms.HiddenInput, required=False)
    comments = _text(gettext_lazy("Comments"), 3,
                     help_text=gettext_lazy("Required when you return it."))

    def approve(self) -> bool:
        return self.cleaned_data.get("decision") != "return"


class ReviewForm(forms.Form):
    """A review: the risk level, what was found, each goal's progress and the child's views."""

    risk_level = _risk()
    summary = _text(gettext_lazy("What the review found"), 3, required=True)
    child_views = _text(gettext_lazy("The child's own views"), 3)
    child_not_heard_reason = forms.CharField(
        label=gettext_lazy("Or: why the child's views could not be heard (age, maturity)"),
        required=False, max_length=200)

    def __init__(self, *args: Any, goals: list[dict[str, Any]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goals = goals or []
        choices = [(s, GOAL_STATUS_LABELS[s]) for s in GOAL_STATUSES]
        for n, goal in enumerate(self.goals, 1):
            self.fields[f"goal_{goal['id']}"] = forms.ChoiceField(
                label=_("Goal %(n)s: %(goal)s") % {"n": n, "goal": goal["goal"]},
                choices=choices, initial=goal.get("status", "open"), widget=forms.RadioSelect)

    def goal_fields(self) -> list[forms.BoundField]:
        return [self[f"goal_{g['id']}"] for g in self.goals]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("risk_level", "summary", "child_views",
                                  "child_not_heard_reason")]

    def to_input(self) -> ReviewInput:
        data = self.cleaned_data
        return ReviewInput(risk_level=data["risk_level"], summary=data["summary"],
                           goal_status={g["id"]: data[f"goal_{g['id']}"] for g in self.goals},
                           child_views=data["child_views"],
                           child_not_heard_reason=data["child_not_heard_reason"])


class ReasonForm(forms.Form):
    """Revise the plan, reopen the case, cancel a referral: a reason."""

    reason = _text(gettext_lazy("Reason"), 2, required=True)


class ClosureForm(forms.Form):
    criterion = forms.ChoiceField(label=gettext_lazy("Why the case can close"),
                                  widget=forms.RadioSelect)
    note = _text(gettext_lazy("Note"), 3,
                 help_text=gettext_lazy("Say why the case can close."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = [(c.value, _(term)) for c, term in
                                            CLOSURE_TERMS.items()]


class AssignForm(forms.Form):
    caseworker_post_id = forms.ChoiceField(label=gettext_lazy("Caseworker"))

    def __init__(self, *args: Any, caseworkers: list[Post] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caseworker_post_id"].choices = [
            (str(p.pk), post_label(p)) for p in caseworkers or []]


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=NoteKind.choices,
                             initial=NoteKind.NOTE)
    held_on = forms.DateField(label=gettext_lazy("Date"), required=False, widget=DateInput,
                              input_formats=["%Y-%m-%d"],
                              help_text=gettext_lazy("YYYY-MM-DD; empty: today"))
    attendees = _text(gettext_lazy("Who took part"), 2,
                      help_text=gettext_lazy("Required for a case conference."))
    text = _text(gettext_lazy("Notes"), 4, required=True)
    decisions = _text(gettext_lazy("Decisions"), 2)

    def to_input(self) -> NoteInput:
        data = self.cleaned_data
        return NoteInput(text=data["text"], kind=data["kind"], held_on=data["held_on"],
                         attendees=data["attendees"], decisions=data["decisions"])


def provider_label(provider: ServiceProvider) -> str:
    kinds = dict(ServiceType.choices)
    offered = "、".join(str(kinds.get(s.service_type, s.service_type))
                       for s in provider.services.all())
    run = _("state-run") if provider.state_run else _("non-state: needs consent or a safety reason")
    return f"{provider.name} ({run}) · {offered}"


class ServiceChoiceForm(forms.Form):
    """The GET form that narrows the providers to one service."""

    service_type = forms.ChoiceField(label=gettext_lazy("Service"), required=False,
                                     choices=[("", gettext_lazy("any service")),
                                              *ServiceType.choices])


class ReferralForm(forms.Form):
    service_type = forms.ChoiceField(label=gettext_lazy("Service"), choices=ServiceType.choices)
    provider_id = forms.ChoiceField(label=gettext_lazy("Provider"))
    need = _text(gettext_lazy("What the child needs from the service"), 3, required=True)
    share = forms.MultipleChoiceField(
        label=gettext_lazy("What the provider may see of the child (only what the service needs)"),
        required=False, widget=forms.CheckboxSelectMultiple, initial=list(DEFAULT_SHARED))
    goal_id = forms.ChoiceField(label=gettext_lazy("The plan goal it serves"), required=False)
    safety_reason = _text(
        gettext_lazy("Why the child's safety requires sharing"), 2,
        help_text=gettext_lazy("Only for a non-state provider when no consent for sharing is "
                               "recorded."))

    def __init__(self, *args: Any, providers: list[ServiceProvider] | None = None,
                 goals: list[dict[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.providers = providers or []
        self.fields["provider_id"].choices = [("", _("choose a provider")), *(
            (str(p.pk), provider_label(p)) for p in self.providers)]
        self.fields["share"].choices = [(s, SHARE_LABELS[s]) for s in SHAREABLE]
        self.fields["goal_id"].choices = [("", _("none in particular")), *(
            (g["id"], g["goal"]) for g in goals or [])]

    def to_input(self) -> ReferralInput:
        data = self.cleaned_data
        return ReferralInput(provider_id=data["provider_id"], service_type=data["service_type"],
                             need=data["need"], share=list(data["share"]),
                             goal_id=data["goal_id"], safety_reason=data["safety_reason"])


# --- the plan editor ------------------------------------------------------------------------------


@dataclass
class ActionRow:
    what: str = ""
    who: str = ""
    by: str = ""
    done: bool = False

    @property
    def blank(self) -> bool:
        return not (self.what or self.who or self.by)


@dataclass
class GoalRow:
    id: str = ""
    goal: str = ""
    status: str = "open"
    actions: list[ActionRow] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not self.goal and all(a.blank for a in self.actions)

    @property
    def status_label(self) -> str:
        return str(GOAL_STATUS_LABELS.get(self.status, self.status))


class PlanEditor:
    """The plan's goals and actions as numbered fields (``g1-goal``, ``g1-a2-what`` ...), with
    the version the writer read. Blank rows are offered for new goals and actions and dropped
    when saving; what was typed is always shown again, whatever happened to the save."""

    def __init__(self, goals: list[GoalRow], version: int) -> None:
        self.goals, self.version = goals, version
        self.errors: list[str] = []

    @classmethod
    def from_plan(cls, goals: list[dict[str, Any]], version: int) -> "PlanEditor":
        rows = [GoalRow(id=str(g.get("id") or ""), goal=str(g.get("goal") or ""),
                        status=str(g.get("status") or "open"),
                        actions=[ActionRow(what=str(a.get("what") or ""),
                                           who=str(a.get("who") or ""), by=str(a.get("by") or ""),
                                           done=bool(a.get("done")))
                                 for a in g.get("actions") or []])
                for g in goals]
        editor = cls(rows, version)
        editor.pad()
        return editor

    @classmethod
    def from_post(cls, data: QueryDict) -> "PlanEditor":
        def text(name: str, limit: int) -> str:
            return (data.get(name) or "").strip()[:limit]

        goals = []
        for i in range(1, min(_count(data.get("goals")), MAX_GOALS + 1) + 1):
            status = text(f"g{i}-status", 10)
            actions = [ActionRow(what=text(f"g{i}-a{j}-what", 300), who=text(f"g{i}-a{j}-who", 300),
                                 by=text(f"g{i}-a{j}-by", 10), done=bool(data.get(f"g{i}-a{j}-done")))
                       for j in range(1, min(_count(data.get(f"g{i}-actions")),
                                             MAX_ACTIONS + 1) + 1)]
            goals.append(GoalRow(id=text(f"g{i}-id", 40), goal=text(f"g{i}-goal", 500),
                                 status=status if status in GOAL_STATUSES else "open",
                                 actions=actions))
        return cls(goals, _count(data.get("version")))

    def pad(self) -> None:
        """One empty action under each goal, one empty goal at the end."""
        for goal in self.goals:
            if not goal.actions or not goal.actions[-1].blank:
                goal.actions.append(ActionRow())
        if not self.goals or not self.goals[-1].blank:
            self.goals.append(GoalRow(actions=[ActionRow(), ActionRow()]))

    def add_goal(self) -> None:
        self.goals.append(GoalRow(actions=[ActionRow(), ActionRow()]))

    def add_action(self, n: int) -> None:
        if 1 <= n <= len(self.goals):
            self.goals[n - 1].actions.append(ActionRow())

    def cleaned(self) -> list[dict[str, Any]]:
        """The goals to save: blank rows dropped; the service checks the rest."""
        found = []
        for goal in self.goals:
            if goal.blank:
                continue
            row: dict[str, Any] = {"goal": goal.goal, "status": goal.status, "actions": [
                {"what": a.what, "who": a.who, "by": a.by, "done": a.done}
                for a in goal.actions if not a.blank]}
            if goal.id:
                row["id"] = goal.id
            found.append(row)
        return found

    def too_many(self) -> bool:
        return len(self.cleaned()) > MAX_GOALS

    def has_content(self) -> bool:
        return bool(self.cleaned())


def _count(value: Any) -> int:
    try:
        return max(0, int(str(value or "0")))
    except ValueError:
        return 0
