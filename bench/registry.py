"""Registry benchmark (issue 3, "Speed"): ``python -m bench.registry --children N``.

Generates N synthetic children with families (the demo generator of
``everychild.registry.demo``) as rows of the CSV import template, spread over 洋县's villages and
streamed to a temporary file; imports them through the real import path
(``bulk.start_import`` + ``bulk.run_job``, as ``everychild import-children --now``) as the
county civil-affairs officer of 洋县; loads the same rows with a raw COPY (SQLite: executemany)
into a scratch table of text columns; then times a county-scoped list page and an ID-number
search. Prints one JSON line on stdout (progress goes to stderr) and exits 0 whether or not
the targets are met.

The database is a fresh scratch one: ``<dbname>_bench_registry`` on the PostgreSQL server of
DATABASE_URL (dropped at the end unless --keep), else a temporary SQLite file.

An upload is limited to ``bulk.MAX_UPLOAD_BYTES``, so a large N is imported as several files of
at most that size, one job each, as a child director would have to split it; the import time is
the sum over the jobs.
"""

import argparse
import csv
import io
import json
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SUFFIX = "_bench_registry"
SEED = 20180905
TIMED_REQUESTS = 50
WARM_UP = 5
ID_SAMPLES = 50
COPY_CHUNK = 1 << 20
SQLITE_BATCH = 5000
CHILD_LINK = re.compile(r'href="/children/([0-9a-f-]{36})/"')
TARGETS = {
    "import_rows_per_s": 20000,
    "ratio": 0.05,
    "peak_rss_mb": 1024,
    "county_list_p95_ms": 150,
    "id_search_p95_ms": 20,
    "at_children": 1_000_000,
}


def log(message: str) -> None:
    print(f"[bench.registry] {message}", file=sys.stderr, flush=True)


# --- the scratch database -------------------------------------------------------------------

def _pg_admin(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
                           user=parts.username or "postgres", password=parts.password,
                           dbname=parts.path.lstrip("/") or "postgres", autocommit=True)


def prepare_database() -> tuple[str, str, str]:
    """(kind, scratch URL, the scratch database's name or directory); sets DATABASE_URL."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        from psycopg import sql

        parts = urlsplit(url)
        name = (parts.path.lstrip("/") or "everychild") + SUFFIX
        with _pg_admin(url) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        scratch = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
        os.environ["DATABASE_URL"] = scratch
        return "postgresql", url, name
    directory = tempfile.mkdtemp(prefix="everychild-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    return "sqlite", "", directory


def drop_database(kind: str, admin_url: str, where: str) -> None:
    from django.db import connections

    connections.close_all()
    if kind == "postgresql":
        from psycopg import sql

        with _pg_admin(admin_url) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(where)))
    else:
        shutil.rmtree(where, ignore_errors=True)


# --- rows of the import template ------------------------------------------------------------

class IdNumbers:
    """Keeps the generated ID numbers unique in fixed memory: one bit per (day of birth,
    sequence number). A child whose numbers are all taken is written without one."""

    def __init__(self, today: date) -> None:
        self.first = today - timedelta(days=366 * 19)
        self.taken = bytearray((366 * 19 + 2) * 1000 // 8 + 1)

    def claim(self, number: str, born: date) -> bool:
        index = (born - self.first).days * 1000 + int(number[14:17])
        byte, bit = divmod(index, 8)
        if self.taken[byte] >> bit & 1:
            return False
        self.taken[byte] |= 1 << bit
        return True


def generate(path: Path, count: int, today: date) -> tuple[list[str], list[str], int]:
    """Write ``count`` rows to ``path`` (UTF-8 with BOM, as the template); the headers, up to
    ID_SAMPLES ID numbers spread over the file, and the rows left without an ID number because
    every number of their date of birth was taken."""
    from everychild.accounts.demo import DEMO_COUNTIES
    from everychild.places.models import Division
    from everychild.registry import demo

    county = DEMO_COUNTIES["yx"]
    villages = demo._villages(county)
    destinations = sorted(Division.objects.filter(pk__in=demo.DESTINATIONS["yx"])
                          .values_list("code", flat=True))
    planner = demo._Planner("yx", county, villages, destinations, today, SEED)
    from everychild.registry.bulk_columns import COLUMNS, row_cells

    headers = [column.header for column in COLUMNS]
    ids = IdNumbers(today)
    step = max(1, count // ID_SAMPLES)
    samples: list[str] = []
    dropped = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headers)
        for index in range(count):
            _profile, registration, rng = planner.plan(index)
            child = registration.input
            if child.id_number:
                bump = 0
                while not ids.claim(child.id_number, child.date_of_birth):
                    bump += 1
                    if bump >= 50:
                        child.id_number = ""
                        dropped += 1
                        break
                    child.id_number = demo._id_number(rng, planner.county, child.date_of_birth,
                                                      child.sex, bump)
            if child.id_number and index // step >= len(samples) and len(samples) < ID_SAMPLES:
                samples.append(child.id_number)
            # The demo registers with its warnings confirmed; so does the file.
            writer.writerow(row_cells(registration, confirm=True))
    return headers, samples, dropped


def file_parts(path: Path, limit: int):
    """The CSV as files of at most ``limit`` bytes, each with the header row (bytes)."""
    with path.open("rb") as source:
        header = source.readline()
        part = io.BytesIO()
        part.write(header)
        for line in source:
            if part.tell() + len(line) > limit and part.tell() > len(header):
                yield part.getvalue()
                part = io.BytesIO()
                part.write(header)
            part.write(line)
        if part.tell() > len(header):
            yield part.getvalue()


# --- measurements ---------------------------------------------------------------------------

def run_import(actor, path: Path) -> dict:
    from everychild.registry import bulk

    totals = {"imported": 0, "unchanged": 0, "rejected": 0, "awaiting_confirmation": 0}
    seconds, files, problems = 0.0, 0, {}
    limit = bulk.MAX_UPLOAD_BYTES - 1024
    for number, content in enumerate(file_parts(path, limit), start=1):
        started = time.perf_counter()
        job = bulk.start_import(actor, content, f"bench-{number}.csv", language="zh-hans",
                                enqueue=False)
        job = bulk.run_job(job.pk)
        seconds += time.perf_counter() - started
        files += 1
        if job.status != "done":
            log(f"file {number}: status {job.status}: {job.error}")
        for key in totals:
            totals[key] += getattr(job, key)
        if job.rejected and len(problems) < 5:
            for row in job.rows.filter(outcome="rejected").order_by("line")[:5]:
                problems.setdefault(bulk.explain(row)[:200], row.line)
        log(f"file {number}: {job.total} rows, {seconds:.1f} s so far, {totals}")
    if problems:
        log("first rejected rows: " + " | ".join(problems))
    return {"seconds": seconds, "files": files, **totals}


def run_copy(kind: str, path: Path, width: int) -> tuple[float, int]:
    from django.db import connection

    columns = [f"c{i}" for i in range(1, width + 1)]
    create = f"CREATE TABLE bench_copy ({', '.join(c + ' text' for c in columns)})"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(create)
    connection.commit() if not connection.get_autocommit() else None
    if kind == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as wrapper:
            raw = wrapper.cursor
            with path.open("rb") as source, raw.copy(
                    "COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')"
            ) as copy:
                while chunk := source.read(COPY_CHUNK):
                    copy.write(chunk)
        seconds = time.perf_counter() - started
    else:
        insert = f"INSERT INTO bench_copy VALUES ({', '.join('?' * width)})"
        started = time.perf_counter()
        raw_connection = connection.connection
        with path.open(encoding="utf-8-sig", newline="") as source:
            reader = csv.reader(source)
            next(reader)
            raw_cursor = raw_connection.cursor()
            raw_cursor.execute("BEGIN")
            while batch := [row for _n, row in zip(range(SQLITE_BATCH), reader, strict=False)]:
                raw_cursor.executemany(insert, batch)
            raw_cursor.execute("COMMIT")
        seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_copy")
        loaded = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_copy")
    return seconds, loaded


REGISTRY_TABLES = ("registry_household", "registry_child", "registry_namekey", "registry_parent",
                   "registry_parentsituation", "registry_caregiver", "registry_legalbasis",
                   "registry_childcategory", "registry_childevent", "registry_importrow")


def database_only(kind: str) -> tuple[float | None, int]:
    """Seconds PostgreSQL alone takes to insert every imported row again into copies of the
    registry tables with the same indexes (INSERT ... SELECT: no Python, no network), and the
    number of rows: the ceiling any import path meets on this machine."""
    from django.db import connection

    if kind != "postgresql":
        return None, 0
    seconds, rows = 0.0, 0
    with connection.cursor() as cursor:
        for table in REGISTRY_TABLES:
            cursor.execute(f"CREATE TEMP TABLE bench_{table} (LIKE {table} INCLUDING INDEXES)")
            started = time.perf_counter()
            cursor.execute(f"INSERT INTO bench_{table} SELECT * FROM {table}")  # noqa: S608
            rows += cursor.rowcount
            seconds += time.perf_counter() - started
            cursor.execute(f"DROP TABLE bench_{table}")
    return seconds, rows


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return round(statistics.median(ordered), 2), round(p95, 2)


def time_county_list(actor) -> tuple[list[float], int]:
    from django.test import Client

    client = Client()
    client.force_login(actor.user)
    samples, shown = [], 0
    for attempt in range(WARM_UP + TIMED_REQUESTS):
        started = time.perf_counter()
        response = client.post("/children/", {})
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"/children/ answered {response.status_code}")
        if attempt >= WARM_UP:
            samples.append(elapsed)
        shown = len(set(CHILD_LINK.findall(response.content.decode())))
    return samples, shown


def time_id_search(actor, numbers: list[str]) -> tuple[list[float], int]:
    from everychild.registry import queries

    samples, found = [], 0
    if not numbers:
        return samples, found
    for attempt in range(WARM_UP + TIMED_REQUESTS):
        number = numbers[attempt % len(numbers)]
        started = time.perf_counter()
        rows = queries.search(actor, queries.ChildFilter(id_number=number))
        elapsed = (time.perf_counter() - started) * 1000
        if attempt >= WARM_UP:
            samples.append(elapsed)
            found += len(rows) == 1
    return samples, found


# --- the run --------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.registry", description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=1_000_000, help="children to generate")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    if args.children < 1:
        parser.error("--children must be at least 1")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "everychild.settings")
    os.environ.setdefault("EVERYCHILD_ENV", "test")
    wall = time.perf_counter()
    kind, admin_url, where = prepare_database()
    log(f"scratch database: {kind} {where}")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone, translation

    from everychild.accounts.demo import load_demo
    from everychild.registry.demo import county_actor

    work = Path(tempfile.mkdtemp(prefix="everychild-bench-rows-"))
    try:
        translation.activate("zh-hans")
        call_command("migrate", verbosity=0, interactive=False)
        call_command("collectstatic", verbosity=0, interactive=False)  # the pages' manifest
        load_demo()
        actor = county_actor("yx")  # actor_for_post of yx_civil_affairs_officer's post in 610723
        log(f"migrated, demo loaded; actor {actor.user.username} for {actor.post.division_id}")

        rows_file = work / "children.csv"
        started = time.perf_counter()
        headers, samples, no_id = generate(rows_file, args.children, timezone.localdate())
        log(f"generated {args.children} rows ({rows_file.stat().st_size / 1e6:.1f} MB) in "
            f"{time.perf_counter() - started:.1f} s")

        imported = run_import(actor, rows_file)
        import_rate = args.children / imported["seconds"]
        log(f"import: {imported}")

        copy_seconds, copied = run_copy(kind, rows_file, len(headers))
        if copied != args.children:
            log(f"COPY loaded {copied} rows, not {args.children}")
        copy_rate = copied / copy_seconds
        log(f"copy: {copied} rows in {copy_seconds:.2f} s")

        if kind == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would after a bulk load
        db_seconds, db_rows = database_only(kind)
        if db_seconds:
            log(f"database alone: {db_rows} rows in {db_seconds:.1f} s")
        list_ms, shown = time_county_list(actor)
        search_ms, found = time_id_search(actor, samples)
        list_p50, list_p95 = percentiles(list_ms)
        search_p50, search_p95 = percentiles(search_ms) if search_ms else (None, None)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        ratio = import_rate / copy_rate
        result = {
            "children": args.children,
            "database": kind,
            "import_rows_per_s": round(import_rate, 1),
            "copy_rows_per_s": round(copy_rate, 1),
            "ratio": round(ratio, 6),
            "peak_rss_mb": round(peak, 1),
            "county_list_p50_ms": list_p50,
            "county_list_p95_ms": list_p95,
            "id_search_p50_ms": search_p50,
            "id_search_p95_ms": search_p95,
            "targets": TARGETS,
            "met": {
                "import_rows_per_s": import_rate >= TARGETS["import_rows_per_s"],
                "ratio": ratio >= TARGETS["ratio"],
                "peak_rss_mb": peak < TARGETS["peak_rss_mb"],
                "county_list_p95_ms": list_p95 < TARGETS["county_list_p95_ms"],
                "id_search_p95_ms": search_p95 is not None
                and search_p95 < TARGETS["id_search_p95_ms"],
            },
            "detail": {
                "import_seconds": round(imported["seconds"], 2), "import_files": imported["files"],
                "imported": imported["imported"], "unchanged": imported["unchanged"],
                "rejected": imported["rejected"],
                "awaiting_confirmation": imported["awaiting_confirmation"],
                "copy_seconds": round(copy_seconds, 3), "copied": copied,
                "database_rows_per_child": round(db_rows / args.children, 1) if db_rows else None,
                "database_only_children_per_s": round(args.children / db_seconds, 1)
                if db_seconds else None,
                "rows_without_free_id_number": no_id, "list_rows_shown": shown,
                "id_searches_found": f"{found}/{len(search_ms)}",
                "timed_requests": TIMED_REQUESTS, "warm_up": WARM_UP,
                "wall_s": round(time.perf_counter() - wall, 1),
            },
        }
        print(json.dumps(result, ensure_ascii=False), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.keep:
            log(f"kept the scratch database {where}")
        else:
            drop_database(kind, admin_url, where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
