"""Host confirmation as the host school's clerk meets it (issue 18, item 2): the
stints the sending school recorded wait on "stints to confirm"; one is confirmed,
the other sent back with a comment, on a desktop and on a 390 px phone."""

import datetime as dt

import pytest

from dispatch import services
from dispatch.choices import StintConfirmation
from dispatch.models import Secondment, Stint
from tests import world

from .conftest import log_in, photos_on_disk, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_host_school_confirms_and_sends_back(page):
    w = world.build()
    photos_on_disk(w)  # the secondment's page shows the work log's photos
    sender = world.user("paichu", "school", school_=w["a1s"])
    secondment = w["in_A1"][Secondment]
    first = services.stint_create(
        secondment=secondment,
        start=dt.date(2024, 11, 4),
        end=dt.date(2024, 11, 29),
        user=sender,
    )
    second = services.stint_create(
        secondment=secondment,
        start=dt.date(2024, 12, 2),
        end=dt.date(2024, 12, 20),
        user=sender,
    )
    log_in(page, "xuexiao", world.PASSWORD)
    page.goto(f"{page.base}/")
    assert page.locator("nav a[href='/stints/pending/']").count() >= 1  # the menu
    page.goto(f"{page.base}/stints/pending/")
    assert page.locator(".stint-answer").count() == 2
    screenshot(page, "confirmation-pending")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "confirmation-pending-phone")

    answers = page.locator(".stint-answer")
    answers.nth(0).locator("button.btn-success").click()
    page.wait_for_load_state("networkidle")
    answers = page.locator(".stint-answer")
    assert answers.count() == 1
    answers.nth(0).locator("input[name=comment]").fill("离岗日期应为12月18日")
    answers.nth(0).locator("button.btn-outline-danger").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".stint-answer").count() == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.confirmation == StintConfirmation.CONFIRMED
    assert (second.confirmation, second.host_comment) == (
        StintConfirmation.CORRECTION,
        "离岗日期应为12月18日",
    )

    page.goto(f"{page.base}/secondments/{secondment.pk}/")
    assert "离岗日期应为12月18日" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "confirmation-secondment-phone")
    assert page.errors == []
    assert Stint.objects.filter(secondment=secondment).count() == 3
