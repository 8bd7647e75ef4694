"""Time and peak memory of building export workbooks, and the floor, on one or more
demo databases (scales).

Each measurement runs in a fresh child process, as the Celery worker would run the
task: the child loads the job, builds the file (tables computed in the database,
workbook written in openpyxl write-only mode) and reports its wall time, its peak
resident memory (ru_maxrss), its own CPU time (the client's work, which a busy
machine does not inflate as it does the wall time; the database server's work is
not in it) and the SQL statements it sent with the time their ``execute`` took (a
streamed query's later fetches are not in it). The floor writes
the same rows (the cell values of the built file, read back before its clock starts)
through a bare loop into a write-only workbook, with no database and no styles; it
runs in its own child right after the build, so both see the same machine. It is
written twice: through openpyxl's own write-only sheet ("floor", the issue's
reference) and through the system's row writer that the builds use
(``core.excel.RowSheet``, "own floor"), which is about three times faster.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/duikou_bench \\
        .venv/bin/python bench/exports.py [--user sheng] [--year 2025]

Several scales in one run (one row per scale, user and table), any time span:

    .venv/bin/python bench/exports.py --table yearly_workbook \\
        --db small=postgres://postgres@127.0.0.1:5432/duikou_small \\
        --db county=postgres://postgres@127.0.0.1:5432/duikou_county \\
        --db province=postgres://postgres@127.0.0.1:5432/duikou_bench \\
        --db national=postgres://postgres@127.0.0.1:5432/duikou_national \\
        [--span school_year|calendar_year|semester|cycle] [--repeat 2]

``--profile FILE`` runs one more build per table under cProfile (not timed against
the floor), writes the stats to FILE.<scale>.<table>.prof and prints the top
functions and where the time went (database driver, ORM, statistics code,
openpyxl/lxml, other)."""

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from queue import Empty

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
ROOT = str(Path(__file__).resolve().parent.parent)


def _setup(database_url):
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _spec(span, year, user):
    """The filters of the job: the school or calendar year, the latest semester
    that has ended, or the cycle of the first programme the user sees."""
    from django.utils import timezone

    from core.scope import visible
    from pairings.models import Programme
    from reporting.models import ReportingPeriod
    from reporting.statistics.base import Spec

    if span in ("school_year", "calendar_year"):
        return Spec(span=span, year=year, group="region")
    if span == "semester":
        period = (
            ReportingPeriod.objects.filter(end__lt=timezone.localdate())
            .order_by("-end")
            .first()
        )
        return Spec(span=span, semester=period.pk, group="region")
    if span == "cycle":
        programme = visible(Programme.objects.all(), user).order_by("pk").first()
        return Spec(span=span, programme=programme.pk, group="region")
    raise SystemExit(f"unknown span {span}")


def build_job(database_url, table, username, span, year, profile, slow, queue):
    _setup(database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from core.storage import exports as export_storage
    from pairings.models import School
    from reporting.exports import jobs as exports
    from reporting.models import ExportJob
    from reporting.statistics import base as base_module

    user = get_user_model().objects.get(username=username)
    schools = School.objects.count()
    spec = _spec(span, year, user)
    job = ExportJob.objects.create(user=user, table=table, filters=spec.as_dict())
    exports.claim(job)  # as the task does: a build heartbeats only a claimed job
    files = export_storage()
    sql = {"count": 0, "seconds": 0.0}

    statements = []

    def timed(execute, query, params, many, context):
        began = time.perf_counter()
        try:
            return execute(query, params, many, context)
        finally:
            took = time.perf_counter() - began
            sql["count"] += 1
            sql["seconds"] += took
            if slow:
                callers = [
                    f"{Path(f.filename).relative_to(ROOT)}:{f.lineno} {f.name}"
                    for f in traceback.extract_stack()
                    if f.filename.startswith(f"{ROOT}/reporting/statistics")
                ]
                statements.append((took, " ← ".join(reversed(callers[-2:])), query))

    base = _peak_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    failed = []
    original = base_module.failed_checks

    def failed_checks(tables):
        # A failed reconciliation refuses the workbook: note it and write the file
        # anyway, so the same work is measured (the row says the checks failed).
        failed.extend(check.label for check in original(tables))
        return []

    base_module.failed_checks = failed_checks
    with connection.execute_wrapper(timed):
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        path = files.path(exports.build(job))  # the local file system storage
        if profiler:
            profiler.disable()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = _peak_mb()
    job.delete()
    if profiler:
        profiler.dump_stats(profile)
        Path(path).unlink()
    queue.put(
        {
            "seconds": elapsed,
            "cpu": cpu,
            "peak": peak,
            "base": base,
            "path": str(path),
            "schools": schools,
            "queries": sql["count"],
            "sql": sql["seconds"],
            "failed": failed,
            "slow": sorted(statements, reverse=True)[:slow],
        }
    )


def floor(path, own, queue):
    """The same rows (every sheet's cell values, read back from the built file
    before the clock starts) written by a bare loop into a write-only workbook:
    openpyxl's own sheets (the issue's floor), or with ``own`` the system's row
    writer (``core.excel.RowSheet``, which the builds use), which leaves the
    built file for the next floor."""
    from openpyxl import Workbook, load_workbook

    from core.excel import new_sheet

    source = load_workbook(path, read_only=True)
    sheets = [
        (sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)])
        for sheet in source.worksheets
    ]
    source.close()
    rows = sum(len(values) for _title, values in sheets)
    columns = max((len(row) for _t, values in sheets for row in values), default=0)
    start, cpu = time.perf_counter(), time.process_time()
    workbook = Workbook(write_only=True)
    for title, values in sheets:
        sheet = new_sheet(workbook, title) if own else workbook.create_sheet(title)
        for row in values:
            sheet.append(row)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        workbook.save(handle.name)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = _peak_mb()
    if not own:
        Path(path).unlink()
    queue.put((elapsed, peak, rows, columns, cpu))


def run(target, *args):
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=target, args=(*args, queue))
    process.start()
    while True:
        try:
            result = queue.get(timeout=5)
            break
        except Empty:
            if not process.is_alive():
                raise SystemExit(f"{target.__name__} failed: see above") from None
    process.join()
    return result


# Where a function's own time is counted, by the file it is in (first match);
# built-ins and the standard library count for whoever called them.
CATEGORIES = (
    ("database driver (psycopg: SQL, wait, transfer)", ("/psycopg", "psycopg")),
    (
        "openpyxl / lxml / zip (writing)",
        ("/openpyxl/", "/lxml/", "/zipfile", "lxml", "zlib", "/xml/"),
    ),
    ("statistics code (reporting/)", (f"{ROOT}/reporting/",)),
    ("Django (ORM: building queries, making rows)", ("/django/",)),
    ("the rest of the project", (f"{ROOT}/core/", f"{ROOT}/pairings/")),
)
OTHER = "other (bench, interpreter)"


def _direct(key):
    filename, _line, name = key
    where = name if filename == "~" else filename
    for label, markers in CATEGORIES:
        if any(marker in where for marker in markers):
            return label
    if filename.startswith(ROOT + "/bench"):
        return OTHER
    return None


def _split(stats, key, memo, depth=0):
    """{category: fraction} of one function's own time: its own category, or its
    callers' in proportion to the time spent for each."""
    if key in memo:
        return memo[key]
    direct = _direct(key)
    if direct or depth > 12 or key not in stats.stats:
        result = {direct or OTHER: 1.0}
    else:
        memo[key] = {OTHER: 1.0}  # a cycle resolves to "other"
        callers = stats.stats[key][4]
        total = sum(value[2] for value in callers.values())
        result = {}
        for caller, value in callers.items():
            if total <= 0:
                break
            for label, share in _split(stats, caller, memo, depth + 1).items():
                result[label] = result.get(label, 0.0) + share * value[2] / total
        result = result or {OTHER: 1.0}
    memo[key] = result
    return result


def profile_report(path, top=25):
    import pstats

    stats = pstats.Stats(path)
    total = stats.total_tt
    shares = {label: 0.0 for label, _m in CATEGORIES}
    shares[OTHER] = 0.0
    memo = {}
    for key, (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        for label, share in _split(stats, key, memo).items():
            shares[label] += tottime * share
    print(f"\nprofile {path}: {total:.1f} s of function time")
    print("| where | seconds | share |")
    print("| --- | ---: | ---: |")
    for label, seconds in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"| {label} | {seconds:.1f} | {100 * seconds / total:.0f} % |")
    project = [
        (key, value)
        for key, value in stats.stats.items()
        if key[0].startswith(ROOT) and "/.venv/" not in key[0]
    ]
    print("\nproject functions by cumulative time (with what they call):")
    print("| function | calls | own s | cumulative s | cumulative share |")
    print("| --- | ---: | ---: | ---: | ---: |")
    project.sort(key=lambda item: -item[1][3])
    for (filename, line, name), (_cc, calls, tottime, cumtime, _c) in project[:top]:
        where = f"{Path(filename).relative_to(ROOT)}:{line} {name}"
        print(
            f"| `{where}` | {calls:,} | {tottime:.2f} | {cumtime:.2f} "
            f"| {100 * cumtime / total:.0f} % |"
        )
    print("\nall functions by own time:")
    print("| function | calls | own s | share |")
    print("| --- | ---: | ---: | ---: |")
    ranked = sorted(stats.stats.items(), key=lambda item: -item[1][2])
    for (filename, line, name), (_cc, calls, tottime, _ct, _c) in ranked[:top]:
        short = filename.replace(ROOT + "/", "").split("site-packages/")[-1]
        print(
            f"| `{short}:{line} {name}` | {calls:,} | {tottime:.2f} "
            f"| {100 * tottime / total:.0f} % |"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="sheng", help="comma-separated usernames")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument(
        "--span",
        default="school_year",
        choices=("school_year", "calendar_year", "semester", "cycle"),
    )
    parser.add_argument(
        "--table",
        default="roster,yearly_workbook",
        help="comma-separated table codes (yearly_workbook: all seven sheets)",
    )
    parser.add_argument(
        "--db",
        action="append",
        default=[],
        metavar="SCALE=DATABASE_URL",
        help="a database to measure, labelled (repeat); default: DATABASE_URL",
    )
    parser.add_argument("--repeat", type=int, default=1, help="builds per row")
    parser.add_argument("--profile", metavar="FILE", help="also profile one build")
    parser.add_argument(
        "--slow", type=int, default=0, metavar="N", help="list the N slowest SQL"
    )
    args = parser.parse_args()
    multiprocessing.set_start_method("fork")
    databases = [item.split("=", 1) for item in args.db] or [
        [os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1] or "-", None]
    ]
    print(
        "| scale | user | workbook | span | schools | rows | seconds | peak MB "
        "| base MB | queries | SQL execute s | floor seconds | ratio "
        "| CPU s | floor CPU s | CPU ratio | own floor s | own ratio | checks |"
    )
    print(
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    )
    profiles, slowest = [], []
    for label, url in databases:
        for username in args.user.split(","):
            for table in args.table.split(","):
                runs = []
                for _ in range(args.repeat):
                    result = run(
                        build_job,
                        url,
                        table,
                        username,
                        args.span,
                        args.year,
                        None,
                        args.slow,
                    )
                    own_elapsed, *_own = run(floor, result["path"], True)
                    floor_elapsed, _peak, rows, _columns, floor_cpu = run(
                        floor, result["path"], False
                    )
                    runs.append((result, floor_elapsed, rows, floor_cpu, own_elapsed))
                seconds = statistics.median(r["seconds"] for r, *_rest in runs)
                floor_seconds = statistics.median(item[1] for item in runs)
                cpu = statistics.median(r["cpu"] for r, *_rest in runs)
                floor_cpu = statistics.median(item[3] for item in runs)
                own_floor = statistics.median(item[4] for item in runs)
                result, _f, rows, *_c = runs[-1]
                failed = result["failed"]
                checks = f"{len(failed)} failed: {failed[0]} …" if failed else "ok"
                peak = max(r["peak"] for r, *_rest in runs)
                print(
                    f"| {label} | {username} | {table} | {args.span} "
                    f"| {result['schools']:,} | {rows:,} | {seconds:.1f} | {peak:.0f} "
                    f"| {result['base']:.0f} | {result['queries']} "
                    f"| {result['sql']:.1f} | {floor_seconds:.1f} "
                    f"| {seconds / floor_seconds:.2f} "
                    f"| {cpu:.1f} | {floor_cpu:.1f} | {cpu / floor_cpu:.2f} "
                    f"| {own_floor:.1f} | {seconds / own_floor:.2f} | {checks} |",
                    flush=True,
                )
                slowest.extend((label, username, table, *i) for i in result["slow"])
                if args.profile:
                    target = f"{args.profile}.{label}.{username}.{table}.prof"
                    run(
                        build_job, url, table, username, args.span, args.year, target, 0
                    )
                    profiles.append(target)
    if slowest:
        print("\nslowest SQL statements (execute time; a streamed query's fetches")
        print("are not in it):")
        print("| scale | user | workbook | seconds | called from | statement |")
        print("| --- | --- | --- | ---: | --- | --- |")
        for label, username, table, took, where, query in slowest:
            text = " ".join(query.split())[:160].replace("|", "\\|")
            print(
                f"| {label} | {username} | {table} | {took:.2f} | {where} | `{text}…` |"
            )
    for target in profiles:
        profile_report(target)


if __name__ == "__main__":
    main()
