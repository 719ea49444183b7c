"""Registry background work: bulk imports of children (see everychild.registry.bulk)."""

from django_tasks import task


@task()
def import_children(job_id: str) -> dict[str, object]:
    """Run one queued import; its progress is saved on the ImportJob row as it goes."""
    from everychild.registry.bulk import run_job

    job = run_job(job_id)
    return {"status": job.status, "total": job.total, "imported": job.imported,
            "unchanged": job.unchanged, "rejected": job.rejected,
            "awaiting_confirmation": job.awaiting_confirmation}
