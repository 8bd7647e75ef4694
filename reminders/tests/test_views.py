"""Channel pages: bureau staff of the region configure them, nobody else sees them
(404); the secret and the robot's key are never shown back; every write is in the
audit trail; the test button and the board's 催报 only queue, so a failing robot or
a broker that is down never breaks the page."""

import pytest
from django.contrib.contenttypes.models import ContentType

from core.models import AuditEntry
from reminders.models import Channel, Delivery, Reminder

pytestmark = pytest.mark.django_db

SECRET = "SECa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0wxyz"
KEY = "0123456789abcdef-robotkey"


def group(w, hook=None, **kwargs):
    kwargs.setdefault("school", w["a1r"])
    url = (
        hook.url("/robot/send", f"access_token={KEY}")
        if hook
        else (f"https://oapi.dingtalk.com/robot/send?access_token={KEY}")
    )
    return Channel.objects.create(
        kind="dingtalk",
        name="历下乡村小学钉钉群",
        webhook_url=url,
        secret=SECRET,
        **kwargs,
    )


def login(client, user):
    client.force_login(user)
    return client


def test_a_bureau_adds_a_channel_and_the_audit_masks_its_secrets(client, w):
    client = login(client, w["xian"])
    response = client.post(
        "/reminders/channels/add/",
        {
            "kind": "dingtalk",
            "name": "历下区钉钉群",
            "region": w["A1"].pk,
            "webhook_url": f"https://oapi.dingtalk.com/robot/send?access_token={KEY}",
            "secret": SECRET,
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get(name="历下区钉钉群")
    assert channel.secret == SECRET
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Channel),
        object_id=str(channel.pk),
    )
    assert entry.action == "create" and entry.username == "xian"
    assert entry.changes["secret"] == [None, "***"]
    assert KEY not in str(entry.changes)


def test_a_bureau_cannot_place_a_channel_outside_its_region(client, w):
    client = login(client, w["xian"])
    response = client.post(
        "/reminders/channels/add/",
        {
            "kind": "wecom",
            "name": "外区",
            "school": w["b1r"].pk,
            "webhook_url": "https://qyapi.weixin.qq.com/x?key=1",
        },
    )
    assert response.status_code == 200  # the form with its error
    assert not Channel.objects.filter(name="外区").exists()


def test_secrets_are_never_rendered_in_full(client, w):
    channel = group(w)
    client = login(client, w["xian"])
    for url in (
        f"/reminders/channels/{channel.pk}/",
        f"/reminders/channels/{channel.pk}/edit/",
        "/reminders/channels/",
        f"/history/reminders/channel/{channel.pk}/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert SECRET not in text and SECRET[:-4] not in text, url
        assert KEY not in text, url
    assert "wxyz" in client.get(f"/reminders/channels/{channel.pk}/").content.decode()


def test_an_edit_that_leaves_the_secrets_empty_keeps_them(client, w):
    channel = group(w)
    client = login(client, w["xian"])
    response = client.post(
        f"/reminders/channels/{channel.pk}/edit/",
        {
            "kind": "dingtalk",
            "name": "改名的群",
            "school": w["a1r"].pk,
            "webhook_url": "",
            "secret": "",
            "enabled": "on",
            "version": channel.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    channel.refresh_from_db()
    assert (channel.name, channel.secret) == ("改名的群", SECRET)
    assert KEY in channel.webhook_url


@pytest.mark.parametrize("role", ["xian_b1", "xuexiao", "duxue", "school_b1"])
def test_outside_the_bureau_a_channel_is_404(client, w, role):
    channel = group(w)
    client = login(client, w[role])
    base = f"/reminders/channels/{channel.pk}/"
    for url in (base, base + "edit/", base + "delete/"):
        assert client.get(url).status_code == 404, url
    assert client.post(base + "test/").status_code == 404
    assert client.post(base + "delete/").status_code == 404
    listing = client.get("/reminders/channels/")
    if role == "xian_b1":  # another county's bureau: its own list, without it
        assert channel.name not in listing.content.decode()
    else:
        assert listing.status_code == 404
    assert Channel.objects.filter(pk=channel.pk).exists()
    assert not Reminder.objects.filter(kind="test").exists()


@pytest.mark.parametrize("role", ["xian", "shi", "sheng", "admin"])
def test_the_bureaus_above_see_the_channel(client, w, role):
    channel = group(w)
    client = login(client, w[role])
    assert client.get(f"/reminders/channels/{channel.pk}/").status_code == 200


def test_the_test_button_queues_a_message_to_that_channel(
    client, w, hook, inline_worker, django_capture_on_commit_callbacks
):
    channel = group(w, hook)
    Channel.objects.create(
        kind="wecom", name="另一个群", webhook_url=hook.url(), region=w["A1"]
    )
    client = login(client, w["xian"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reminders/channels/{channel.pk}/test/")
    assert response.status_code == 302
    assert len(hook.requests) == 1
    assert hook.requests[0].path == "/robot/send"
    test = Reminder.objects.get(kind="test")
    assert test.acted_at is not None  # never escalated
    page = client.get(f"/reminders/channels/{channel.pk}/").content.decode()
    assert 'id="deliveries"' in page
    assert Delivery.objects.get(reminder=test).status == "sent"


def _board_remind(client, w):
    return client.post(
        "/reports/board/remind/", {"period": w["period"].pk, "region": w["A1"].pk}
    )


def test_the_board_reminds_through_the_robots_and_survives_a_failing_one(
    client, w, hook, inline_worker, django_capture_on_commit_callbacks, settings
):
    settings.DUIKOU_REMINDER_MAX_ATTEMPTS = 2
    hook.script = [(500, {"errmsg": "down"})] * 10
    group(w, hook)
    client = login(client, w["xian"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _board_remind(client, w)
    assert response.status_code == 302
    reminder = Reminder.objects.get(kind="report_deadline", school=w["a1r"])
    assert reminder.key == f"period-{w['period'].pk}/school-{w['a1r'].pk}"
    assert reminder.created_by == w["xian"]
    rows = list(reminder.deliveries.values_list("target", "attempt", "status"))
    assert rows == [("channel", 1, "failed"), ("channel", 2, "failed")]


def test_the_board_answers_while_the_broker_is_down(
    client, w, hook, monkeypatch, django_capture_on_commit_callbacks
):
    from celery import current_app

    def down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(current_app, "send_task", down)
    group(w, hook)
    client = login(client, w["xian"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _board_remind(client, w)
    assert response.status_code == 302
    reminder = Reminder.objects.get(kind="report_deadline", school=w["a1r"])
    assert reminder.fanned_out_at is None  # the sweeper queues it again
    assert hook.requests == []


def test_reminders_are_read_within_scope(client, w):
    from reminders import services

    r = services.remind(kind="warning", key="p-1", subject="预警", school=w["a1r"])
    for role, status in (
        ("xuexiao", 200),
        ("duxue", 200),
        ("xian", 200),
        ("xian_b1", 404),
        ("school_b1", 404),
    ):
        client = login(client, w[role])
        assert client.get(f"/reminders/sent/{r.pk}/").status_code == status, role


def test_lists_cost_the_same_queries_however_many_rows(client, w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reminders import services

    client = login(client, w["xian"])

    def add(n):
        for i in range(n):
            Channel.objects.create(
                kind="wecom",
                name=f"群{i}",
                webhook_url="https://x.cn/?key=1",
                school=w["a1r"] if i % 2 else None,
                region=None if i % 2 else w["A1"],
            )
            services.remind(
                kind="warning", key=f"k{i}", subject=f"预警{i}", school=w["a1r"]
            )

    def cost(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add(1)
    for url in ("/reminders/channels/", "/reminders/sent/"):
        cost(url)  # warm the per-process caches
    few = [cost("/reminders/channels/"), cost("/reminders/sent/")]
    add(6)
    assert [cost("/reminders/channels/"), cost("/reminders/sent/")] == few


def test_the_menu_offers_channels_to_bureaus_only(client, w):
    assert "/reminders/channels/" in login(client, w["xian"]).get("/").content.decode()
    page = login(client, w["xuexiao"]).get("/").content.decode()
    assert "/reminders/channels/" not in page
    assert "/reminders/sent/" in page


def test_the_sweeper_queues_again_what_never_went_out(w, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from reminders import services

    queued = []

    def wake(name, *args):
        queued.append((name, args))
        return True

    monkeypatch.setattr(services, "wake", wake)
    r = services.remind(kind="warning", key="k", subject="预警", school=w["a1r"])
    assert services.sweep() == 0  # too fresh: its own fan-out may be on its way
    assert services.sweep(now=timezone.now() + dt.timedelta(minutes=5)) == 1
    assert queued == [("reminders.fan_out", (r.pk,))]
