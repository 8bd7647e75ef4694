"""Cost of the comparison columns (上年同期/增减%, 本轮累计) against the plain table,
for tables 1 and 4, as the worker builds them (outside a transaction: the earlier
spans' tables are built beside the table, each on its own connection).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/duikou_bench \
        .venv/bin/python bench/statistics_compare.py sheng
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
import django

django.setup()
from django.contrib.auth import get_user_model
from django.utils import translation

from reporting.statistics import registry
from reporting.statistics.base import Spec

translation.activate("zh-hans")
u = get_user_model().objects.get(username=sys.argv[1])
from pairings.models import Programme

prog = Programme.objects.order_by("cycle_start").first().pk
for label, spec in [
    ("plain", Spec(span="school_year", year=2025)),
    ("previous", Spec(span="school_year", year=2025, compare_previous=True)),
    (
        "previous+cycle",
        Spec(
            span="school_year",
            year=2025,
            compare_previous=True,
            compare_cycle=True,
            programme=prog,
        ),
    ),
    ("plain", Spec(span="school_year", year=2025)),
]:
    for code in ("partner_assistance", "funds_goods"):
        t = time.perf_counter()
        registry.build(code, user=u, spec=spec)
        print(f"{label:15s} {code:20s} {time.perf_counter() - t:6.2f} s", flush=True)
