"""Early warning (issue 18) at province scale: the dashboard with its warnings card,
``warnings_for`` and the to-do inbox page (我的待办, which lists them), for the
province (sheng) and a county (xian) user, three ways: cold (cache emptied before
every call: the first view of a scope, or after Redis lost its data), after a write
(a new data version before every call: ``core.refreshed`` serves a costly scope's
figures as they were and the worker computes them afresh — here the refresh runs
between two calls, untimed, as a worker would), and warm (kept until the next
write). ``today`` is put inside a demo semester near its end, so that warnings
exist.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/duikou_bench \\
    REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/forecast.py [--repeat 10] [--today 2025-12-20]
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from core import freshness, refreshed  # noqa: E402
from reporting.compliance.forecast import warnings_for  # noqa: E402


def p95(xs):
    return sorted(xs)[int(0.95 * (len(xs) - 1))]


ASKED: list[tuple] = []


def _wake(name, *args):
    """The broker, as a list: the worker's refreshes run between two calls."""
    ASKED.append(args)
    return True


refreshed.resilience.wake = _wake


def measure(call, *, mode: str, times: int) -> list[float]:
    result = []
    for _ in range(times):
        if mode == "cold":
            cache.clear()
        elif mode == "written":
            freshness._renew()
        start = time.perf_counter()
        call()
        result.append((time.perf_counter() - start) * 1000)
        while ASKED:  # the worker, untimed
            refreshed.refresh(*ASKED.pop())
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--today", default="2025-12-20")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today)
    timezone.localdate = lambda *a, **k: today  # the dashboard's "today"
    url = f"/?year={today.year if today.month >= 9 else today.year - 1}"
    print(f"today = {today}")
    print(
        "| user | what | warnings | cold median ms | cold p95 ms "
        "| after a write median ms | after a write p95 ms "
        "| warm median ms | warm p95 ms |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with override_settings(ALLOWED_HOSTS=["*"]), translation.override("zh-hans"):
        for username in ("sheng", "xian"):
            user = get_user_model().objects.get(username=username)
            client = Client()
            client.force_login(user)

            def page(client=client):
                response = client.get(url)
                assert response.status_code == 200, response.status_code

            def inbox(user=user):
                return warnings_for(user, today=today)

            def todo(client=client):
                response = client.get("/todo/")
                assert response.status_code == 200, response.status_code

            found = warnings_for(user, today=today)
            for what, call in (
                ("dashboard", page),
                ("warnings_for", inbox),
                ("我的待办 /todo/", todo),
            ):
                cold = measure(call, mode="cold", times=args.repeat)
                call()
                written = measure(call, mode="written", times=args.repeat * 2)
                call()
                warm = measure(call, mode="warm", times=args.repeat * 2)
                print(
                    f"| {username} | {what} | {len(found)} | "
                    f"{statistics.median(cold):.0f} | {p95(cold):.0f} | "
                    f"{statistics.median(written):.0f} | {p95(written):.0f} | "
                    f"{statistics.median(warm):.0f} | {p95(warm):.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
