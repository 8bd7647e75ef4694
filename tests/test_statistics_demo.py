"""The yearly workbook's checks hold on the demo data (the records a user meets on
`make run`): every table for every demo bureau user and several spans, with
comparison columns, reconciles — a check that fails here would stop the user's
export."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from demo.writer import flush_demo_data
from reporting.models import ReportingPeriod
from reporting.statistics import registry
from reporting.statistics.base import Spec


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command(
            "demo_data", "--scale=small", "--seed=1", "--anchor=2026-09-01",
            "--flush", stdout=io.StringIO(),
        )  # fmt: skip
        yield
        with transaction.atomic():
            flush_demo_data(io.StringIO())


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def specs():
    semester = ReportingPeriod.objects.filter(end__lt="2026-09-01").latest("end")
    return [
        Spec(span="school_year", year=2025, compare_previous=True),
        Spec(span="calendar_year", year=2025),
        Spec(span="semester", semester=semester.pk, group="supporting_school"),
        Spec(span="range", start="2024-03-01", end="2026-08-31", group="pairing"),
    ]


@pytest.mark.parametrize("username", ["admin", "sheng", "shi", "xian", "duxue"])
def test_every_check_holds_for_every_demo_user(username):
    user = get_user_model().objects.get(username=username)
    for spec in specs():
        tables = registry.build_all(list(registry.available()), user=user, spec=spec)
        lines = [c for t in tables for c in t.checks]
        assert lines, spec
        failed = [(c.label, c.expected, c.actual) for c in lines if not c.ok]
        assert failed == [], (username, spec)
        # Rows were there to check: not an empty world.
        assert any(len(t.rows) > 2 for t in tables if isinstance(t.rows, list))


def test_demo_data_obeys_the_rules_every_way_in_obeys():
    """The demo generator writes in bulk for speed, so it does not call the services
    row by row; instead its output is held to the very same rule functions here:
    no pairing outside its programme's cycle, no secondment outside its pairing or
    on the wrong side, no stint of a person overlapping another."""
    from dispatch import services as dispatch_services
    from dispatch.models import Secondment
    from pairings import services as pairing_services
    from pairings.models import Pairing

    pairings = Pairing.objects.select_related("programme")
    assert pairings.exists()
    for pairing in pairings:
        pairing_services.pairing_check_dates(
            programme=pairing.programme,
            start_date=pairing.start_date,
            end_date=pairing.end_date,
        )
    secondments = Secondment.objects.select_related("pairing").prefetch_related(
        "stints"
    )
    assert secondments.exists()
    for secondment in secondments:
        dispatch_services.secondment_check(secondment=secondment)
        spans = [
            dispatch_services.Span(s.start, s.end, s.pk)
            for s in secondment.stints.all()
        ]
        errors = dispatch_services.stint_errors(
            secondment=secondment, spans=spans, whole=True
        )
        assert not errors, (secondment.pk, errors)
