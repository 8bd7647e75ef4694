"""Time and peak memory of building export workbooks at province scale, and the floor.

Each measurement runs in a fresh child process, as the Celery worker would run the
task: the child loads the job, builds the file (tables computed in the database,
workbook written in openpyxl write-only mode) and reports its wall time and peak
resident memory (ru_maxrss). The floor writes the same rows (the cell values of the
built file, read back before its clock starts) through a bare loop into a write-only
workbook, with no database and no styles.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/duikou_bench \
        .venv/bin/python bench/exports.py [--user sheng] [--year 2025]
"""

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def _setup():
    import django

    django.setup()


def build_job(table, username, year, queue):
    _setup()
    from django.contrib.auth import get_user_model

    from reporting import exports
    from reporting.models import ExportJob
    from reporting.statistics.base import Spec

    user = get_user_model().objects.get(username=username)
    spec = Spec(span="school_year", year=year, group="region")
    job = ExportJob.objects.create(user=user, table=table, filters=spec.as_dict())
    start = time.perf_counter()
    path = exports.build(job)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    job.delete()
    queue.put((elapsed, peak, str(path)))


def floor(path, queue):
    """The same rows (every sheet's cell values, read back from the built file
    before the clock starts) written by a bare loop into a write-only workbook."""
    from openpyxl import Workbook, load_workbook

    source = load_workbook(path, read_only=True)
    sheets = [
        (sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)])
        for sheet in source.worksheets
    ]
    source.close()
    rows = sum(len(values) for _title, values in sheets)
    columns = max((len(row) for _t, values in sheets for row in values), default=0)
    start = time.perf_counter()
    workbook = Workbook(write_only=True)
    for title, values in sheets:
        sheet = workbook.create_sheet(title)
        for row in values:
            sheet.append(row)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        workbook.save(handle.name)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(path).unlink()
    queue.put((elapsed, peak, rows, columns))


def run(target, *args):
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="sheng")
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    multiprocessing.set_start_method("fork")
    print("| workbook | rows | seconds | peak MB | floor seconds | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for table in ("roster", "yearly_workbook"):
        elapsed, peak, path = run(build_job, table, args.user, args.year)
        floor_elapsed, _peak, rows, _columns = run(floor, path)
        print(
            f"| {table} | {rows:,} | {elapsed:.1f} | {peak:.0f} | {floor_elapsed:.1f} "
            f"| {elapsed / floor_elapsed:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
