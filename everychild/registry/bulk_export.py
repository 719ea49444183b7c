"""Export of a scoped list of children to XLSX, audited.

The list is ``queries.children`` (the access gate's scope); the export is one audit event with
the filter and every id it wrote, and that event's id, the user and the time are printed in
the sheet's first row, its page header and footer, and the workbook's document properties, so
a copy found anywhere leads back to who exported it. Only roles that see identities may
export (analysts do not hold ``child.view``). The columns are those of the import template, so
an exported file can be corrected and imported again (its rows are then already registered).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from everychild.access.policy import Actor, require
from everychild.accounts.roles import Capability
from everychild.audit.models import AuditEvent
from everychild.audit.services import record_list
from everychild.registry import queries
from everychild.registry.bulk_columns import COLUMNS, ParentRow, template_values
from everychild.registry.models import Caregiver, Child, ChildCategory, Parent
from everychild.rules import CATALOGUE

EXPORT_COLUMNS = [c for c in COLUMNS if c.key != "confirm"]
LEADING_HEADERS = ["儿童编号", "类别", "登记时间"]
CHUNK = 500
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Export:
    content: bytes
    event: AuditEvent
    count: int


def export_children(actor: Actor, flt: queries.ChildFilter) -> bytes:
    """The children ``actor`` may see, narrowed by ``flt``, as an XLSX workbook (audited)."""
    return build_export(actor, flt).content


def build_export(actor: Actor, flt: queries.ChildFilter) -> Export:
    require(actor, Capability.CHILD_VIEW)
    if not actor.sees_identities:
        raise PermissionDenied(_("Your role may not export personal information."))
    ids = list(queries.children(actor, flt).values_list("pk", flat=True))
    event = record_list(actor, "child.export", division_code=actor.post.division_id,
                        object_type="child", filters=flt.for_audit(), ids=ids)
    stamp = timezone.localtime(event.at)
    user = actor.user.get_username()
    line = _("Exported by %(user)s at %(time)s · audit event %(event)s · confidential personal "
             "information") % {"user": user, "time": f"{stamp:%Y-%m-%d %H:%M:%S}",
                                "event": event.pk}
    workbook = Workbook(write_only=True)
    _properties(workbook, user, stamp, event, len(ids))
    sheet = workbook.create_sheet("儿童名单")
    _header_footer(sheet, user, stamp, event)
    sheet.append([line])
    sheet.append([_bold(sheet, h) for h in LEADING_HEADERS + [c.header for c in EXPORT_COLUMNS]])
    for child in _children(ids):
        sheet.append(_row(child))
    out = BytesIO()
    workbook.save(out)
    return Export(out.getvalue(), event, len(ids))


def _bold(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = BOLD
    return cell


def _escape(text: str) -> str:
    return str(text).replace("&", "&&")  # "&" starts a code in header and footer text


def _properties(workbook: Workbook, user: str, stamp: datetime, event: AuditEvent,
                count: int) -> None:
    props = workbook.properties
    props.creator = user
    props.lastModifiedBy = user
    props.title = _("Children export, audit event %(event)s") % {"event": event.pk}
    props.subject = _("everychild: list of children (confidential personal information)")
    props.description = _("Exported by %(user)s at %(time)s; %(count)d children; audit event "
                          "%(event)s.") % {"user": user, "time": stamp.isoformat(),
                                           "count": count, "event": event.pk}
    props.keywords = f"everychild; audit {event.pk}; {user}; {stamp.isoformat()}"
    props.identifier = str(event.pk)
    props.created = props.modified = stamp.astimezone(UTC).replace(tzinfo=None)  # read as UTC


def _header_footer(sheet, user: str, stamp: datetime, event: AuditEvent) -> None:
    when = f"{stamp:%Y-%m-%d %H:%M}"
    sheet.oddHeader.left.text = _escape(user)
    sheet.oddHeader.center.text = _escape(_("Confidential · audit event %(event)s") % {
        "event": event.pk})
    sheet.oddHeader.right.text = _escape(when)
    sheet.oddFooter.left.text = _escape(_("Exported by %(user)s at %(time)s") % {
        "user": user, "time": when})
    sheet.oddFooter.center.text = _escape(_("audit event %(event)s") % {"event": event.pk})
    sheet.oddFooter.right.text = "&P / &N"


def _children(ids: list) -> Iterator[Child]:
    """The exported children in the audited order, read in chunks."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        found = {c.pk: c for c in Child.objects.filter(pk__in=chunk).select_related("household")
                 .prefetch_related(
                     Prefetch("parents", queryset=Parent.objects.prefetch_related("situations")),
                     Prefetch("caregivers", queryset=Caregiver.objects.order_by("-primary")),
                     Prefetch("categories", queryset=ChildCategory.objects.filter(until=None)))}
        for pk in chunk:
            if pk in found:
                yield found[pk]


def _category_title(category: ChildCategory) -> str:
    try:
        return str(CATALOGUE.get(category.category, category.rule_version).title)
    except KeyError:
        return category.category


def _row(child: Child) -> list:
    parents = []
    for parent in child.parents.all():
        current = [s for s in parent.situations.all() if s.until is None]
        latest = max(current, key=lambda s: (s.since is not None, s.since, s.recorded_at),
                     default=None)
        parents.append(ParentRow(parent.role, parent.name, parent.phone, parent.known, latest))
    values = template_values(child, child.household, parents, child.caregivers.all())
    categories = "；".join(_category_title(c) for c in child.categories.all())
    leading = [str(child.pk), categories, f"{timezone.localtime(child.created_at):%Y-%m-%d %H:%M}"]
    return leading + [_cell(values.get(c.key)) for c in EXPORT_COLUMNS]


def _cell(value: object) -> object:
    if value in (None, ""):
        return None
    return value if isinstance(value, int) else str(value)
