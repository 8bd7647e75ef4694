"""Server time of the workspace pages at province scale.

Runs Django's test client in-process against the database named by DATABASE_URL
(the province-scale demo data of bench/demo_data.sh), logged in as the provincial
bureau (sheng, the largest scope) and a county bureau (xian). Each page is requested
REPEAT times after one warm-up; median and 95th percentile are printed as a Markdown
table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/duikou_bench \
        .venv/bin/python bench/pages.py [--repeat 20]
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

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from core.scope import visible  # noqa: E402
from pairings.models import Pairing, Region  # noqa: E402
from pairings.periods import school_year_of  # noqa: E402


def pages(user):
    pairing = visible(Pairing.objects.all(), user).order_by("pk").first()
    county = visible(Region.objects.filter(level=3), user).order_by("path").first()
    year = school_year_of(django.utils.timezone.localdate()) - 1
    return [
        ("学校 schools", "/schools/"),
        ("学校 + 区县筛选 filtered", f"/schools/?region={county.pk}&stage=primary"),
        ("帮扶项目 programmes", "/programmes/"),
        ("结对 pairings", "/pairings/"),
        ("结对 + 搜索 search", "/pairings/?q=中心小学&status=active"),
        ("协议 agreements", "/agreements/"),
        ("人员 people", "/people/"),
        ("人员 + 搜索 search", "/people/?q=王&subject=maths"),
        ("派遣 secondments", "/secondments/"),
        (
            "派遣 + 筛选 filtered",
            f"/secondments/?direction=to_receiving&kind=teaching&region={county.pk}",
        ),
        ("活动 activities", "/activities/"),
        (
            "活动 + 日期 dates",
            "/activities/?date_from=2025-09-01&date_to=2026-01-31&kind=research",
        ),
        ("援建项目 projects", "/projects/"),
        ("资金 funding lines", "/funding/"),
        ("资金 + 筛选 filtered", "/funding/?kind=received&source=county"),
        ("捐赠 donations", "/donations/"),
        ("结对详情 pairing detail", f"/pairings/{pairing.pk}/"),
        ("首页 dashboard", f"/?year={year}"),
        ("达标情况 compliance", "/compliance/"),
        ("报告审核 review queue", "/reports/review/"),
        ("报告审核 + 筛选 filtered", "/reports/review/?status=submitted&is_late=true"),
    ]


def measure(client, url, repeat):
    client.get(url)  # warm-up (and caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return statistics.median(times), p95


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--users", default="sheng,xian")
    args = parser.parse_args()
    print(f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}")
    print("| user | page | URL | median ms | p95 ms |")
    print("| --- | --- | --- | ---: | ---: |")
    with override_settings(ALLOWED_HOSTS=["*"], DEBUG=False):
        for username in args.users.split(","):
            user = get_user_model().objects.get(username=username)
            client = Client()
            client.force_login(user)
            for name, url in pages(user):
                median, p95 = measure(client, url, args.repeat)
                row = f"| {username} | {name} | `{url}` | {median:.0f} | {p95:.0f} |"
                print(row, flush=True)


if __name__ == "__main__":
    main()
