"""Early warning as a county clerk meets it (issue 18, item 4): three weeks or so
before the semester's end, the dashboard says which pairings will miss a rule and
the pairing's page shows each rule's forecast, on a desktop and on a phone."""

import datetime as dt

import pytest
from django.utils import timezone

from core.choices import Direction
from dispatch.models import Person, Secondment, Stint
from tests import world

from .conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = dt.date(2024, 12, 27)  # 23 days before the world's autumn semester ends


def test_county_clerk_sees_the_warnings(page, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    w = world.build()
    person = Person.objects.create(
        name="孙晓梅", gender="F", home_school=w["a1s"], subject="chinese"
    )
    secondment = Secondment.objects.create(
        person=person,
        pairing=w["pA1"],
        direction=Direction.TO_RECEIVING,
        kind="teaching",
        sending_school=w["a1s"],
        host_school=w["a1r"],
        planned_start=dt.date(2024, 9, 1),
        planned_end=dt.date(2025, 1, 19),
        subject="chinese",
    )
    Stint.objects.create(
        secondment=secondment, start=dt.date(2024, 9, 2), end=dt.date(2024, 9, 16)
    )
    log_in(page, "xian", world.PASSWORD)
    page.goto(f"{page.base}/")
    card = page.locator("#warnings")
    assert card.is_visible()
    assert "孙晓梅" in card.inner_text()
    screenshot(page, "forecast-dashboard")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "forecast-dashboard-phone")

    card.locator("a", has_text=w["pA1"].name).first.click()
    page.wait_for_load_state("networkidle")
    forecast = page.locator("#forecast")
    assert forecast.is_visible()
    assert page.locator("#forecast-warnings").is_visible()
    short = page.locator("#forecast tr[data-met=false]", has_text="孙晓梅")
    assert short.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "forecast-pairing-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.reload()
    screenshot(page, "forecast-pairing")
    assert page.errors == []
