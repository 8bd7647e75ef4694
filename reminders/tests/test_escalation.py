"""Escalation after N days (time frozen by passing ``now``), once, never after the
reminder was acted on, passing over levels with nobody to receive it; ``done``
closes the chain; a submitted report closes its deadline reminders."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Notification
from reminders import services
from reminders.models import Channel, Reminder
from reporting.models import ReportEvent
from tests import world

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2025, 3, 10, 8, 0))
KEY = "period-1/school-1"


def reminder(w, days_ago, **kwargs):
    kwargs.setdefault("school", w["a1r"])
    return services.remind(
        kind="report_deadline",
        key=KEY,
        subject="请报送学期总结",
        link="/reports/mine/",
        now=NOW - dt.timedelta(days=days_ago),
        **kwargs,
    )


def test_a_reminder_not_acted_on_escalates_to_the_region_once(w, settings):
    settings.DUIKOU_REMINDER_ESCALATE_DAYS = 3
    first = reminder(w, days_ago=3)
    assert services.escalate(now=NOW) == 1
    up = Reminder.objects.get(escalated_from=first)
    assert (up.region, up.school, up.level, up.key) == (w["A1"], None, 1, KEY)
    assert "请报送学期总结" in up.subject and "历下乡村小学" in up.subject
    # The county bureau hears of it in-app.
    assert Notification.objects.filter(user=w["xian"], message=up.subject).exists()
    assert not Notification.objects.filter(user=w["shi"], message=up.subject).exists()
    # Not twice, whenever the task runs again.
    assert services.escalate(now=NOW) == 0
    assert services.escalate(now=NOW + dt.timedelta(hours=5)) == 0
    assert Reminder.objects.filter(escalated_from=first).count() == 1


def test_not_before_n_days(w, settings):
    settings.DUIKOU_REMINDER_ESCALATE_DAYS = 5
    reminder(w, days_ago=4)
    assert services.escalate(now=NOW) == 0
    assert services.escalate(now=NOW + dt.timedelta(days=1)) == 1


def test_not_before_n_days_after_its_due_date(w, settings):
    settings.DUIKOU_REMINDER_ESCALATE_DAYS = 3
    reminder(w, days_ago=10, due=NOW - dt.timedelta(days=1))
    assert services.escalate(now=NOW) == 0
    assert services.escalate(now=NOW + dt.timedelta(days=2)) == 1


def test_an_escalated_reminder_climbs_on_to_the_region_above(w, settings):
    settings.DUIKOU_REMINDER_ESCALATE_DAYS = 3
    first = reminder(w, days_ago=6)
    services.escalate(now=NOW - dt.timedelta(days=3))
    county = Reminder.objects.get(escalated_from=first)
    assert services.escalate(now=NOW) == 1
    city = Reminder.objects.get(escalated_from=county)
    assert (city.region, city.level) == (w["A"], 2)
    province = services.escalate(now=NOW + dt.timedelta(days=3))
    assert province == 1
    top = Reminder.objects.get(escalated_from=city)
    assert top.region == w["P1"]
    # A province has no level above.
    assert services.escalate(now=NOW + dt.timedelta(days=30)) == 0


def test_acted_on_stops_escalation(w, settings):
    settings.DUIKOU_REMINDER_ESCALATE_DAYS = 3
    first = reminder(w, days_ago=3)
    assert services.done("report_deadline", KEY, now=NOW - dt.timedelta(hours=1)) == 1
    assert services.escalate(now=NOW) == 0
    first.refresh_from_db()
    assert first.acted_at == NOW - dt.timedelta(hours=1)


def test_done_closes_the_escalated_reminders_too(w, settings):
    settings.DUIKOU_REMINDER_ESCALATE_DAYS = 3
    reminder(w, days_ago=3)
    services.escalate(now=NOW)
    other = services.remind(
        kind="report_deadline", key="period-1/school-2", subject="x", school=w["a1s"]
    )
    assert services.done("report_deadline", KEY) == 2
    assert not Reminder.objects.filter(key=KEY, acted_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.acted_at is None


def test_a_submitted_report_closes_its_deadline_reminders(w):
    report = w["in_A1"][next(m for m in w["in_A1"] if m.__name__ == "SemesterReport")]
    key = services.report_key(report.period_id, report.school_id)
    services.remind(
        kind="report_deadline", key=key, subject="催报", school=report.school
    )
    ReportEvent.objects.create(
        report=report,
        action="submit",
        from_status="draft",
        to_status="submitted",
        actor=w["xuexiao"],
    )
    assert not Reminder.objects.filter(key=key, acted_at__isnull=True).exists()


def test_the_staff_are_notified_in_app_with_a_record(w):
    r = reminder(w, days_ago=0)
    assert Notification.objects.filter(user=w["xuexiao"], url="/reports/mine/").exists()
    (delivery,) = r.deliveries.all()
    assert (delivery.target, delivery.status) == ("in_app", "sent")


# Levels with nobody to receive the reminder are passed over ------------------------


def escalated_twice(w, school):
    """A reminder to ``school`` escalated to its county, then once more."""
    first = reminder(w, days_ago=6, school=school)
    services.escalate(now=NOW - dt.timedelta(days=3))
    county = Reminder.objects.get(escalated_from=first)
    assert services.escalate(now=NOW) == 1
    return county, Reminder.objects.get(escalated_from=county)


def test_a_city_with_no_channel_and_no_staff_is_passed_over(w, settings):
    # 青岛市 has no bureau account and no channel: 市南区's reminder goes on to
    # the province, whose bureau hears of it.
    settings.DUIKOU_REMINDER_ESCALATE_DAYS = 3
    county, up = escalated_twice(w, w["b1r"])
    assert county.region == w["B1"]
    assert (up.region, up.level) == (w["P1"], 2)
    assert Notification.objects.filter(user=w["sheng"], message=up.subject).exists()
    # The province is the top: the chain ends there.
    assert services.escalate(now=NOW + dt.timedelta(days=30)) == 0


@pytest.mark.parametrize(
    ("receiver", "expected"),
    [("channel", "B"), ("staff", "B"), ("disabled channel", "P1"), ("inactive", "P1")],
)
def test_a_channel_or_an_active_bureau_account_is_someone(
    w, settings, receiver, expected
):
    settings.DUIKOU_REMINDER_ESCALATE_DAYS = 3
    if "channel" in receiver:
        Channel.objects.create(
            kind="wecom",
            name="青岛市教育局群",
            webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            region=w["B"],
            enabled=receiver == "channel",
        )
    else:
        qingdao = world.user("qingdao", "bureau", w["B"])
        qingdao.is_active = receiver == "staff"
        qingdao.save()
    _county, up = escalated_twice(w, w["b1r"])
    assert up.region == w[expected]


def test_a_school_whose_county_has_nobody_reaches_the_top_at_most(w, settings):
    # 龙山县's only bureau account is closed, and 湘西州 and 湖南省 have nobody
    # either: the reminder climbs to the top (the province, where an
    # administrator sees it) and no further.
    settings.DUIKOU_REMINDER_ESCALATE_DAYS = 3
    type(w["xian_l"]).objects.filter(pk=w["xian_l"].pk).update(is_active=False)
    first = reminder(w, days_ago=3, school=w["lr"])
    assert services.escalate(now=NOW) == 1
    up = Reminder.objects.get(escalated_from=first)
    assert (up.region, up.level) == (w["P2"], 1)
    assert services.escalate(now=NOW + dt.timedelta(days=30)) == 0


def test_the_nearest_level_with_someone_is_taken(w, settings):
    # 历下区 has its bureau: a school's reminder stops there first, as before.
    settings.DUIKOU_REMINDER_ESCALATE_DAYS = 3
    first = reminder(w, days_ago=3)
    Channel.objects.create(
        kind="wecom",
        name="山东省教育厅群",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        region=w["P1"],
    )
    services.escalate(now=NOW)
    assert Reminder.objects.get(escalated_from=first).region == w["A1"]
