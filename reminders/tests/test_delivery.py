"""One delivery against the fake robot: the payloads of 企业微信 and 钉钉, the
钉钉 signature, retries after a server error, no retry after a refusal, and a
record of every attempt."""

import base64
import hashlib
import hmac

import pytest
from django.core import mail
from django.utils import translation

from reminders import services, tasks
from reminders.choices import ReminderKind
from reminders.models import Channel, Delivery

pytestmark = pytest.mark.django_db


def channel(w, kind, url, secret="", **kwargs):
    return Channel.objects.create(
        kind=kind, name=f"{kind} 群", webhook_url=url, secret=secret, **kwargs
    )


def reminder(w, **kwargs):
    kwargs.setdefault("school", w["a1r"])
    return services.remind(
        kind="report_deadline",
        key="period-1/school-1",
        subject="请报送 2024 秋季学期总结",
        link="/reports/mine/",
        to_staff=False,
        **kwargs,
    )


def send(r, target, value):
    return tasks.send.apply(args=[r.pk, target, value])


def test_wecom_gets_a_markdown_message(w, hook, settings):
    settings.DUIKOU_SITE_URL = "https://duikou.example.cn"
    group = channel(w, "wecom", hook.url(), school=w["a1r"])
    r = reminder(w)
    assert send(r, "channel", group.pk).get() == "sent"
    (request,) = hook.requests
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": ["k-12345678"]}
    assert request.body["msgtype"] == "markdown"
    assert set(request.body["markdown"]) == {"content"}
    content = request.body["markdown"]["content"]
    assert "请报送 2024 秋季学期总结" in content
    assert "历下乡村小学" in content
    assert "https://duikou.example.cn/reports/mine/" in content
    delivery = Delivery.objects.get(reminder=r)
    assert (delivery.status, delivery.attempt, delivery.http_status) == ("sent", 1, 200)
    assert delivery.channel == group


def test_dingtalk_is_signed_with_the_secret(w, hook):
    secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
    query = "access_token=tok-1"
    group = channel(
        w, "dingtalk", hook.url("/robot/send", query), secret, region=w["A1"]
    )
    r = reminder(w)
    assert send(r, "channel", group.pk).get() == "sent"
    (request,) = hook.requests
    assert request.path == "/robot/send"
    assert request.query["access_token"] == ["tok-1"]
    timestamp = request.query["timestamp"][0]
    # Recomputed here from the recorded timestamp, as 钉钉 does.
    expected = base64.b64encode(
        hmac.new(
            secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256
        ).digest()
    ).decode()
    assert request.query["sign"] == [expected]  # parse_qs URL-decodes it once
    assert "%" in request.raw_query.split("sign=")[1] or "+" not in expected
    body = request.body
    assert body["msgtype"] == "markdown"
    with translation.override("zh-hans"):
        assert body["markdown"]["title"] == str(ReminderKind.REPORT_DEADLINE.label)
    assert "请报送" in body["markdown"]["text"]


def test_dingtalk_without_a_secret_is_not_signed(w, hook):
    group = channel(
        w, "dingtalk", hook.url("/robot/send", "access_token=t"), school=w["a1r"]
    )
    send(reminder(w), "channel", group.pk)
    assert set(hook.requests[0].query) == {"access_token"}


def test_a_server_error_is_retried_until_it_succeeds(w, hook):
    hook.script = [(500, {"errmsg": "busy"}), (502, {"errmsg": "bad gateway"})]
    group = channel(w, "wecom", hook.url(), school=w["a1r"])
    r = reminder(w)
    assert send(r, "channel", group.pk).get() == "sent"
    attempts = list(
        Delivery.objects.filter(reminder=r).values_list(
            "attempt", "status", "http_status", "will_retry"
        )
    )
    assert attempts == [
        (1, "failed", 500, True),
        (2, "failed", 502, True),
        (3, "sent", 200, False),
    ]
    assert len(hook.requests) == 3


def test_attempts_stop_at_the_limit(w, hook, settings):
    settings.DUIKOU_REMINDER_MAX_ATTEMPTS = 3
    hook.script = [(503, {})] * 5
    group = channel(w, "wecom", hook.url(), school=w["a1r"])
    r = reminder(w)
    assert send(r, "channel", group.pk).get() == "failed"
    rows = list(
        Delivery.objects.filter(reminder=r).values_list("attempt", "will_retry")
    )
    assert rows == [(1, True), (2, True), (3, False)]


@pytest.mark.parametrize(
    "answer",
    [
        (404, {"errmsg": "not found"}),
        (200, {"errcode": 93000, "errmsg": "invalid key"}),
    ],
)
def test_a_refusal_is_not_retried(w, hook, answer):
    hook.script = [answer]
    group = channel(w, "wecom", hook.url(), school=w["a1r"])
    r = reminder(w)
    assert send(r, "channel", group.pk).get() == "failed"
    (delivery,) = Delivery.objects.filter(reminder=r)
    assert (delivery.status, delivery.will_retry) == ("failed", False)
    assert delivery.http_status == answer[0]
    assert str(answer[1]["errmsg"]) in delivery.response
    assert len(hook.requests) == 1


def test_a_robot_that_cannot_be_reached_is_retried(w, settings):
    settings.DUIKOU_REMINDER_MAX_ATTEMPTS = 2
    settings.DUIKOU_REMINDER_WEBHOOK_TIMEOUT = 1
    # A port nothing listens on: refused at once.
    group = channel(w, "wecom", "http://127.0.0.1:9/send?key=x", school=w["a1r"])
    r = reminder(w)
    send(r, "channel", group.pk)
    rows = list(Delivery.objects.filter(reminder=r).values_list("status", "will_retry"))
    assert rows == [("failed", True), ("failed", False)]
    assert Delivery.objects.filter(reminder=r).first().http_status is None


def test_an_email_channel_sends_to_each_address(w):
    group = Channel.objects.create(
        kind="email", name="教育股", emails="a@example.cn, b@example.cn", region=w["A1"]
    )
    r = reminder(w)
    assert send(r, "channel", group.pk).get() == "sent"
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.cn", "b@example.cn"]
    assert "请报送" in mail.outbox[0].subject


def test_backoff_doubles_up_to_an_hour(settings):
    settings.DUIKOU_REMINDER_RETRY_SECONDS = 60
    assert [services.backoff(n) for n in (1, 2, 3, 8)] == [60, 120, 240, 3600]
