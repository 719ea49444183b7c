"""Monitoring benchmark (issue 4, "Speed"): ``python -m bench.visits --children N``.

On the registry of ``bench.registry`` (N children of 洋县 imported through the real import
path; run first with ``--keep``, or here when its scratch database is missing): delivers the
outbox so every child has a visit plan (timed: plans per second), adds four visits per child
over the past year with COPY (each child's plan then recomputed from its last visit), and
prints one JSON line with the p50/p95 server time of a director's worklist, a township
overview and a county overview (the service functions the pages and the API call), and the
time of one whole tick (``everychild tick``: escalations, outbox, reclassification) over the
registry, with the number of plans it escalated.

Progress goes to stderr. PostgreSQL when DATABASE_URL is set (the scratch database
``<dbname>_bench_registry``), else SQLite.
"""

import argparse
import json
import os
import random
import resource
import sys
import time
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from bench.registry import SUFFIX, _pg_admin, log, percentiles

TIMED = 50
WARM_UP = 5
VISITS_PER_CHILD = 4
BATCH = 20_000
TARGETS = {"worklist_p95_ms": 100, "township_overview_p95_ms": 100,
           "county_overview_p95_ms": 100, "tick_s": 60, "at_children": 1_000_000}


def scratch_url() -> str | None:
    """The kept registry scratch database's URL, or None if there is none."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return None
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "everychild") + SUFFIX
    with _pg_admin(url) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment)) \
        if found else None


def ensure_registry(children: int) -> None:
    """Point DATABASE_URL at a registry of ``children`` children (made by bench.registry)."""
    from bench import registry

    if not os.environ.get("DATABASE_URL"):  # SQLite: a fresh registry, kept for this run
        registry.main(["--children", str(children), "--keep"])
        return
    url = scratch_url()
    if url is None:
        log("no kept registry: running bench.registry --keep first")
        registry.main(["--children", str(children), "--keep"])
        url = scratch_url()
    if url is not None:
        os.environ["DATABASE_URL"] = url


def add_visits(today) -> tuple[int, float]:
    """Four visits per child over the past year, written with COPY; the plans' last visits."""
    from django.db import connection, transaction

    from everychild.registry import bulk_tables
    from everychild.registry.models import Child
    from everychild.visits.models import Visit

    rng = random.Random(20190430)  # noqa: S311 - synthetic data
    from everychild.accounts.models import User

    user_id = User.objects.get(username="yx_child_director").pk
    started, written = time.perf_counter(), 0
    ids = Child.objects.values_list("pk", "division_code").order_by("pk").iterator(chunk_size=BATCH)
    batch = []
    for child_id, code in ids:
        batch.append((child_id, code))
        if len(batch) == BATCH:
            written += _write_visits(batch, rng, today, user_id, bulk_tables, Visit, transaction)
            batch = []
    written += _write_visits(batch, rng, today, user_id, bulk_tables, Visit, transaction)
    with connection.cursor() as cursor:  # the plans' last visit, as recording them would set
        cursor.execute("UPDATE visits_visitplan SET last_visit_on = (SELECT max(visited_on) "
                       "FROM visits_visit v WHERE v.child_id = visits_visitplan.child_id)")
    return written, time.perf_counter() - started


def _write_visits(batch, rng, today, user_id, bulk_tables, visit_model, transaction) -> int:
    rows = []
    for child_id, code in batch:
        for _n in range(VISITS_PER_CHILD):
            rows.append({"id": bulk_tables.new_id(), "division_code": code, "child_id": child_id,
                         "visited_on": today - timedelta(days=rng.randint(1, 365)),
                         "place": "home", "child_seen": True, "observations": "",
                         "risk_level": rng.choice(("low", "low", "low", "medium", "high")),
                         "risk_version": "2025.1", "risk_drivers": [],
                         "recorded_by_id": user_id})
    with transaction.atomic():
        return bulk_tables.write(visit_model, rows)


def actor(username: str):
    from everychild.access.policy import actor_for_post
    from everychild.accounts.models import Post

    post = Post.objects.select_related("user", "role", "division").get(user__username=username)
    return actor_for_post(post)


def timed(call) -> tuple[float, float]:
    samples = []
    for attempt in range(WARM_UP + TIMED):
        started = time.perf_counter()
        call()
        if attempt >= WARM_UP:
            samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.visits", description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "everychild.settings")
    os.environ.setdefault("EVERYCHILD_ENV", "test")
    ensure_registry(args.children)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from everychild.core import outbox
    from everychild.core.tick import run_tick
    from everychild.registry.models import Child
    from everychild.visits import due_counts, queries
    from everychild.visits.jobs import escalate_overdue
    from everychild.visits.models import Visit, VisitPlan
    from everychild.visits.plans import refresh_plans

    call_command("migrate", verbosity=0, interactive=False)
    today = timezone.localdate()
    children = Child.objects.count()
    log(f"registry: {children} children")
    started = time.perf_counter()
    delivered = outbox.deliver()
    plans_seconds = time.perf_counter() - started
    log(f"outbox: {delivered} events in {plans_seconds:.1f} s; "
        f"{VisitPlan.objects.count()} plans")
    if not Visit.objects.exists():
        written, seconds = add_visits(today)
        log(f"visits: {written} in {seconds:.1f} s")
        started = time.perf_counter()
        ids = [str(pk) for pk in Child.objects.values_list("pk", flat=True)]
        refresh_plans(ids, today)
        log(f"plans recomputed from the last visits in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()  # the raw UPDATE above bypassed the rollup: recount it
        rows = due_counts.rebuild()
        log(f"overview rollup rebuilt ({rows} rows) in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    director, supervisor = actor("yx_child_director"), actor("yx_child_supervisor")
    officer = actor("yx_civil_affairs_officer")
    worklist = timed(lambda: queries.worklist(director, today))
    township = timed(lambda: queries.overview(supervisor, None, today))
    county = timed(lambda: queries.overview(officer, None, today))
    due = VisitPlan.objects.filter(next_due__lt=today).count()
    started = time.perf_counter()
    results = run_tick()
    tick_seconds = time.perf_counter() - started
    started = time.perf_counter()  # the next day's escalation: only what became overdue since
    next_day = escalate_overdue(today + timedelta(days=1))
    next_day_seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "children": children, "database": connection.vendor,
        "worklist_p50_ms": worklist[0], "worklist_p95_ms": worklist[1],
        "township_overview_p50_ms": township[0], "township_overview_p95_ms": township[1],
        "county_overview_p50_ms": county[0], "county_overview_p95_ms": county[1],
        "tick_s": round(tick_seconds, 2), "peak_rss_mb": round(peak, 1), "targets": TARGETS,
        "detail": {"plans_delivered_per_s": round(delivered / plans_seconds, 1)
                   if delivered else None, "visits": Visit.objects.count(),
                   "overdue_plans": due, "tick": {k: str(v) for k, v in (results or {}).items()},
                   "next_day_escalation": {"plans": next_day, "s": round(next_day_seconds, 2)},
                   "director_village": director.post.division_id,
                   "timed_requests": TIMED, "warm_up": WARM_UP},
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
