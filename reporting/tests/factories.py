import datetime as dt

import factory
from factory.django import DjangoModelFactory

from pairings.tests.factories import SchoolFactory
from reporting import models
from reporting.choices import Semester


class ReportingPeriodFactory(DjangoModelFactory):
    class Meta:
        model = models.ReportingPeriod
        django_get_or_create = ("school_year", "semester")

    school_year = 2024
    semester = Semester.AUTUMN
    start = dt.date(2024, 9, 1)
    end = dt.date(2025, 1, 19)
    deadline = dt.date(2025, 2, 10)
    lock_date = dt.date(2025, 3, 1)


class SemesterReportFactory(DjangoModelFactory):
    class Meta:
        model = models.SemesterReport

    school = factory.SubFactory(SchoolFactory)
    period = factory.SubFactory(ReportingPeriodFactory)
