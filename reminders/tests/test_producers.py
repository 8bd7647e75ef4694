"""The daily producers: a host school hears of the stints awaiting its confirmation
(once, until none is left), and the receiving school of a pairing the forecast warns
about hears of it once a semester, in its group robot too."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.models import Secondment, Stint
from reminders import services
from reminders.models import Delivery, Reminder
from reporting.compliance.forecast import warnings_for
from tests import world

pytestmark = pytest.mark.django_db


def pending_stint(w):
    sender = world.user("a1s_staff", "school", school_=w["a1s"])
    stint = Stint(
        secondment=w["in_A1"][Secondment],
        start=dt.date(2024, 11, 4),
        end=dt.date(2024, 11, 29),
    )
    dispatch_services.stint_mark_recorded(stint, sender)
    stint.save()
    return stint


def test_a_host_school_is_reminded_of_its_waiting_stints_until_none_is_left(w):
    stint = pending_stint(w)
    assert services.remind_pending_stints() == 1
    reminder = Reminder.objects.get(kind="stint_confirmation")
    assert reminder.school == w["a1r"]  # the host school, not the sender
    assert "1" in reminder.subject and w["a1r"].name in reminder.subject
    assert reminder.link == "/stints/pending/"
    # Not again while it is open.
    assert services.remind_pending_stints() == 0
    # Confirmed: the reminder is closed, so it never escalates.
    dispatch_services.stint_confirm(stint=stint, user=w["xuexiao"])
    services.remind_pending_stints()
    reminder.refresh_from_db()
    assert reminder.acted_at is not None
    assert services.escalate(now=timezone.now() + dt.timedelta(days=30)) == 0


def test_a_warning_reaches_the_receiving_school_and_its_robot_once(
    w, hook, inline_worker, django_capture_on_commit_callbacks
):
    from reminders.models import Channel

    Channel.objects.create(
        kind="wecom", name="历下乡村小学群", webhook_url=hook.url(), school=w["a1r"]
    )
    near_end = dt.date(2025, 1, 5)
    expected = [x for x in warnings_for(w["admin"], today=near_end)]
    pairings = {x.pairing.id for x in expected}
    assert w["pA1"].pk in pairings, "the world's pairing misses a rule at this pace"
    with django_capture_on_commit_callbacks(execute=True):
        made = services.remind_warnings(today=near_end)
    assert made == Reminder.objects.filter(kind="warning").count() >= 1
    mine = Reminder.objects.get(kind="warning", school=w["a1r"])
    assert w["pA1"].name in mine.subject
    first = next(x for x in expected if x.pairing.id == w["pA1"].pk)
    assert first.message in mine.subject
    assert mine.link == f"/pairings/{w['pA1'].pk}/"
    # The school's WeCom group got it.
    assert any(w["pA1"].name in r.body["markdown"]["content"] for r in hook.requests)
    assert Delivery.objects.filter(reminder=mine, status="sent").exists()
    # Once a semester: the next day's run adds nothing.
    assert services.remind_warnings(today=near_end + dt.timedelta(days=1)) == 0
    # Outside the last weeks of a semester nothing is raised.
    assert services.remind_warnings(today=dt.date(2024, 10, 1)) == 0
