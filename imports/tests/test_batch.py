"""Several secondments at once on a pairing's page, persons created inline; all
rows saved together or none."""

import datetime as dt

import pytest

from dispatch.models import Person, Secondment
from tests import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


def line(n, **cells):
    return {f"r{n}-{k}": v for k, v in cells.items()}


def good(w, n, name, **more):
    cells = {
        "name": name,
        "gender": "女",
        "subject": "语文",
        "sending_school": w["a1s"].code,
        "host_school": w["a1r"].code,
        "kind": "支教",
        "planned_start": "2024-09-01",
        "planned_end": "2025-01-15",
        "stint_start": "2024-09-02",
        "stint_end": "2024-12-20",
    }
    return line(n, **{**cells, **more})


def test_the_pairing_page_links_to_batch_entry(w, client):
    client.force_login(w["xian"])
    page = client.get(f"/pairings/{w['pA1'].pk}/").content.decode()
    assert f'href="/pairings/{w["pA1"].pk}/secondments/batch/"' in page
    form = client.get(f"/pairings/{w['pA1'].pk}/secondments/batch/").content.decode()
    assert w["a1s"].name in form and w["a1r"].name in form
    assert w["b1s"].name not in form


def test_several_secondments_with_a_new_and_a_known_person(w, client):
    client.force_login(w["xian"])
    known = Person.objects.get(name="A1老师")
    data = {
        "rows": "5",
        **good(w, 0, "新来的老师"),
        **good(
            w,
            1,
            known.name,
            id_number=known.id_number,
            planned_start="2025-02-01",
            planned_end="2025-06-30",
            stint_start="2025-02-10",
            stint_end="2025-06-20",
        ),
    }
    response = client.post(f"/pairings/{w['pA1'].pk}/secondments/batch/", data)
    assert response.status_code == 302
    new = Person.objects.get(name="新来的老师")
    assert new.home_school == w["a1s"]
    secondment = Secondment.objects.get(person=new)
    assert secondment.pairing == w["pA1"]
    assert [(s.start, s.end) for s in secondment.stints.all()] == [
        (dt.date(2024, 9, 2), dt.date(2024, 12, 20))
    ]
    assert Secondment.objects.filter(
        person=known, planned_start=dt.date(2025, 2, 1)
    ).exists()
    assert Person.objects.filter(name=known.name).count() == 1


def test_a_bad_line_saves_nothing_and_says_where(w, client):
    client.force_login(w["xian"])
    data = {
        "rows": "5",
        **good(w, 0, "甲老师"),
        **good(w, 1, "乙老师", planned_start="2020-09-01"),
    }
    response = client.post(f"/pairings/{w['pA1'].pk}/secondments/batch/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "is-invalid" in page
    assert "乙老师" in page and "甲老师" in page  # what was typed stays
    assert not Person.objects.filter(name__in=["甲老师", "乙老师"]).exists()


def test_another_countys_pairing_is_not_found_and_school_staff_may_not(w, client):
    client.force_login(w["xian"])
    assert client.get(f"/pairings/{w['pL'].pk}/secondments/batch/").status_code == 404
    client.force_login(w["xuexiao"])
    assert client.get(f"/pairings/{w['pA1'].pk}/secondments/batch/").status_code == 403


def test_a_school_outside_the_pairing_is_refused_by_the_secondment_rule(w, client):
    """The batch form offers only the pairing's schools; a request naming another
    school meets the secondment rule of ``dispatch.services`` (the sides)."""
    client.force_login(w["xian"])
    data = {"rows": "5", **good(w, 0, "甲老师", host_school=w["a1t"].code)}
    response = client.post(f"/pairings/{w['pA1'].pk}/secondments/batch/", data)
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not Person.objects.filter(name="甲老师").exists()
