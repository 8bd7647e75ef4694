"""The dashboard's server time at province scale: cold (cache emptied before every
request, as after a write) and warm (the figures cached until the next write).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/duikou_bench \
        .venv/bin/python bench/dashboard.py [--repeat 10]
"""

import argparse
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


def timed(client, url, *, cold: bool) -> float:
    if cold:
        cache.clear()
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    url = f"/?year={args.year}"
    print("| user | cold median ms | cold p95 ms | warm median ms | warm p95 ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    with override_settings(ALLOWED_HOSTS=["*"]):
        for username in ("sheng", "xian"):
            client = Client()
            client.force_login(get_user_model().objects.get(username=username))
            cold = [timed(client, url, cold=True) for _ in range(args.repeat)]
            client.get(url)
            warm = [timed(client, url, cold=False) for _ in range(args.repeat * 2)]
            p95 = lambda xs: sorted(xs)[int(0.95 * (len(xs) - 1))]  # noqa: E731
            print(
                f"| {username} | {statistics.median(cold):.0f} | {p95(cold):.0f} "
                f"| {statistics.median(warm):.0f} | {p95(warm):.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
