"""Actual figures set beside an agreement's yearly targets count by school year
(1 September to 31 August), as the targets do (domain.md §5a)."""

import datetime as dt
from decimal import Decimal

import pytest

from dispatch.tests.factories import ActivityFactory
from pairings.choices import TargetMetric as M
from pairings.models import AgreementTarget
from pairings.tests.factories import PairingFactory
from projects.models import FundingLine
from reporting.compliance import engine as compliance

pytestmark = pytest.mark.django_db
D = dt.date


def test_actuals_follow_the_school_year():
    pairing = PairingFactory()
    for day in (D(2024, 10, 1), D(2025, 3, 1), D(2025, 10, 1), D(2024, 8, 31)):
        ActivityFactory(pairing=pairing, kind="lecture", date=day)
    FundingLine.objects.create(  # undated: 31 December 2024, school year 2024
        pairing=pairing, source="county", year=2024, kind="received", amount=100
    )
    FundingLine.objects.create(  # dated in February 2025: school year 2024
        pairing=pairing, source="county", year=2025, kind="received",
        date=D(2025, 2, 1), amount=Decimal("50.5"),
    )  # fmt: skip
    actual = compliance.pairing_actuals(pairing, [2024])
    # 2024-10-01 and 2025-03-01; not 2024-08-31 (2023-2024) nor 2025-10-01.
    assert actual[(2024, M.LECTURES)] == 2
    assert actual[(2024, M.FUNDS)] == Decimal("150.5")
    assert all(year == 2024 for year, _metric in actual)
    target = AgreementTarget(year=2024, metric=M.LECTURES, planned=3)
    assert target.school_year_label == "2024-2025"
