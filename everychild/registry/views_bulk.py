"""Bulk pages: import templates, imports (progress, confirmation, correction files) and exports.

Thin views over everychild.registry.bulk and bulk_export: importing needs ``child.edit``,
exporting ``child.view`` (analysts hold neither). Export filters travel in the POST body.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from everychild.access.policy import Actor, actor_for, require
from everychild.accounts.roles import Capability
from everychild.places.codes import Level
from everychild.registry import bulk, queries
from everychild.registry.bulk_columns import REQUIRED, header_key
from everychild.registry.bulk_export import build_export
from everychild.registry.bulk_files import XLSX_TYPE, template_csv, template_xlsx
from everychild.registry.models import SchoolStatus, Sex
from everychild.registry.models_bulk import ImportJob, RowOutcome
from everychild.rules import CATALOGUE, RuleKind

ROWS_SHOWN = 500


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (XLSX or CSV)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > bulk.MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than %(size)d MB: split it into several "
                                    "files.") % {"size": bulk.MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


def _category_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for rule in CATALOGUE:
        if rule.kind in (RuleKind.CATEGORY, RuleKind.SUBCATEGORY) and rule.code not in seen:
            seen[rule.code] = str(rule.title)
    return [("", _("any"))] + list(seen.items())


class ExportForm(forms.Form):
    """The list filters (queries.ChildFilter), posted: a name search never enters a URL."""

    category = forms.ChoiceField(label=gettext_lazy("category"), required=False, choices=_category_choices)
    division_prefix = forms.RegexField(label=gettext_lazy("division code prefix"), required=False,
                                       regex=r"^[0-9]{1,12}$")
    sex = forms.ChoiceField(label=gettext_lazy("sex"), required=False,
                            choices=[("", gettext_lazy("any")), *Sex.choices])
    school_status = forms.ChoiceField(label=gettext_lazy("school status"), required=False,
                                      choices=[("", gettext_lazy("any")), *SchoolStatus.choices])
    age_min = forms.IntegerField(label=gettext_lazy("age from"), required=False, min_value=0,
                                 max_value=17)
    age_max = forms.IntegerField(label=gettext_lazy("age to"), required=False, min_value=0, max_value=17)
    has_id_number = forms.NullBooleanField(
        label=gettext_lazy("has an ID number"), required=False,
        widget=forms.Select(choices=[("", gettext_lazy("any")), ("true", gettext_lazy("yes")),
                                     ("false", gettext_lazy("no"))]))
    text = forms.CharField(label=gettext_lazy("name, pinyin or initials"), required=False, max_length=50)

    def child_filter(self) -> queries.ChildFilter:
        data = self.cleaned_data
        return queries.ChildFilter(
            category=data.get("category") or "", division_prefix=data.get("division_prefix") or "",
            age_min=data.get("age_min"), age_max=data.get("age_max"), sex=data.get("sex") or "",
            school_status=data.get("school_status") or "",
            has_id_number=data.get("has_id_number"), text=data.get("text") or "")


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _job_or_404(actor: Actor, job_id: str) -> ImportJob:
    try:
        return bulk.get_job(actor, job_id)
    except ImportJob.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require(actor, Capability.CHILD_EDIT)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = bulk.start_import(actor, upload.read(), upload.name, language=get_language())
        except bulk.ImportFileError as exc:
            form.add_error("file", _("Nothing was imported: %(reason)s") % {"reason": exc})
        else:
            messages.success(request, _("The file was accepted; its rows are being imported."))
            return redirect("registry_bulk:job", job_id=job.pk)
    return render(request, "registry/bulk_import.html", {
        "form": form, "jobs": list(bulk.jobs_for(actor)[:20]),
        "required": "、".join(c.header for c in REQUIRED),
    }, status=400 if form.errors else 200)


@require_GET
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    actor = actor_for(request)
    require(actor, Capability.CHILD_EDIT)
    division = actor.post.division
    village = division.code if division.level == Level.VILLAGE else ""
    if kind == "csv":
        return _download(template_csv(village), "text/csv; charset=utf-8", "children-template.csv")
    return _download(template_xlsx(village), XLSX_TYPE, "children-template.xlsx")


@require_GET
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    actor = actor_for(request)
    require(actor, Capability.CHILD_EDIT)
    job = _job_or_404(actor, job_id)
    awaiting = bulk.rows_of(job, RowOutcome.AWAITING, ROWS_SHOWN)
    rejected = bulk.rows_of(job, RowOutcome.REJECTED, ROWS_SHOWN)
    name_at = next((i for i, h in enumerate(job.headers) if header_key(h) == "name"), None)
    return render(request, "registry/bulk_job.html", {
        "job": job, "detail_page": True,
        "awaiting": [(row, _cell(row, name_at)) for row in awaiting],
        "rejected": [(row, row.detail.get("problems", [])) for row in rejected],
        "rows_shown": ROWS_SHOWN,
    })


def _cell(row, position: int | None) -> str:
    cells = row.detail.get("cells", [])
    return cells[position] if position is not None and position < len(cells) else ""


@require_GET
def job_status(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's card (status, progress, counts), polled by htmx every 2 s while it runs."""
    actor = actor_for(request)
    require(actor, Capability.CHILD_EDIT)
    job = _job_or_404(actor, job_id)
    response = render(request, "registry/bulk_job_card.html", {
        "job": job, "detail_page": request.GET.get("page") == "detail"})
    if job.finished and request.GET.get("page") == "detail":
        response["HX-Refresh"] = "true"  # show the rows to confirm and correct
    return response


@require_POST
def settle_rows(request: HttpRequest, job_id: str) -> HttpResponse:
    """Confirm (register) or dismiss rows awaiting confirmation."""
    actor = actor_for(request)
    require(actor, Capability.CHILD_EDIT)
    job = _job_or_404(actor, job_id)
    action = request.POST.get("action", "")
    rows = None if request.POST.get("all") == "1" else request.POST.getlist("row")
    if action == "confirm":
        before = job.imported
        bulk.confirm_rows(actor, job, rows)
        registered = job.imported - before
        messages.success(request, ngettext("%(count)d row registered.", "%(count)d rows registered.",
                                           registered) % {"count": registered})
    elif action == "dismiss":
        done = bulk.dismiss_rows(actor, job, rows)
        messages.success(request, ngettext(
            "%(count)d row left unregistered; it is in the correction file.",
            "%(count)d rows left unregistered; they are in the correction file.", done)
            % {"count": done})
    return redirect("registry_bulk:job", job_id=job.pk)


@require_GET
def corrections(request: HttpRequest, job_id: str) -> HttpResponse:
    actor = actor_for(request)
    require(actor, Capability.CHILD_EDIT)
    job = _job_or_404(actor, job_id)
    name = f"corrections-{timezone.localtime(job.created_at):%Y%m%d-%H%M%S}.xlsx"
    return _download(bulk.correction_file(actor, job), XLSX_TYPE, name)


@require_http_methods(["GET", "POST"])
def export_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require(actor, Capability.CHILD_VIEW)
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export = build_export(actor, form.child_filter())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            stamp = timezone.localtime(export.event.at)
            return _download(export.content, XLSX_TYPE, f"children-{stamp:%Y%m%d-%H%M%S}.xlsx")
    return render(request, "registry/bulk_export.html", {"form": form},
                  status=400 if form.errors else 200)
