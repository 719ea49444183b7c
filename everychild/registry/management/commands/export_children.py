from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from everychild.accounts.roles import Capability
from everychild.registry.bulk_export import build_export
from everychild.registry.management.commands.import_children import command_actor
from everychild.registry.queries import ChildFilter


class Command(BaseCommand):
    help = (
        "Export the children USER may see (through their post) to an XLSX file. The export is "
        "audited; the audit event's id, the user and the time are written in the sheet's "
        "header, footer and document properties."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path)
        parser.add_argument("--user", required=True, help="the exporting user's username")
        parser.add_argument("--division", help="the division code of the post to act through")
        parser.add_argument("--prefix", default="", help="only divisions under this code prefix")
        parser.add_argument("--category", default="", help="only children in this category")

    def handle(self, out: Path, user: str, division: str | None, prefix: str, category: str,
               **options) -> None:
        actor = command_actor(user, division, Capability.CHILD_VIEW)
        try:
            export = build_export(actor, ChildFilter(division_prefix=prefix, category=category))
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(f"nothing exported: {' '.join(getattr(exc, 'messages', [str(exc)]))}"
                               ) from None
        out.write_bytes(export.content)
        self.stdout.write(f"exported {export.count} children to {out}; audit event {export.event.pk}")
