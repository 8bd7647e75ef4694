"""Cost of the comparison columns (上年同期/增减%, 本轮累计) against the plain table,
for tables 1 and 4, as the worker builds them (outside a transaction: the earlier
spans' tables are built beside the table, each on its own connection).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/duikou_bench \
        .venv/bin/python bench/statistics_compare.py sheng
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def main(username: str) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from pairings.models import Programme
    from reporting.statistics import registry
    from reporting.statistics.base import Spec

    translation.activate("zh-hans")
    user = get_user_model().objects.get(username=username)
    programme = Programme.objects.order_by("cycle_start").first().pk
    plain = Spec(span="school_year", year=2025)
    previous = Spec(span="school_year", year=2025, compare_previous=True)
    both = Spec(
        span="school_year",
        year=2025,
        compare_previous=True,
        compare_cycle=True,
        programme=programme,
    )
    for label, spec in [
        ("plain", plain),
        ("previous", previous),
        ("previous+cycle", both),
        ("plain", plain),
    ]:
        for code in ("partner_assistance", "funds_goods"):
            start = time.perf_counter()
            registry.build(code, user=user, spec=spec)
            took = time.perf_counter() - start
            print(f"{label:15s} {code:20s} {took:6.2f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sheng")
