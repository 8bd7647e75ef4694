"""Excel import at scale: 20,000 persons, then 20,000 secondments of them with a
stint each, then 20,000 secondments of teachers not yet recorded (each row also
creates its person), each file checked (dry run) and applied, on PostgreSQL at
province scale, with the read floor (python-calamine reading the same file)
measured in the same run.

Each phase runs in a fresh child process, as the Celery worker runs it, and reports
its wall time, its own CPU time and its peak resident memory. The database is a
fresh copy of the province demo database (``createdb -T``), so the demo database is
never changed and every run starts from the same rows.

    .venv/bin/python bench/imports.py [--template duikou_bench] [--rows 20000]
        [--user sheng] [--profile FILE]
"""

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
PG = ["-h", "127.0.0.1", "-U", "postgres"]


def _setup(url):
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(target, args, queue):
    try:
        queue.put(("ok", target(*args)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        import traceback

        queue.put(("error", "".join(traceback.format_exception(exc))))


def in_child(target, *args):
    queue = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(
        target=_child, args=(target, args, queue)
    )
    process.start()
    status, value = queue.get()
    process.join()
    if status != "ok":
        raise SystemExit(value)
    return value


def make_files(url, rows, username, folder):
    """The two ledgers, from the demo database's schools and pairings in the user's
    scope: persons at supporting schools, and a secondment of each to a receiving
    school it is paired with, with one stint."""
    _setup(url)
    import datetime as dt
    from collections import Counter

    from django.contrib.auth import get_user_model
    from openpyxl import Workbook

    from core.choices import Side
    from core.scope import visible
    from imports.types import REGISTRY
    from pairings.models import Pairing

    user = get_user_model().objects.get(username=username)
    pairs = []
    pairings = (
        visible(Pairing.objects.all(), user)
        .filter(start_date__lte=dt.date(2025, 9, 1), end_date__gte=dt.date(2026, 1, 15))
        .prefetch_related("parties__school")
    )
    pairings = list(pairings)
    names = Counter(visible(Pairing.objects.all(), user).values_list("name", flat=True))
    for pairing in pairings:
        if names[pairing.name] > 1:
            continue  # the ledger names its pairing; two of one name are not it
        supporting = [
            p.school for p in pairing.parties.all() if p.side == Side.SUPPORTING
        ]
        receiving = [
            p.school for p in pairing.parties.all() if p.side == Side.RECEIVING
        ]
        if len(supporting) == 1 and len(receiving) == 1:
            pairs.append((pairing, supporting[0], receiving[0]))
    headers_p = [c.header for c in REGISTRY["persons"].all_columns()]
    headers_s = [c.header for c in REGISTRY["secondments"].all_columns()]
    persons, secondments = Workbook(write_only=True), Workbook(write_only=True)
    sheet_p, sheet_s = persons.create_sheet("数据"), secondments.create_sheet("数据")
    # A third ledger: secondments of teachers not yet recorded (each row also
    # creates its person).
    fresh = Workbook(write_only=True)
    sheet_f = fresh.create_sheet("数据")
    sheet_p.append(headers_p)
    sheet_s.append(headers_s)
    sheet_f.append(headers_s)
    for n in range(rows):
        pairing, sending, host = pairs[n % len(pairs)]
        id_number = f"3701{n:014d}"
        person = {
            "姓名": f"导入教师{n:05d}",
            "性别": "女" if n % 2 else "男",
            "身份证号": id_number,
            "所在学校": sending.code,
            "学科": "语文" if n % 3 else "数学",
            "联系电话": f"139{n:08d}",
        }
        sheet_p.append([person.get(h, "") for h in headers_p])
        secondment = {
            **person,
            "派出学校": sending.code,
            "接收学校": host.code,
            "结对名称": pairing.name,
            "派驻类型": "支教",
            "计划开始日期": "2025-09-01",
            "计划结束日期": "2026-01-15",
            "到岗日期": "2025年9月1日",
            "离岗日期": "2026.1.10",
        }
        sheet_s.append([secondment.get(h, "") for h in headers_s])
        newcomer = {
            **secondment,
            "身份证号": f"3702{n:014d}",
            "姓名": f"新派教师{n:05d}",
        }
        sheet_f.append([newcomer.get(h, "") for h in headers_s])
    paths = {}
    books = (("persons", persons), ("secondments", secondments), ("new", fresh))
    for name, book in books:
        paths[name] = str(Path(folder) / f"{name}.xlsx")
        book.save(paths[name])
    return paths, len(pairs)


def read_floor(path):
    from python_calamine import CalamineWorkbook

    started, cpu = time.perf_counter(), _cpu()
    book = CalamineWorkbook.from_path(path)
    rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": _cpu() - cpu,
        "mb": _peak_mb(),
        "rows": len(rows) - 1,
    }


def phase(url, path, slug, username, step, profile):
    """Upload (in the parent's database), then the worker's check or apply."""
    _setup(url)
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.db import transaction

    from imports import jobs
    from imports.models import ImportJob

    user = get_user_model().objects.get(username=username)
    if step == "check":
        with open(path, "rb") as handle, transaction.atomic():
            job = jobs.import_upload(
                user=user, record_type=slug, upload=File(handle, name=Path(path).name)
            )
    else:
        job = ImportJob.objects.filter(record_type=slug).latest("pk")
        jobs.import_confirm(job=job, mode="valid")
    job = ImportJob.objects.get(pk=job.pk)
    assert jobs.claim(job)
    started, cpu = time.perf_counter(), _cpu()
    if profile:
        import cProfile

        cProfile.runctx(
            "jobs.run(job)", globals(), locals(), f"{profile}.{Path(path).stem}.{step}"
        )
    else:
        jobs.run(job)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    return {
        "seconds": seconds,
        "cpu": _cpu() - cpu,
        "mb": _peak_mb(),
        "status": job.status,
        "counts": job.counts,
        "error": job.error,
        "problems": job.problems[:3],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--template", default="duikou_bench")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--user", default="sheng")
    parser.add_argument("--profile")
    parser.add_argument(
        "--only",
        choices=["persons", "secondments", "new"],
        help="one file only (for secondments, the persons file is applied first)",
    )
    options = parser.parse_args()
    database = f"{options.template}_imports"
    subprocess.run(["dropdb", *PG, "--if-exists", database], check=True)
    subprocess.run(["createdb", *PG, "-T", options.template, database], check=True)
    url = f"postgres://postgres@127.0.0.1:5432/{database}"
    folder = tempfile.mkdtemp(prefix="bench-imports-")
    paths, pairs = in_child(make_files, url, options.rows, options.user, folder)
    print(f"{options.rows} rows per file, {pairs} pairings, as {options.user}")
    print("| file | phase | seconds | CPU s | peak MB | × read floor | outcome |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    files = (
        ("persons", "persons", "persons"),
        ("secondments", "secondments", "secondments"),
        ("secondments, new people", "new", "secondments"),
    )
    for label, name, slug in files:
        if options.only and name != options.only:
            if (name, options.only) == ("persons", "secondments"):
                # The second file names the persons the first one creates.
                for step in ("check", "apply"):
                    in_child(phase, url, paths[name], slug, options.user, step, None)
            continue
        floor = in_child(read_floor, paths[name])
        print(
            f"| {label} | read floor (calamine) | {floor['seconds']:.2f} | "
            f"{floor['cpu']:.2f} | {floor['mb']:.0f} | 1 | {floor['rows']} rows |"
        )
        for step in ("check", "apply"):
            result = in_child(
                phase, url, paths[name], slug, options.user, step, options.profile
            )
            counts = (
                result["counts"] if step == "check" else result["counts"].get("applied")
            )
            outcome = f"{result['status']} {counts}"
            if result["error"] or result["problems"]:
                outcome += f" {result['error']} {result['problems']}"
            print(
                f"| {label} | {'dry run' if step == 'check' else 'apply'} | "
                f"{result['seconds']:.2f} | {result['cpu']:.2f} | {result['mb']:.0f} | "
                f"{result['seconds'] / floor['seconds']:.1f} | {outcome} |"
            )
    subprocess.run(["dropdb", *PG, "--if-exists", database], check=True)


if __name__ == "__main__":
    main()
