"""IdsFirstPaginator gives the pages Django's paginator gives, rows and order."""

import pytest
from django.core.paginator import Paginator

from core.paginator import IdsFirstPaginator
from reporting.models import SemesterReport
from tests import world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("per_page", "orphans"), [(2, 0), (3, 1), (50, 0)])
def test_same_pages_as_djangos_paginator(per_page, orphans):
    world.build()
    reports = SemesterReport.objects.select_related("school__region", "period")
    ordered = reports.order_by("-period__start", "school__region__path", "-pk")
    assert ordered.count() >= 3
    plain = Paginator(ordered, per_page, orphans=orphans)
    ids_first = IdsFirstPaginator(ordered, per_page, orphans=orphans)
    assert ids_first.num_pages == plain.num_pages
    for number in plain.page_range:
        expected = list(plain.page(number))
        got = list(ids_first.page(number))
        assert [r.pk for r in got] == [r.pk for r in expected]
        # The joined rows come along (no query per row for the school's region).
        assert [r.school.region.name for r in got] == [
            r.school.region.name for r in expected
        ]


def test_an_empty_list_has_one_empty_page():
    page = IdsFirstPaginator(SemesterReport.objects.none(), 50).get_page(1)
    assert list(page) == [] and page.paginator.count == 0
