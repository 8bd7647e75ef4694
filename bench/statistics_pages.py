"""Statistics pages: the answer time of the preview page, cold and warm, and the
worker's time to compute each table.

For every table of the registry and every user, in-process with Django's test
client against the database named by DATABASE_URL (province scale: bench/demo_data.sh):

- cold: the cache emptied before every request, so the page finds no preview,
  queues the worker's task (``reporting.build_preview``) and answers with the
  waiting page; REPEAT requests;
- worker: the queued task itself, run here as the worker runs it (the table computed
  in the user's scope, its first rows kept, stored in the cache); BUILDS runs, the
  cache emptied before each;
- warm: the page once the preview is in the cache (the table rendered from it);
  REPEAT requests after one warm-up.

The run uses its own data folder (a fresh file cache and filesystem broker, as the
embedded set-up; nothing consumes the queued messages), so it neither reads nor
disturbs a running server's cache. The filters are those of the page's form:
school year YEAR, by region.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/duikou_bench \\
        .venv/bin/python bench/statistics_pages.py [--repeat 20] [--builds 1] \\
        [--users sheng,xian] [--tables partner_assistance,roster] [--year 2025]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DUIKOU_VAR_DIR"] = tempfile.mkdtemp(prefix="duikou-bench-statistics-")
os.environ.pop("REDIS_URL", None)  # the folder cache and broker of the temp folder

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from reporting import tasks  # noqa: E402
from reporting.statistics import previews, registry  # noqa: E402

WAITING = 'id="statistics-pending" data-state="waiting"'
FAILED = 'data-state="failed"'


def percentile95(times):
    times = sorted(times)
    return times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]


def timed_get(client, url):
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, response.content.decode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--builds", type=int, default=1)
    parser.add_argument("--users", default="sheng,xian")
    parser.add_argument("--tables", default=",".join(registry.available()))
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    queued = []
    real_enqueue = previews.enqueue

    def enqueue(**kwargs):
        queued.append(kwargs)
        real_enqueue(**kwargs)

    previews.enqueue = enqueue
    print(f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}")
    print(
        "| user | table | cold median ms | cold p95 ms | worker s (each run) "
        "| rows | warm median ms | warm p95 ms |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    with override_settings(ALLOWED_HOSTS=["*"], DEBUG=False):
        for username in args.users.split(","):
            user = get_user_model().objects.get(username=username)
            client = Client()
            client.force_login(user)
            for code in args.tables.split(","):
                url = (
                    f"/statistics/{code}/?span=school_year&year={args.year}"
                    "&group=region"
                )
                cache.clear()
                timed_get(client, url)  # warm-up of the code path, not of the cache
                cold = []
                for _ in range(args.repeat):
                    cache.clear()
                    queued.clear()
                    elapsed, body = timed_get(client, url)
                    assert WAITING in body, (url, "not the waiting page")
                    assert len(queued) == 1, queued
                    cold.append(elapsed)
                task = queued[-1]
                builds = []
                for _ in range(args.builds):
                    cache.delete(task["key"])
                    start = time.perf_counter()
                    outcome = tasks.build_preview(**task)
                    builds.append(time.perf_counter() - start)
                    assert outcome == "done", (code, outcome, cache.get(task["key"]))
                preview = cache.get(task["key"])
                rows = len(preview.table.rows)
                elapsed, body = timed_get(client, url)  # warm-up
                assert WAITING not in body and FAILED not in body, url
                warm = [timed_get(client, url)[0] for _ in range(args.repeat)]
                each = " / ".join(f"{b:.1f}" for b in builds)
                print(
                    f"| {username} | {code} | {statistics.median(cold):.0f} "
                    f"| {percentile95(cold):.0f} | {each} "
                    f"| {rows:,}{'+' if preview.truncated else ''} "
                    f"| {statistics.median(warm):.0f} | {percentile95(warm):.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
