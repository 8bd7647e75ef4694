"""Costly figures kept per scope and refreshed by the worker (``core.refreshed``):
a cheap scope always sees its last write; a costly one is served as it was, marked,
while the worker computes it afresh (asked once); a broker that does not take the
task, or figures too old, cost a computation in the request instead."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core import freshness, refreshed

pytestmark = pytest.mark.django_db

DATA = {"value": 0}
CALLS: list[tuple] = []


@refreshed.refreshable("test-figure")
def _figure(user, label: str) -> dict:
    CALLS.append((user.pk, label, translation.get_language()))
    return {"value": DATA["value"], "label": label}


@pytest.fixture(autouse=True)
def _reset():
    DATA["value"] = 0
    CALLS.clear()


@pytest.fixture
def asked(monkeypatch):
    """The tasks handed to the broker (``broker.down``: it takes none)."""

    class Broker:
        down = False
        tasks: list[tuple] = []

    broker = Broker()
    broker.tasks = []

    def wake(name, *args):
        if broker.down:
            return False
        broker.tasks.append((name, *args))
        return True

    monkeypatch.setattr(refreshed.resilience, "wake", wake)
    return broker


def a_write(value):
    """Domain data changed and committed: a new data version."""
    DATA["value"] = value
    freshness._renew()


def test_a_cheap_scope_sees_its_last_write_at_once(w, asked, settings):
    settings.DUIKOU_REFRESH_IN_WORKER_AFTER = 10  # nothing here takes that long
    assert refreshed.served("test-figure", w["xian"], "a").value["value"] == 0
    assert refreshed.served("test-figure", w["xian"], "a").value["value"] == 0
    assert len(CALLS) == 1  # kept at this data version
    a_write(5)
    served = refreshed.served("test-figure", w["xian"], "a")
    assert (served.value["value"], served.stale) == (5, False)
    assert len(CALLS) == 2 and asked.tasks == []


def test_a_costly_scope_is_served_as_it_was_while_the_worker_refreshes_it(
    w, asked, settings
):
    settings.DUIKOU_REFRESH_IN_WORKER_AFTER = 0  # every computation counts as costly
    with translation.override("zh-hans"):
        first = refreshed.served("test-figure", w["sheng"], "a")
        a_write(7)
        stale = refreshed.served("test-figure", w["sheng"], "a")
        again = refreshed.served("test-figure", w["sheng"], "a")
    assert first.value["value"] == 0 and not first.stale
    assert stale.value["value"] == 0 and stale.stale
    assert stale.computed_at == first.computed_at
    assert again.stale
    # Asked once for this data version, with what the worker needs to compute it.
    assert asked.tasks == [
        (refreshed.TASK, __name__, "test-figure", w["sheng"].pk, "zh-hans", ["a"])
    ]
    assert len(CALLS) == 1
    _name, *args = asked.tasks[0]
    refreshed.refresh(*args)  # the worker
    assert CALLS[-1] == (w["sheng"].pk, "a", "zh-hans")
    with translation.override("zh-hans"):
        fresh = refreshed.served("test-figure", w["sheng"], "a")
    assert (fresh.value["value"], fresh.stale) == (7, False)


def test_the_same_scope_shares_the_figures_another_language_does_not(w, asked):
    refreshed.served("test-figure", w["sheng"], "a")
    refreshed.served("test-figure", w["sheng"], "b")
    with translation.override("en"):
        refreshed.served("test-figure", w["sheng"], "a")
    refreshed.served("test-figure", w["xian"], "a")
    assert [(label, language) for _u, label, language in CALLS] == [
        ("a", "zh-hans"),
        ("b", "zh-hans"),
        ("a", "en"),
        ("a", "zh-hans"),
    ]


def test_a_broker_that_takes_no_task_costs_a_computation_not_stale_figures(
    w, asked, settings
):
    settings.DUIKOU_REFRESH_IN_WORKER_AFTER = 0
    refreshed.served("test-figure", w["sheng"], "a")
    a_write(3)
    asked.down = True
    served = refreshed.served("test-figure", w["sheng"], "a")
    assert (served.value["value"], served.stale) == (3, False)
    asked.down = False
    a_write(4)  # asked next time: the failed ask was not remembered
    assert refreshed.served("test-figure", w["sheng"], "a").stale
    assert len(asked.tasks) == 1


def test_figures_older_than_the_limit_are_computed_in_the_request(
    w, asked, settings, monkeypatch
):
    settings.DUIKOU_REFRESH_IN_WORKER_AFTER = 0
    settings.DUIKOU_STALE_MAX_SECONDS = 3600
    refreshed.served("test-figure", w["sheng"], "a")
    a_write(9)
    later = timezone.now() + dt.timedelta(seconds=3601)
    monkeypatch.setattr(refreshed.timezone, "now", lambda: later)
    served = refreshed.served("test-figure", w["sheng"], "a")
    assert (served.value["value"], served.stale) == (9, False)
    assert asked.tasks == []


def test_the_worker_never_builds_on_figures_being_refreshed(w, asked, settings):
    """The dashboard's warnings card reads the warnings, also kept: refreshed in
    the worker, it reads them at the current version."""
    settings.DUIKOU_REFRESH_IN_WORKER_AFTER = 0

    @refreshed.refreshable("test-outer")
    def outer(user):
        return refreshed.served("test-figure", user, "inner").value["value"] * 10

    assert refreshed.served("test-outer", w["sheng"]).value == 0
    a_write(2)
    assert refreshed.served("test-outer", w["sheng"]).stale
    _name, *args = asked.tasks[0]
    refreshed.refresh(*args)
    assert refreshed.served("test-outer", w["sheng"]).value == 20


def test_the_dashboard_says_when_its_figures_are_being_updated(
    w, client, asked, settings, monkeypatch
):
    """A province's dashboard after a write: the figures as they were, with the
    time they were computed (local time), until the worker has refreshed them."""
    settings.DUIKOU_REFRESH_IN_WORKER_AFTER = 0
    client.force_login(w["sheng"])
    before = timezone.localtime()
    page = client.get(reverse("home")).content.decode()
    after = timezone.localtime()
    assert 'id="dashboard-updating"' not in page
    freshness._renew()
    page = client.get(reverse("home")).content.decode()
    line = re.search(r'id="dashboard-updating">(.*?)</p>', page, re.S).group(1)
    shown = re.search(r"以下为 (\d\d:\d\d) 的统计", line).group(1)
    assert shown in {f"{before:%H:%M}", f"{after:%H:%M}"}  # local time, not UTC
    assert "请稍后刷新页面查看" in line
    names = {task[2] for task in asked.tasks}
    assert names >= {"dashboard", "dashboard-warnings", "dashboard-years"}
    for _task, *args in asked.tasks:
        refreshed.refresh(*args)
    page = client.get(reverse("home")).content.decode()
    assert 'id="dashboard-updating"' not in page


def test_figures_of_an_earlier_day_are_out_of_date(w, asked, settings, monkeypatch):
    """The figures move with the date (the current semester, the days left): the
    first view of a day is served as it was, marked, while the worker computes it
    for the day (a costly scope), or computed at once (a cheap one)."""
    refreshed.served("test-figure", w["sheng"], "a")
    DATA["value"] = 1
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(refreshed.timezone, "localdate", lambda: tomorrow)
    settings.DUIKOU_REFRESH_IN_WORKER_AFTER = 10
    cheap = refreshed.served("test-figure", w["sheng"], "a")
    assert (cheap.value["value"], cheap.stale) == (1, False)
    settings.DUIKOU_REFRESH_IN_WORKER_AFTER = 0
    DATA["value"] = 2
    day_after = tomorrow + dt.timedelta(days=1)
    monkeypatch.setattr(refreshed.timezone, "localdate", lambda: day_after)
    costly = refreshed.served("test-figure", w["sheng"], "a")
    assert (costly.value["value"], costly.stale) == (1, True)
    assert len(asked.tasks) == 1


def test_the_dashboard_dates_figures_of_an_earlier_day(w, client, settings):
    settings.DUIKOU_REFRESH_IN_WORKER_AFTER = 0
    settings.DUIKOU_STALE_MAX_SECONDS = 2 * 24 * 3600
    client.force_login(w["sheng"])
    client.get(reverse("home"))
    key = next(k for k in _kept_keys() if ":dashboard:" in k)
    version, _day, computed_at, took, value = refreshed.cache.get(key)
    yesterday = computed_at - dt.timedelta(days=1)
    refreshed.cache.set(key, (version, yesterday.date(), yesterday, took, value), 3600)
    page = client.get(reverse("home")).content.decode()
    line = re.search(r'id="dashboard-updating">(.*?)</p>', page, re.S).group(1)
    local = timezone.localtime(yesterday)
    assert f"以下为 {local.year}年{local.month}月{local.day}日" in line


def _kept_keys():
    """The keys sheng's dashboards were kept under (the cache in tests is a folder
    that lists no keys: rebuilt for the years the page may have opened on)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="sheng")
    year = timezone.localdate().year
    keys = (
        refreshed._key("dashboard", user, "zh-hans", (y,))
        for y in range(year - 6, year + 1)
    )
    return [k for k in keys if refreshed.cache.get(k) is not None]


def test_the_worker_warms_what_recent_users_open_on(w, client, monkeypatch, settings):
    """Beat's ``core.warm_figures``: for each scope signed in within the last days,
    the figures its dashboard opens on are computed where they are missing or out
    of date, once per scope; the next view computes nothing; a user not seen for
    longer is not warmed."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    from core.tasks import warm_figures

    computed = []
    real = refreshed._COMPUTATIONS["dashboard"]

    def counting(user, *args):
        computed.append(user.username)
        return real(user, *args)

    monkeypatch.setitem(refreshed._COMPUTATIONS, "dashboard", counting)
    users = get_user_model().objects
    now = timezone.now()
    users.update(last_login=None)
    users.filter(pk__in=[w["xian"].pk, w["sheng"].pk]).update(last_login=now)
    cache.clear()
    assert warm_figures() == 2
    assert sorted(computed) == ["sheng", "xian"]
    assert settings.CELERY_BEAT_SCHEDULE["warm-figures"]["task"] == "core.warm_figures"
    # Kept and current: a second pass and the page compute nothing.
    computed.clear()
    assert warm_figures() == 2 and computed == []
    client.force_login(w["xian"])
    assert client.get(reverse("home")).status_code == 200
    assert computed == []
    # After a write, the next pass computes them afresh, before anyone looks.
    freshness._renew()
    warm_figures()
    assert sorted(computed) == ["sheng", "xian"]
    # Not signed in for longer than the days given: not warmed.
    users.filter(pk=w["sheng"].pk).update(last_login=now - dt.timedelta(days=31))
    freshness._renew()
    computed.clear()
    assert warm_figures() == 1
    assert computed == ["xian"]
