import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pairings.tests.factories import SchoolFactory
from reporting.models import ReportingPeriod, SemesterReport
from reporting.tests.factories import ReportingPeriodFactory, SemesterReportFactory

pytestmark = pytest.mark.django_db


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def period(**dates):
    values = dict(
        school_year=2024,
        semester="autumn",
        start=dt.date(2024, 9, 1),
        end=dt.date(2025, 1, 19),
        deadline=dt.date(2025, 2, 10),
        lock_date=dt.date(2025, 3, 1),
    )
    values.update(dates)
    return ReportingPeriod(**values)


class TestReportingPeriodDates:
    @pytest.mark.parametrize(
        ("dates", "message"),
        [
            ({"end": dt.date(2024, 9, 1)}, "学期结束日期必须晚于开始日期"),
            ({"deadline": dt.date(2024, 8, 31)}, "报送截止日期不能早于学期开始日期"),
            ({"lock_date": dt.date(2025, 2, 9)}, "锁定日期不能早于报送截止日期"),
        ],
    )
    def test_dates_are_ordered(self, dates, message):
        with pytest.raises(ValidationError) as exc:
            period(**dates).full_clean()
        assert message in messages(exc.value)
        with transaction.atomic(), pytest.raises(IntegrityError):
            period(**dates).save()

    def test_a_well_ordered_period_is_accepted(self):
        p = period()
        p.full_clean()
        p.save()
        assert str(p) == "2024-2025 秋季学期"

    def test_one_period_per_semester(self):
        ReportingPeriodFactory()
        with pytest.raises(ValidationError) as exc:
            period().full_clean()
        assert "该学期已有报送周期" in messages(exc.value)


class TestOneReportPerSchoolAndPeriod:
    def test_second_report_is_refused(self):
        report = SemesterReportFactory()
        duplicate = SemesterReport(school=report.school, period=report.period)
        with pytest.raises(ValidationError) as exc:
            duplicate.full_clean()
        assert "该学校在此报送周期已有学期报告" in messages(exc.value)
        with transaction.atomic(), pytest.raises(IntegrityError):
            duplicate.save()

    def test_other_school_same_period_is_fine(self):
        report = SemesterReportFactory()
        other = SemesterReport(school=SchoolFactory(), period=report.period)
        other.full_clean()
