"""New persons and secondments are made by their services (``person_prepare``,
``secondment_prepare``) rather than through the page's form: a row the page's
form would refuse is refused on the same column with the same words, and the
forms hold no rule of their own that the services would miss."""

import pytest
from django import forms
from django.utils import translation

from dispatch import services
from dispatch.forms import PersonForm, SecondmentForm, SecondmentRules
from dispatch.models import Person, Secondment
from imports.tests.test_types import teacher_row, upload_secondments
from imports.types import REGISTRY
from tests import world
from tests.test_api import secondment_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


def _form_errors(form_class, user, data) -> dict[str, list[str]]:
    with translation.override("zh-hans"):
        form = form_class(data, user=user)
        assert not form.is_valid()
        return {name: [str(m) for m in errors] for name, errors in form.errors.items()}


def _secondment_data(w, **more) -> dict:
    """The page's form data for 周八's secondment (``teacher_row``), 周八 being
    stored first: the page picks a stored person."""
    person = Person.objects.create(
        name="周八", gender="F", home_school=w["a1s"], subject="chinese"
    )
    teacher = {
        "person": person.pk,
        "batch": 1,
        "planned_start": "2024-09-01",
        "planned_end": "2025-01-15",
        "status": "planned",
        "subject": "chinese",
        "weekly_periods": 0,
    }
    return secondment_payload(w, **{**teacher, **more})


@pytest.mark.parametrize(
    ("cells", "on_the_page", "fields"),
    [
        (
            {"工作职责": "听课评课" * 51},
            {"duties": "听课评课" * 51},
            {"duties": "工作职责"},
        ),
        # The sending school on the receiving side, as the direction says it
        # should not be: the rule across rows (``secondment_check``).
        (
            {
                "派出学校": "历下乡村小学",
                "接收学校": "历下实验小学",
                "派驻方向": "支援方→受援方",
            },
            {"sending_school": "a1r", "host_school": "a1s"},
            {"sending_school": "派出学校", "host_school": "接收学校"},
        ),
        (
            {"计划开始日期": "2020-09-01"},
            {"planned_start": "2020-09-01"},
            {"planned_start": "计划开始日期"},
        ),
    ],
)
def test_a_new_secondment_is_refused_as_the_page_refuses_it(
    w, cells, on_the_page, fields
):
    job = upload_secondments(w["xian"], teacher_row(**cells))
    assert job.counts["error"] == 1
    said = {p["header"]: p["message"] for p in job.problems}
    assert set(said) == set(fields.values()), job.problems

    schools = {"a1r": w["a1r"].pk, "a1s": w["a1s"].pk}
    data = _secondment_data(w, **{k: schools.get(v, v) for k, v in on_the_page.items()})
    page = _form_errors(SecondmentForm, w["xian"], data)
    assert set(page) == set(fields)
    for field, header in fields.items():
        for message in page[field]:
            assert message in said[header]


def test_a_new_person_is_refused_as_the_page_refuses_them(w):
    honours = "教坛新星" * 51  # 204 characters; the page takes 200
    job = upload_secondments(w["xian"], teacher_row(荣誉称号=honours))
    assert job.counts["error"] == 1
    (problem,) = job.problems
    assert problem["header"] == "荣誉称号"
    page = _form_errors(
        PersonForm,
        w["xian"],
        {
            "name": "周八",
            "gender": "F",
            "home_school": w["a1s"].pk,
            "role": "teacher",
            "subject": "chinese",
            "title": "none",
            "honours": honours,
        },
    )
    assert list(page) == ["honours"]
    assert page["honours"] == [problem["message"]]
    assert not Person.objects.filter(name="周八").exists()


def test_a_new_secondments_required_relation_left_empty_is_refused():
    """The foreign keys given are not asked of the database; one not given is
    still refused as the model refuses it."""
    with pytest.raises(forms.ValidationError) as refused:
        services.secondment_prepare(direction="to_receiving", kind="teaching")
    assert {"person", "pairing", "sending_school", "host_school"} <= set(
        refused.value.error_dict
    )


@pytest.mark.parametrize(
    ("form_class", "rules"),
    [(PersonForm, forms.ModelForm.clean), (SecondmentForm, SecondmentRules.clean)],
)
def test_the_forms_of_records_made_by_services_hold_no_rule_of_their_own(
    form_class, rules
):
    """The import makes these types' new records by their services: a rule
    added to the page's form alone would not be checked there. Moving it into
    the model or the service (where the form calls it) keeps the two equal."""
    assert {t.prepare_new for t in REGISTRY.values() if t.prepare_new} == {
        services.person_prepare,
        services.secondment_prepare,
    }
    assert form_class.clean is rules
    assert not [n for n in dir(form_class) if n.startswith("clean_")]
    own = {n for n in form_class.declared_fields}
    assert own <= {"version"}
    assert form_class._meta.model in (Person, Secondment)
