"""Insights work for the queue."""

from django_tasks import task


@task()
def decide(codes: list[str]) -> int:
    """After the rollups of these places changed: take the disclosure decisions of the pages
    above them (insights.queries.warm), off the path of the analyst's request."""
    from everychild.insights.queries import warm

    return warm(codes)
