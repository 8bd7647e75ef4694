"""Rows written together: Django's ``bulk_create`` against ``core.bulk.insert``
(``COPY`` on PostgreSQL), for new persons and their audit entries as an import
writes them, inside a transaction that is rolled back (the database is not
changed). The best of four runs each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/duikou_bench \\
        .venv/bin/python bench/bulk_insert.py [--rows 5000]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def main(rows: int) -> None:
    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from core import bulk
    from core.models import AuditEntry
    from dispatch.models import Person
    from pairings.models import School

    school = School.objects.order_by("pk").first()
    person_type = ContentType.objects.get_for_model(Person)

    def people():
        return [
            Person(
                name=f"导入教师{n:05d}",
                gender="F",
                home_school=school,
                subject="chinese",
                id_number=f"3701{n:014d}",
                phone=f"139{n:08d}",
            )
            for n in range(rows)
        ]

    def entries():
        return [
            AuditEntry(
                username="sheng",
                source="import",
                request_id="bench",
                action="create",
                content_type=person_type,
                object_id=str(n),
                object_repr=f"导入教师{n:05d}",
                changes={
                    "name": [None, f"导入教师{n:05d}"],
                    "gender": [None, "F"],
                    "home_school_id": [None, school.pk],
                    "id_number": [None, "3701**********1234"],
                    "phone": [None, f"139{n:08d}"],
                },
                region_paths=school.region.path,
            )
            for n in range(rows)
        ]

    def best(write, make) -> float:
        times = []
        for _ in range(4):
            objs = make()
            with transaction.atomic():
                started = time.perf_counter()
                write(objs)
                times.append(time.perf_counter() - started)
                transaction.set_rollback(True)
        return min(times)

    print("| model | rows | bulk_create s (µs a row) | core.bulk.insert s (µs a row) |")
    print("| --- | ---: | ---: | ---: |")
    for model, make in ((Person, people), (AuditEntry, entries)):
        plain = best(model.objects.bulk_create, make)
        copied = best(lambda objs, m=model: bulk.insert(m, objs), make)
        print(
            f"| {model.__name__} | {rows} | {plain:.3f} ({plain / rows * 1e6:.0f}) "
            f"| {copied:.3f} ({copied / rows * 1e6:.0f}) |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    main(parser.parse_args().rows)
