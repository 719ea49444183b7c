import time
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from everychild.access.policy import Actor
from everychild.accounts.models import User
from everychild.accounts.roles import Capability
from everychild.registry import bulk
from everychild.registry.models_bulk import ImportStatus, RowOutcome


def command_actor(username: str, division: str | None, capability: str) -> Actor:
    """The user acting through their active post at ``division`` (else their first post, one
    holding ``capability`` first). Whether the post may act is the policy's to say."""
    from everychild.access.policy import active_posts

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError("no active user with that username")
    posts = [p for p in active_posts(user) if not division or p.division_id == division]
    if not posts:
        raise CommandError(f"{username} holds no active post" + (f" at {division}" if division else ""))
    posts.sort(key=lambda p: capability not in (p.role.capabilities or []))
    return Actor(user=user, post=posts[0])


class Command(BaseCommand):
    help = (
        "Import children from an XLSX or CSV file (the import template's Chinese columns; CSV in "
        "UTF-8, with or without BOM, or GB18030). Queued for the worker unless --now. Every row "
        "is registered, found already registered, rejected (with row, column and reason) or "
        "left awaiting confirmation; the four add up to the rows in the file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="the importing user's username")
        parser.add_argument("--division", help="the division code of the post to act through")
        parser.add_argument("--now", action="store_true",
                            help="import in this process instead of queueing a background task")
        parser.add_argument("--corrections", type=Path,
                            help="with --now: write the rejected rows here as a correction file")

    def handle(self, file: Path, user: str, division: str | None, now: bool,
               corrections: Path | None, **options) -> None:
        actor = command_actor(user, division, Capability.CHILD_EDIT)
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        language = translation.get_language()
        started = time.perf_counter()
        try:
            job = bulk.start_import(actor, content, file.name, language=language,
                                    enqueue=not now)
        except bulk.ImportFileError as exc:
            raise CommandError(f"nothing imported: {exc}") from None
        except PermissionDenied as exc:
            raise CommandError(f"nothing imported: {exc}") from None
        if not now:
            self.stdout.write(f"queued import {job.pk}; the worker (everychild db_worker) runs it")
            return
        try:
            job = bulk.run_job(job.pk)
        except Exception:  # noqa: BLE001 - logged by run_job; the job row says what to do
            job.refresh_from_db()
            raise CommandError(f"import failed: {job.error}") from None
        if job.status == ImportStatus.REFUSED:
            raise CommandError(f"nothing imported: {job.error}")
        seconds = time.perf_counter() - started
        for row in bulk.rows_of(job, RowOutcome.REJECTED) + bulk.rows_of(job, RowOutcome.AWAITING):
            self.stdout.write(bulk.explain(row))
        if corrections and (job.rejected or job.awaiting_confirmation):
            corrections.write_bytes(bulk.correction_file(actor, job))
            self.stdout.write(f"correction file: {corrections}")
        rate = (job.total or 0) / seconds if seconds else 0
        self.stdout.write(
            f"import {job.pk}: {job.total} rows in {seconds:.1f} s ({rate:.0f} rows/s): "
            f"{job.imported} imported, {job.unchanged} already registered, {job.rejected} "
            f"rejected, {job.awaiting_confirmation} awaiting confirmation")
