"""A real Celery worker on Redis delivers a reminder to the fake robot: the page's
transaction commits, the fan-out and the delivery go through the broker, a 500 is
tried again after its wait, and both attempts are recorded. Needs Redis (skipped
without it; a failure with CI=true)."""

import pytest
from django.db import transaction

from reminders import services
from reminders.models import Channel, Delivery
from tests import world
from tests.workers import celery_worker, wait_for, worker_env

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_delivers_with_a_retry(hook, tmp_path):
    province = world.region("370000", "山东省", 1)
    school = world.school("历下乡村小学", province)
    channel = Channel.objects.create(
        kind="wecom", name="学校企业微信群", webhook_url=hook.url(), school=school
    )
    hook.script = [(500, {"errmsg": "busy"})]
    env = {**worker_env(), "DUIKOU_REMINDER_RETRY_SECONDS": "1"}
    with celery_worker(env, log_path=tmp_path / "worker.log"):
        with transaction.atomic():
            reminder = services.remind(
                kind="report_deadline",
                key="period-1/school-1",
                subject="请报送学期总结",
                school=school,
            )

        def delivered():
            sent = Delivery.objects.filter(
                reminder=reminder, channel=channel, status="sent"
            )
            return sent.exists()

        ok = wait_for(delivered, timeout=90)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert ok, log[-3000:]
    rows = list(
        Delivery.objects.filter(reminder=reminder, channel=channel)
        .order_by("attempt")
        .values_list("attempt", "status", "http_status")
    )
    assert rows == [(1, "failed", 500), (2, "sent", 200)]
    assert len(hook.requests) == 2
    assert "请报送学期总结" in hook.requests[1].body["markdown"]["content"]
