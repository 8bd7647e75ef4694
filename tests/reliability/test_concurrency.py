"""Concurrent clicks with real transactions on PostgreSQL (issue 15, item 4): two
threads, each with its own database connection, meet at a barrier and then act on
the same record at once. The winner is slowed down inside its transaction (while it
holds the row), so the other really has to wait for it, and then decides on what the
winner wrote: exactly one approval, one edit, one record.

The same interleavings with stale objects, on any database, are in
``tests/test_concurrency.py``. Skipped on SQLite (it has no concurrent writers),
a failure with ``CI=true``."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Notification
from pairings.models import Pairing
from projects.models import Donation
from reporting.models import ReportEvent, SemesterReport
from reporting.reports import services
from tests import world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOLD = 0.3  # seconds the first one keeps its transaction open


@pytest.fixture
def w():
    return world.build()


def at_once(*calls):
    """Run each call in a thread of its own, started together; returns each call's
    result or the exception it raised, in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what is tested
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def slow_notify(monkeypatch):
    """The workflow's notification, sent inside the transaction, takes a while: the
    step that got the row first holds it for HOLD seconds."""
    real = services.notify

    def notify(*args, **kwargs):
        time.sleep(HOLD)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "notify", notify)


@pytest.fixture
def report(w):
    period = w["period"]
    period.deadline = timezone.localdate() + dt.timedelta(days=30)
    period.lock_date = timezone.localdate() + dt.timedelta(days=60)
    period.save()
    SemesterReport.objects.filter(school=w["a1r"], period=period).delete()
    report = services.report_for(school=w["a1r"], period=period, user=w["xuexiao"])
    return services.report_submit(report=report, user=w["xuexiao"])


def copy(report):
    return SemesterReport.objects.select_related("school__region", "period").get(
        pk=report.pk
    )


def review_events(report):
    return list(
        ReportEvent.objects.filter(
            report=report, action__in=["approve", "return"]
        ).values_list("action", flat=True)
    )


def test_two_reviewers_approve_at_once_one_is_told(w, report, slow_notify):
    first, second = copy(report), copy(report)
    results = at_once(
        lambda: services.report_approve(report=first, user=w["xian"]),
        lambda: services.report_approve(report=second, user=w["shi"]),
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1, results
    assert isinstance(refused[0], services.ConflictError)
    assert refused[0].messages == ["已由他人审核。"]
    assert review_events(report) == ["approve"]
    assert (
        Notification.objects.filter(
            user=w["xuexiao"], message__contains="审核通过"
        ).count()
        == 1
    )


def test_approve_and_return_at_once_exactly_one_wins(w, report, slow_notify):
    approving, returning = copy(report), copy(report)
    results = at_once(
        lambda: services.report_approve(report=approving, user=w["xian"]),
        lambda: services.report_return(report=returning, user=w["shi"], comment="改"),
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], services.ConflictError)
    events = review_events(report)
    assert len(events) == 1
    final = SemesterReport.objects.get(pk=report.pk).status
    assert final == {"approve": "approved", "return": "returned"}[events[0]]
    assert (
        Notification.objects.filter(user=w["xuexiao"])
        .exclude(message__contains="提交")
        .count()
        == 1
    )


def test_submit_twice_at_once_submits_once(w, slow_notify):
    period = w["period"]
    period.deadline = timezone.localdate() + dt.timedelta(days=30)
    period.lock_date = timezone.localdate() + dt.timedelta(days=60)
    period.save()
    SemesterReport.objects.filter(school=w["a1r"], period=period).delete()
    report = services.report_for(school=w["a1r"], period=period, user=w["xuexiao"])
    first, second = copy(report), copy(report)
    results = at_once(
        lambda: services.report_submit(report=first, user=w["xuexiao"]),
        lambda: services.report_submit(report=second, user=w["xuexiao"]),
    )
    done = [r for r in results if isinstance(r, services.AlreadyDone)]
    assert len(done) == 1, results
    assert done[0].messages == ["已提交。"]
    assert ReportEvent.objects.filter(report=report, action="submit").count() == 1


def test_two_api_edits_of_a_pairing_from_the_same_version(w):
    pairing = w["pA1"]
    url = f"/api/v1/pairings/{pairing.pk}/"

    def patch(user, note):
        client = APIClient()
        client.force_authenticate(user)
        return client.patch(url, {"note": note}, format="json", HTTP_IF_MATCH='"1"')

    results = at_once(
        lambda: patch(w["xian"], "县里"), lambda: patch(w["sheng"], "省里")
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 412], results
    winner = next(r for r in results if r.status_code == 200)
    pairing.refresh_from_db()
    assert pairing.version == 2
    assert pairing.note == winner.json()["note"]


def test_api_edits_without_a_version_at_once_are_all_written(w):
    """Without If-Match or a version, each change applies to the record as it is:
    none is refused as stale and none undoes another's field."""
    pairing = w["pA1"]
    url = f"/api/v1/pairings/{pairing.pk}/"

    def patch(user, values):
        client = APIClient()
        client.force_authenticate(user)
        return client.patch(url, values, format="json")

    results = at_once(
        lambda: patch(w["xian"], {"note": "县里的备注"}),
        lambda: patch(w["sheng"], {"name": "改过的结对名"}),
        lambda: patch(w["xian"], {"aid_funding": True}),
    )
    assert [r.status_code for r in results] == [200, 200, 200], results
    pairing.refresh_from_db()
    assert pairing.version == 4
    assert (pairing.note, pairing.name, pairing.aid_funding) == (
        "县里的备注",
        "改过的结对名",
        True,
    )


def test_two_saves_of_a_pairing_from_the_same_version_one_is_written(w):
    from django.db import transaction

    from core.versioning import StaleVersion

    first = Pairing.objects.get(pk=w["pA1"].pk)
    second = Pairing.objects.get(pk=w["pA1"].pk)

    def save(obj, note):
        with transaction.atomic():
            obj.note = note
            obj.save()
            time.sleep(HOLD)  # hold the row: the other save waits for this one
        return note

    results = at_once(lambda: save(first, "一"), lambda: save(second, "二"))
    stale = [r for r in results if isinstance(r, StaleVersion)]
    written = [r for r in results if isinstance(r, str)]
    assert len(stale) == 1 and len(written) == 1, results
    saved = Pairing.objects.get(pk=w["pA1"].pk)
    assert (saved.note, saved.version) == (written[0], 2)


def test_a_create_sent_twice_at_once_with_one_key_creates_once(w):
    payload = {
        "pairing": w["pA1"].pk,
        "donor_kind": "school",
        "donor_name": "历下实验小学",
        "donor_school": w["a1s"].pk,
        "recipient_school": w["a1r"].pk,
        "date": "2024-11-20",
        "form": "goods",
        "category": "books",
        "quantity": 120,
        "unit": "册",
        "amount": "1800.00",
        "currency": "CNY",
    }
    before = Donation.objects.count()

    def post():
        client = APIClient()
        client.force_authenticate(w["xian"])
        return client.post(
            "/api/v1/donations/", payload, format="json", HTTP_IDEMPOTENCY_KEY="once"
        )

    results = at_once(post, post)
    assert [r.status_code for r in results] == [201, 201], results
    assert results[0].json() == results[1].json()
    assert Donation.objects.count() == before + 1
