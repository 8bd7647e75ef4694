"""A real Celery worker on Redis computes a province's dashboard afresh after a
write: the page first shows the figures as they were, marked, then the new ones.
Needs Redis (skipped without it; a failure with CI=true)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from dispatch.models import Activity
from tests import world
from tests.workers import celery_worker, wait_for, worker_env

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def activities_shown(page: str) -> int:
    found = re.search(
        r"活动</div><div class=\"value\">(\d+)</div>", page.replace("\n", "")
    )
    assert found, "no activity figure on the dashboard"
    return int(found.group(1))


def test_a_real_worker_refreshes_the_dashboard_after_a_write(
    client, settings, tmp_path
):
    w = world.build()
    settings.DUIKOU_REFRESH_IN_WORKER_AFTER = 0  # the world is small: treat as costly
    client.force_login(w["sheng"])
    start = w["period"].start
    year = start.year if start.month >= 9 else start.year - 1  # its school year
    url = f"{reverse('home')}?year={year}"
    before = client.get(url).content.decode()
    assert 'id="dashboard-updating"' not in before
    count = activities_shown(before)
    with celery_worker(worker_env(), log_path=tmp_path / "worker.log"):
        Activity.objects.create(  # committed: a new data version
            pairing=w["pA1"], kind="lecture", title="讲座",
            date=w["period"].start + dt.timedelta(days=3), host_side="joint",
        )  # fmt: skip
        stale = client.get(url).content.decode()
        assert 'id="dashboard-updating"' in stale
        assert activities_shown(stale) == count

        pages = []

        def refreshed():
            pages.append(client.get(url).content.decode())
            return 'id="dashboard-updating"' not in pages[-1]

        done = wait_for(refreshed, timeout=90, interval=0.5)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert done, log[-3000:]
    assert activities_shown(pages[-1]) == count + 1
