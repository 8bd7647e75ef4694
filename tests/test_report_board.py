"""The completeness board (报送情况), the missing schools, reminders (催报) and the
notifications page."""

import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from core import notifications
from core.models import Notification
from core.views_notifications import unread_count
from reporting.board import selectors as board
from reporting.choices import ReportStatus
from reporting.models import ReportingPeriod, SemesterReport

from . import world

pytestmark = pytest.mark.django_db

DRAFT, SUBMITTED, RETURNED, APPROVED = (
    ReportStatus.DRAFT,
    ReportStatus.SUBMITTED,
    ReportStatus.RETURNED,
    ReportStatus.APPROVED,
)
_codes = itertools.count(1)


def township(parent, name):
    return world.region(f"{parent.code}{next(_codes):03d}", name, 4, parent)


def paired(w, supporting, receiving):
    return world.pairing(
        f"{supporting.name}—{receiving.name}", w["programme"], supporting, receiving
    )


def staff(username, school, email=""):
    account = world.user(username, "school", school_=school)
    account.email = email
    account.save()
    return account


@pytest.fixture
def w():
    """The world, plus two townships of 历下区 with paired schools and their reports
    for the period in every state. ``status`` records what each expected school of
    the county has: (status, late), or None for no report at all."""
    w = world.build()
    period = w["period"]
    w["T1"] = township(w["A1"], "东关街道")
    w["T2"] = township(w["A1"], "文东街道")
    for name, region_ in [
        ("t1a", "T1"),
        ("t1b", "T1"),
        ("t1c", "T1"),
        ("t1x", "T1"),  # in no pairing: not expected
        ("t2a", "T2"),
        ("t2b", "T2"),
        ("t2c", "T2"),
    ]:
        w[name] = world.school(f"{name}学校", w[region_])
    paired(w, w["t1a"], w["t1b"])
    paired(w, w["t1c"], w["t2a"])
    paired(w, w["t2b"], w["t2c"])
    # The world left a draft for a1r; a1s (party to pA1) has none yet.
    w["status"] = {
        w["a1s"]: (APPROVED, False),
        w["a1r"]: (DRAFT, False),
        w["t1a"]: (SUBMITTED, False),
        w["t1b"]: (APPROVED, True),
        w["t1c"]: (RETURNED, True),  # late once, returned since: not submitted
        w["t2a"]: (SUBMITTED, True),
        w["t2b"]: (DRAFT, False),
        w["t2c"]: None,
    }
    for school, state in w["status"].items():
        if state is None or school == w["a1r"]:
            continue
        SemesterReport.objects.create(
            school=school, period=period, status=state[0], is_late=state[1]
        )
    # Not counted: the next period's report, and a submitted report out of scope.
    w["spring"] = ReportingPeriod.objects.create(
        school_year=2024,
        semester="spring",
        start=dt.date(2025, 2, 17),
        end=dt.date(2025, 7, 10),
        deadline=dt.date(2025, 7, 20),
        lock_date=dt.date(2025, 8, 1),
    )
    SemesterReport.objects.create(school=w["t2c"], period=w["spring"], status=SUBMITTED)
    SemesterReport.objects.filter(school=w["b1r"], period=period).update(
        status=SUBMITTED
    )
    return w


def figures_of(states):
    """The expected row, computed from what the test created."""
    submitted = [s for s in states if s and s[0] in (SUBMITTED, APPROVED)]
    row = {
        "expected": len(states),
        "submitted": len(submitted),
        "on_time": sum(1 for s in submitted if not s[1]),
        "late": sum(1 for s in submitted if s[1]),
        "approved": sum(1 for s in states if s and s[0] == APPROVED),
        "returned": sum(1 for s in states if s and s[0] == RETURNED),
        "missing": len(states) - len(submitted),
    }
    row["rate"] = round(100 * row["submitted"] / row["expected"], 1) if states else None
    return row


def figures_on(row):
    return {
        "expected": row.expected,
        "submitted": row.submitted,
        "on_time": row.on_time,
        "late": row.late,
        "approved": row.approved,
        "returned": row.returned,
        "missing": row.missing,
        "rate": None if row.rate is None else float(row.rate),
    }


def states_in(w, *names):
    return [w["status"][w[n]] for n in names]


def get_board(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("reporting:board"), params)
    assert response.status_code == 200
    return response.context["board"]


def test_county_board_counts_each_township_and_the_total(client, w):
    result = get_board(client, w["xian"], period=w["period"].pk)
    rows = {(row.region.pk, row.direct): row for row in result.rows}
    assert list(rows) == [(w["T1"].pk, False), (w["T2"].pk, False), (w["A1"].pk, True)]
    assert figures_on(rows[w["T1"].pk, False]) == figures_of(
        states_in(w, "t1a", "t1b", "t1c")
    )
    assert figures_on(rows[w["T2"].pk, False]) == figures_of(
        states_in(w, "t2a", "t2b", "t2c")
    )
    assert figures_on(rows[w["A1"].pk, True]) == figures_of(states_in(w, "a1s", "a1r"))
    assert figures_on(result.total) == figures_of(list(w["status"].values()))
    # The figures a clerk would check by hand.
    assert figures_on(result.total) == {
        "expected": 8,
        "submitted": 4,
        "on_time": 2,
        "late": 2,
        "approved": 2,
        "returned": 1,
        "missing": 4,
        "rate": 50.0,
    }


def test_rate_has_one_decimal_and_none_when_nothing_is_expected(client, w):
    result = get_board(client, w["xian"], period=w["period"].pk, region=w["T1"].pk)
    assert str(result.total.rate) == "66.7"  # 2 of 3
    shi = {row.region: row for row in get_board(client, w["shi"]).rows}
    assert shi[w["A2"]].expected == 0
    assert shi[w["A2"]].rate is None


def test_city_sees_its_counties_and_not_another_citys_schools(client, w):
    client.force_login(w["shi"])
    response = client.get(reverse("reporting:board"), {"period": w["period"].pk})
    result = response.context["board"]
    assert [row.region for row in result.rows] == [w["A1"], w["A2"]]
    assert figures_on(result.rows[0]) == figures_of(list(w["status"].values()))
    assert figures_on(result.total) == figures_of(list(w["status"].values()))
    assert "市南" not in response.content.decode()
    # The county's own bureau in 青岛 counts its schools, not 济南's.
    other = get_board(client, w["xian_b1"], period=w["period"].pk)
    assert other.total.expected == 2
    assert other.total.submitted == 1


def test_province_rows_are_cities_and_drill_down_to_counties(client, w):
    result = get_board(client, w["sheng"], period=w["period"].pk)
    rows = {row.region: row for row in result.rows}
    assert list(rows) == [w["A"], w["B"]]
    assert rows[w["A"]].expected == 8
    assert rows[w["B"]].expected == 2
    # Longshan (in the province only as a partner of a1s) is not on 山东's board.
    assert result.total.expected == 10
    drilled = get_board(client, w["sheng"], period=w["period"].pk, region=w["A"].pk)
    assert [row.region for row in drilled.rows] == [w["A1"], w["A2"]]


def test_administrator_rows_are_provinces(client, w):
    result = get_board(client, w["admin"], period=w["period"].pk)
    rows = {row.region: row.expected for row in result.rows}
    assert rows == {w["P1"]: 10, w["P2"]: 3}  # 湖南: ls, lr and lx
    assert result.total.expected == 13


def test_a_county_cannot_drill_into_another_county(client, w):
    result = get_board(client, w["xian"], period=w["period"].pk, region=w["B1"].pk)
    assert result.region is None  # the choice is refused, the board stays at home
    assert result.total.expected == 8


def test_school_without_a_report_row_is_missing(client, w):
    assert not SemesterReport.objects.filter(school=w["t2c"], period=w["period"])
    result = get_board(client, w["xian"], period=w["period"].pk, region=w["T2"].pk)
    assert result.total.expected == 3
    assert result.total.missing == 2  # t2b's draft and t2c with nothing


def test_default_period_is_the_latest_started(client, w):
    result = get_board(client, w["xian"])
    assert result.period == w["spring"]
    assert result.total.submitted == 1  # only t2c's spring report


def test_missing_list_names_exactly_the_missing_schools(client, w):
    client.force_login(w["xian"])
    url = reverse("reporting:board_missing")
    response = client.get(url, {"period": w["period"].pk})
    assert response.status_code == 200
    listed = [school.name for school in response.context["page"]]
    missing = [
        s
        for s, state in w["status"].items()
        if not state or state[0] in (DRAFT, RETURNED)
    ]
    expected = sorted(missing, key=lambda s: (s.region.path, s.name))
    assert listed == [s.name for s in expected]
    statuses = {s.name: s.report_status for s in response.context["page"]}
    assert statuses[w["t2c"].name] is None
    assert statuses[w["t1c"].name] == RETURNED
    # The "directly in 历下区" row's count opens just those schools.
    direct = client.get(
        url, {"period": w["period"].pk, "region": w["A1"].pk, "direct": 1}
    )
    assert [s.name for s in direct.context["page"]] == [w["a1r"].name]


def test_missing_list_of_another_city_stays_out_of_scope(client, w):
    client.force_login(w["shi"])
    response = client.get(
        reverse("reporting:board_missing"), {"period": w["period"].pk}
    )
    names = {s.name for s in response.context["page"]}
    assert w["b1s"].name not in names
    assert w["lx"].name not in names
    assert names == {w["a1r"].name, w["t1c"].name, w["t2b"].name, w["t2c"].name}


@pytest.fixture
def school_staff(w):
    return {
        "a1r": w["xuexiao"],  # no email address
        "t2b": staff("t2b_staff", w["t2b"], "t2b@example.cn"),
        "t2c": staff("t2c_staff", w["t2c"], "t2c@example.cn"),
        "t2c_no_mail": staff("t2c_nomail", w["t2c"]),
        "t1a": staff("t1a_staff", w["t1a"], "t1a@example.cn"),  # submitted
        "b1r": w["school_b1"],  # out of scope
    }


def test_remind_notifies_staff_of_missing_schools_only(
    client, w, school_staff, django_capture_on_commit_callbacks
):
    client.force_login(w["xian"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:board_remind"), {"period": w["period"].pk}, follow=True
        )
    assert response.redirect_chain[-1][0].startswith(reverse("reporting:board_missing"))
    reminded = {"a1r", "t2b", "t2c", "t2c_no_mail"}
    for key, account in school_staff.items():
        assert Notification.objects.filter(user=account).count() == (
            1 if key in reminded else 0
        ), key
    note = Notification.objects.get(user=school_staff["t2b"])
    assert note.url == reverse("reporting:my_reports")
    assert str(w["period"]) in note.message
    assert sorted(m.to[0] for m in mail.outbox) == ["t2b@example.cn", "t2c@example.cn"]
    assert all(len(m.to) == 1 for m in mail.outbox)
    # 4 users at 3 schools; t1c (returned) has no staff account.
    assert [str(m) for m in response.context["messages"]] == [
        _("Reminders sent to %(users)s users at %(schools)s schools.")
        % {"users": 4, "schools": 3},
        _("%(n)s schools have no active staff account and were not reminded.")
        % {"n": 1},
    ]


def test_remind_for_a_region_outside_the_scope_reminds_nobody(
    client, w, school_staff, django_capture_on_commit_callbacks
):
    client.force_login(w["xian"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reporting:board_remind"),
            {"period": w["period"].pk, "region": w["B1"].pk},
        )
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_remind_limited_to_a_region(
    client, w, school_staff, django_capture_on_commit_callbacks
):
    client.force_login(w["shi"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reporting:board_remind"),
            {"period": w["period"].pk, "region": w["T2"].pk},
        )
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "t2b_staff",
        "t2c_staff",
        "t2c_nomail",
    }


def test_inspector_reads_the_board_but_cannot_remind(client, w, school_staff):
    client.force_login(w["duxue"])
    assert client.get(reverse("reporting:board")).status_code == 200
    response = client.get(reverse("reporting:board_missing"))
    assert response.status_code == 200
    assert not response.context["can_remind"]
    assert reverse("reporting:board_remind") not in response.content.decode()
    response = client.post(
        reverse("reporting:board_remind"), {"period": w["period"].pk}
    )
    assert response.status_code == 403
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "name", ["reporting:board", "reporting:board_missing", "reporting:board_remind"]
)
def test_school_staff_have_no_board(client, w, name):
    client.force_login(w["xuexiao"])
    assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse(name), {"period": w["period"].pk}).status_code == 404


def test_anonymous_is_sent_to_log_in(client, w):
    response = client.get(reverse("reporting:board"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def add_expected_schools(w, n):
    for i in range(n):
        supporting = world.school(f"新增支援校{i}", w["T1"])
        receiving = world.school(f"新增受援校{i}", w["T2"])
        paired(w, supporting, receiving)
        SemesterReport.objects.create(
            school=supporting, period=w["period"], status=SUBMITTED, is_late=i % 2
        )


@pytest.mark.parametrize("name", ["reporting:board", "reporting:board_missing"])
def test_query_count_does_not_grow_with_schools(client, w, name):
    client.force_login(w["xian"])
    url = reverse(name)
    params = {"period": w["period"].pk}
    client.get(url, params)  # warm up the session and caches
    with CaptureQueriesContext(connection) as before:
        first = client.get(url, params)
    add_expected_schools(w, 10)
    with CaptureQueriesContext(connection) as after:
        second = client.get(url, params)
    if name == "reporting:board":
        assert second.context["board"].total.expected == (
            first.context["board"].total.expected + 20
        )
    else:
        assert second.context["page"].paginator.count == (
            first.context["page"].paginator.count + 10
        )
    assert len(after) == len(before)


def test_selectors_match_the_views(w):
    result = board.completeness(user=w["xian"], period=w["period"])
    names = set(
        board.missing_schools(user=w["xian"], period=w["period"]).values_list(
            "name", flat=True
        )
    )
    assert result.total.missing == len(names)
    # School staff have no regions: nothing to count.
    empty = board.completeness(user=w["xuexiao"], period=w["period"])
    assert empty.total.expected == 0


# Notifications ------------------------------------------------------------------


@pytest.fixture
def notes(w):
    first = Notification.objects.create(user=w["xian"], message="第一条", url="/")
    second = Notification.objects.create(
        user=w["xian"], message="第二条", url=reverse("reporting:board")
    )
    other = Notification.objects.create(user=w["shi"], message="别人的")
    return {"first": first, "second": second, "other": other}


def test_notification_list_shows_own_newest_first(client, w, notes):
    client.force_login(w["xian"])
    response = client.get(reverse("notifications"))
    assert response.status_code == 200
    assert [n.pk for n in response.context["page"]] == [
        notes["second"].pk,
        notes["first"].pk,
    ]
    assert "别人的" not in response.content.decode()


def test_reading_a_notification_marks_it_and_opens_its_link(client, w, notes):
    client.force_login(w["xian"])
    url = reverse("notification_read", args=[notes["second"].pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:board")
    notes["second"].refresh_from_db()
    notes["first"].refresh_from_db()
    assert notes["second"].read_at is not None
    assert notes["first"].read_at is None


def test_reading_a_notification_without_a_link_returns_to_the_list(client, w):
    note = Notification.objects.create(user=w["xian"], message="无链接")
    client.force_login(w["xian"])
    response = client.post(reverse("notification_read", args=[note.pk]))
    assert response["Location"] == reverse("notifications")


def test_another_users_notification_is_not_found(client, w, notes):
    client.force_login(w["xian"])
    response = client.post(reverse("notification_read", args=[notes["other"].pk]))
    assert response.status_code == 404
    notes["other"].refresh_from_db()
    assert notes["other"].read_at is None


def test_read_all_marks_only_own_notifications(client, w, notes):
    client.force_login(w["xian"])
    response = client.post(reverse("notifications_read_all"))
    assert response["Location"] == reverse("notifications")
    assert not Notification.objects.filter(user=w["xian"], read_at__isnull=True)
    assert Notification.objects.filter(user=w["shi"], read_at__isnull=True).count() == 1


def test_unread_count_is_one_query_then_cached_until_a_change(
    w, notes, django_assert_num_queries, django_capture_on_commit_callbacks
):
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(pk=w["xian"].pk)
    with django_assert_num_queries(1):
        assert unread_count(request) == {"unread_notifications": 2}
    with django_assert_num_queries(0):  # every later page: from the cache
        assert unread_count(request) == {"unread_notifications": 2}
    # Each change drops the user's cached count once it is committed.
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify([w["xian"], w["shi"]], "新通知")
    assert unread_count(request) == {"unread_notifications": 3}
    mine = Notification.objects.filter(user=w["xian"], read_at__isnull=True)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notification_read(notification=mine.first())
    assert unread_count(request) == {"unread_notifications": 2}
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notifications_read_all(user=w["xian"])
    assert unread_count(request) == {"unread_notifications": 0}
    # Another user's count is theirs.
    request.user = get_user_model().objects.get(pk=w["shi"].pk)
    assert unread_count(request) == {"unread_notifications": 2}
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert unread_count(request) == {}


def test_bell_shows_the_unread_count(client, w, notes):
    client.force_login(w["xian"])
    html = client.get(reverse("notifications")).content.decode()
    assert 'id="notification-bell"' in html
    assert '<span class="badge rounded-pill bg-danger">2</span>' in html
