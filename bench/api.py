"""Server time of the REST API's list endpoints at province scale, against a bare DRF
``ModelViewSet`` over the same model in the same run.

Runs Django's test client in-process against the database named by DATABASE_URL
(the province-scale demo data of bench/demo_data.sh), logged in as the provincial
bureau (sheng, the largest scope) and a county bureau (xian). Page 1 of each list
endpoint under /api/v1/ is requested REPEAT times after one warm-up, and so is the
same page of its bare twin under /bare/: a plain ``ModelViewSet`` with the scoped
viewset's serializer, joins and prefetches (the list view's ``base_queryset()`` plus
``queryset_extra``), its default ordering with the same ``pk`` tie-breaker and its
pagination, but no data scope, no FilterSet and no ordering filter. Median and 95th
percentile are printed as a Markdown table with the ratio of medians, the ``count``
of each answer and the number of SQL queries of the warm-up request. Only GET
requests are made. Report attachments and audit entries, which the demo data does
not make, are added for the run in a transaction that is rolled back (sample_rows).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/duikou_bench \
        .venv/bin/python bench/api.py [--repeat 20]
"""

import argparse
import contextlib
import os
import statistics
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework import viewsets  # noqa: E402
from rest_framework.permissions import IsAuthenticated  # noqa: E402
from rest_framework.routers import DefaultRouter  # noqa: E402

import config.urls  # noqa: E402
from config.api_urls import router as api_router  # noqa: E402
from core.api.pagination import Pagination  # noqa: E402
from core.models import AuditEntry  # noqa: E402
from pairings.models import School  # noqa: E402
from reporting.models import ReportAttachment, SemesterReport  # noqa: E402

# Endpoints measured scoped only: computed (compliance), or the user's own or
# the audit page's rows (exports, notifications, audit)
# or not a list at all (statistics).
NO_BARE = {"compliance", "exports", "audit", "notifications"}
SKIP = {"statistics"}


def base_queryset(prefix, scoped):
    """The scoped viewset's queryset, joins and prefetches included, but not
    passed through ``visible()``."""
    if scoped.list_view is not None:
        queryset = scoped.list_view().base_queryset()
    else:
        queryset = scoped.model._default_manager.all()
    if scoped.queryset_extra is not None:
        queryset = scoped.queryset_extra(queryset)
    ordering = tuple(scoped().default_ordering())
    tie = "-pk" if ordering[0].startswith("-") else "pk"
    return queryset.order_by(*ordering, tie)


def bare_viewset(prefix, scoped):
    return type(
        f"Bare{scoped.__name__}",
        (viewsets.ModelViewSet,),
        {
            "queryset": base_queryset(prefix, scoped),
            "serializer_class": scoped.serializer_class,
            "permission_classes": [IsAuthenticated],
            "filter_backends": [],
            "pagination_class": Pagination,
        },
    )


ENDPOINTS = []  # (prefix, has a bare twin)
bare_router = DefaultRouter()
for _prefix, _viewset, _basename in api_router.registry:
    if _prefix in SKIP:
        continue
    has_bare = _prefix not in NO_BARE
    ENDPOINTS.append((_prefix, has_bare))
    if has_bare:
        bare_router.register(
            _prefix, bare_viewset(_prefix, _viewset), basename=f"bare-{_basename}"
        )

# This module is the URLconf while measuring: the application's URLs plus /bare/.
urlpatterns = [path("bare/", include(bare_router.urls)), *config.urls.urlpatterns]


@contextlib.contextmanager
def sample_rows():
    """Rows the demo data does not make, added for the run inside a transaction
    that is rolled back afterwards (so neither they nor audit entries of their
    removal stay): one attachment (no file) on every report past its draft, and
    four audit entries of changes to every school, as a year of clerks' edits
    leaves. Yields how many of each were added."""
    admin = get_user_model().objects.get(username="admin")
    school_type = ContentType.objects.get_for_model(School)
    with transaction.atomic():
        reports = SemesterReport.objects.exclude(status="draft").values_list(
            "pk", flat=True
        )
        attachments = ReportAttachment.objects.bulk_create(
            (
                ReportAttachment(
                    report_id=pk,
                    token=f"bench{pk:035d}",
                    file=f"reports/{pk}/bench{pk:035d}",
                    original_name="学期总结.pdf",
                    content_type="application/pdf",
                    size=1024,
                    uploaded_by=admin,
                )
                for pk in reports.iterator()
            ),
            batch_size=5000,
        )
        schools = School.objects.values_list("pk", "name", "region__path")
        entries = AuditEntry.objects.bulk_create(
            (
                AuditEntry(
                    user=admin,
                    username=admin.username,
                    source="web",
                    action="update",
                    content_type=school_type,
                    object_id=str(pk),
                    object_repr=name,
                    changes={"phone": [f"0531-{n}", f"0531-{n + 1}"]},
                    region_paths=f" {path}",
                )
                for pk, name, path in schools.iterator()
                for n in range(4)
            ),
            batch_size=5000,
        )
        try:
            yield len(attachments), len(entries)
        finally:
            transaction.set_rollback(True)


def measure(client, url, repeat):
    """(median ms, p95 ms, count, queries) or raises on an error answer."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)  # warm-up (and caches)
    # Counted now: the next request clears the connection's query log.
    query_count = len(queries)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code} {response.content!r}")
    count = response.json().get("count")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return statistics.median(times), p95, count, query_count


def attempt(client, url, repeat, errors):
    try:
        return measure(client, url, repeat)
    except Exception as exc:  # noqa: BLE001 - reported, and the run goes on
        summary = traceback.format_exception_only(exc)[-1].strip()
        errors.append((url, traceback.format_exc()))
        print(f"error: {url}: {summary}", file=sys.stderr, flush=True)
        return None


def cells(result):
    if result is None:
        return ["error", "error"]
    median, p95, _count, _queries = result
    return [f"{median:.0f}", f"{p95:.0f}"]


def number(result, index):
    if result is None or result[index] is None:
        return "—"
    return f"{result[index]:,}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--users", default="sheng,xian")
    args = parser.parse_args()
    print(f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}")
    print(
        "| endpoint | user | scoped median ms | scoped p95 ms | bare median ms "
        "| bare p95 ms | ratio | scoped count | bare count | scoped queries "
        "| bare queries |"
    )
    print("| --- | --- |" + " ---: |" * 9)
    errors = []
    with (
        override_settings(ALLOWED_HOSTS=["*"], DEBUG=False, ROOT_URLCONF=__name__),
        sample_rows() as (attachments, entries),
    ):
        print(f"added for the run: {attachments:,} attachments, {entries:,} audit")
        for prefix, has_bare in ENDPOINTS:
            for username in args.users.split(","):
                user = get_user_model().objects.get(username=username)
                client = Client()
                client.force_login(user)
                scoped = attempt(client, f"/api/v1/{prefix}/", args.repeat, errors)
                bare = (
                    attempt(client, f"/bare/{prefix}/", args.repeat, errors)
                    if has_bare
                    else None
                )
                if scoped is not None and bare is not None:
                    ratio = f"{scoped[0] / bare[0]:.2f}"
                else:
                    ratio = "—"
                bare_cells = cells(bare) if has_bare else ["—", "—"]
                row = [
                    f"`{prefix}`",
                    username,
                    *cells(scoped),
                    *bare_cells,
                    ratio,
                    number(scoped, 2),
                    number(bare, 2),
                    number(scoped, 3),
                    number(bare, 3),
                ]
                print("| " + " | ".join(row) + " |", flush=True)
    for url, text in errors:
        print(f"\n{url}\n{text}", file=sys.stderr)


if __name__ == "__main__":
    main()
