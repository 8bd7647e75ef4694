"""Each record type: imported from its template, found again by its key, and
exported back with the same cells (template → fill → import → export equals)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from core.choices import Approximation
from dispatch.choices import ActivityKind, SecondmentKind
from dispatch.models import Activity, BackboneCultivation, Person, Secondment, Stint
from imports import workbooks
from imports.choices import ImportStatus
from imports.records import Outcome
from imports.tests.helpers import confirm, headers, row_for, upload, workbook_bytes
from imports.types import REGISTRY
from pairings.models import Pairing, School, SchoolYearProfile
from projects.models import AidProject, Donation, FundingLine
from tests import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


def zh(choice) -> str:
    with translation.override("zh-hans"):
        return str(choice.label)


def imported(w, slug, *rows, user="xian"):
    job = confirm(upload(w[user], slug, workbook_bytes([headers(slug), *rows])))
    assert job.status == ImportStatus.APPLIED, job.error
    assert job.problems == [], job.problems
    return job


def exported(w, slug, queryset, user="xian") -> list[dict]:
    """The pre-filled template's rows, by header, as a clerk downloads it."""
    book = workbooks.template(REGISTRY[slug], queryset)
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    names = [c.value for c in sheet[1]]
    return [
        dict(zip(names, [c.value for c in row], strict=False))
        for row in sheet.iter_rows(min_row=2)
        if any(c.value is not None for c in row)
    ]


def same(row: dict, filled: dict):
    for header, value in filled.items():
        got = row[header]
        if isinstance(got, dt.datetime):
            got = got.date()
        if isinstance(value, Decimal) or isinstance(got, float):
            assert Decimal(str(got)) == Decimal(str(value)), header
        else:
            assert (got if got is not None else "") == value, header


def round_trip(w, slug, filled: dict, queryset):
    imported(w, slug, row_for(slug, **filled))
    rows = exported(w, slug, queryset)
    assert len(rows) == 1
    same(rows[0], filled)
    # The export imports back as it is: nothing changes.
    again = upload(
        w["xian"], slug, workbook_bytes([headers(slug), list(rows[0].values())])
    )
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 1, "error": 0}


def test_schools_with_a_yearly_profile(w):
    filled = {
        "学校标识码": "3701029999",
        "学校名称": "历下新建小学",
        "所属区域": "历下区",
    }
    filled["学段"] = _zh_choice(School, "stage", "primary")
    filled["学年"] = 2024
    filled["班级数"] = 12
    filled["小学生数"] = 480
    filled["教职工数"] = 30
    filled["专任教师数"] = 28
    imported(w, "schools", row_for("schools", **filled))
    school = School.objects.get(code="3701029999")
    assert school.region == w["A1"]
    profile = SchoolYearProfile.objects.get(school=school, school_year=2024)
    assert (profile.classes, profile.students_primary, profile.full_time_teachers) == (
        12,
        480,
        28,
    )
    rows = exported(w, "schools", School.objects.filter(pk=school.pk))
    same(
        rows[0],
        {
            k: v
            for k, v in filled.items()
            if k in ("学校标识码", "学校名称", "所属区域", "学段")
        },
    )


def test_a_profile_breaking_the_models_rule_is_an_error_on_its_row(w):
    filled = {
        "学校标识码": w["a1s"].code,
        "学校名称": w["a1s"].name,
        "所属区域": "历下区",
        "学段": _zh_choice(School, "stage", "primary"),
        "学年": 2024,
        "教职工数": 10,
        "专任教师数": 20,
    }
    job = upload(
        w["xian"],
        "schools",
        workbook_bytes([headers("schools"), row_for("schools", **filled)]),
    )
    assert job.counts["error"] == 1
    assert not SchoolYearProfile.objects.filter(school=w["a1s"]).exists()


def _zh_choice(model, field, code):
    with translation.override("zh-hans"):
        return str(dict(model._meta.get_field(field).choices)[code])


def teacher_row(**more) -> dict:
    """A secondment row's cells for 周八, seconded by 历下实验小学 to 历下乡村小学
    (the pairing 历下结对) to teach, from 2024-09-01 to 2025-01-15; ``more``
    changes or adds cells."""
    return {
        "姓名": "周八",
        "性别": "女",
        "学科": _zh_choice(Person, "subject", "chinese"),
        "派出学校": "历下实验小学",
        "接收学校": "历下乡村小学",
        "派驻类型": zh(SecondmentKind.TEACHING),
        "计划开始日期": "2024-09-01",
        "计划结束日期": "2025-01-15",
        **more,
    }


def upload_secondments(user, *rows: dict):
    """An upload of secondment rows, each given by its cells (``teacher_row``)."""
    return upload(
        user,
        "secondments",
        workbook_bytes(
            [headers("secondments"), *[row_for("secondments", **r) for r in rows]]
        ),
    )


def test_persons_round_trip(w):
    filled = {
        "姓名": "孙七",
        "性别": "男",
        "身份证号": "37010219850101123X",
        "所在学校": "历下实验小学",
        "人员类别": _zh_choice(Person, "role", "teacher"),
        "学科": _zh_choice(Person, "subject", "maths"),
        "职称": _zh_choice(Person, "title", "senior"),
        "骨干教师": "是",
        "联系电话": "13800138000",
    }
    round_trip(w, "persons", filled, Person.objects.filter(name="孙七"))


def test_secondments_with_stints_and_the_person_created_from_the_row(w):
    base = teacher_row(计划开始日期="2024年9月1日", 计划结束日期="2025.1.15")
    imported(
        w,
        "secondments",
        row_for("secondments", **base, 到岗日期="2024-09-02", 离岗日期="2024-10-31"),
        row_for("secondments", **base, 到岗日期="2024-11-05", 离岗日期="2025-01-10"),
    )
    person = Person.objects.get(name="周八")
    assert person.home_school == w["a1s"]
    secondment = Secondment.objects.get(person=person)
    assert secondment.pairing == w["pA1"]
    assert secondment.direction == "to_receiving"
    assert secondment.subject == "chinese"
    assert [(s.start, s.end) for s in secondment.stints.order_by("start")] == [
        (dt.date(2024, 9, 2), dt.date(2024, 10, 31)),
        (dt.date(2024, 11, 5), dt.date(2025, 1, 10)),
    ]
    rows = exported(w, "secondments", Secondment.objects.filter(pk=secondment.pk))
    assert [r["到岗日期"].date() for r in rows] == [
        dt.date(2024, 9, 2),
        dt.date(2024, 11, 5),
    ]
    assert {r["姓名"] for r in rows} == {"周八"}
    # The two exported rows import back as they are.
    again = upload(
        w["xian"],
        "secondments",
        workbook_bytes([headers("secondments"), *[list(r.values()) for r in rows]]),
    )
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 2, "error": 0}


def test_an_overlapping_stint_is_refused_by_the_stint_rule(w):
    base = teacher_row()
    job = upload(
        w["xian"],
        "secondments",
        workbook_bytes(
            [
                headers("secondments"),
                row_for(
                    "secondments", **base, 到岗日期="2024-09-02", 离岗日期="2024-10-31"
                ),
                row_for(
                    "secondments", **base, 到岗日期="2024-10-01", 离岗日期="2024-12-31"
                ),
            ]
        ),
    )
    assert job.counts["error"] == 1
    problem = job.problems[0]
    assert (problem["row"], problem["header"]) == (3, "到岗日期")
    assert "2024-09-02" in problem["message"]


def test_rows_the_database_refuses_are_errors_and_the_rows_around_them_import(w):
    """A stint ending before it starts and a secondment planned to end before it
    starts break the models' check constraints, which the database checks when
    the row is saved: each such row is an error with the constraint's words, and
    the rows before and after it are imported (the file is checked, then
    applied)."""
    with translation.override("zh-hans"):
        stint_words = str(Stint._meta.constraints[0].violation_error_message)
        planned_words = str(
            next(
                c.violation_error_message
                for c in Secondment._meta.constraints
                if c.name == "secondment_planned_dates_ordered"
            )
        )
    job = upload_secondments(
        w["xian"],
        teacher_row(姓名="甲一", 到岗日期="2024-09-02", 离岗日期="2024-10-31"),
        teacher_row(姓名="乙二", 到岗日期="2024-10-31", 离岗日期="2024-09-02"),
        teacher_row(姓名="丙三", 计划结束日期="2024-08-01"),
        teacher_row(姓名="丁四", 到岗日期="2024-09-02", 离岗日期="2024-12-31"),
    )
    assert job.counts == {"new": 2, "updated": 0, "unchanged": 0, "error": 2}
    by_row = {p["row"]: p["message"] for p in job.problems}
    assert set(by_row) == {3, 4}
    assert stint_words in by_row[3]
    assert planned_words in by_row[4]
    job = confirm(job)
    assert job.status == ImportStatus.APPLIED, job.error
    assert set(
        Person.objects.filter(name__in=["甲一", "乙二", "丙三", "丁四"]).values_list(
            "name", flat=True
        )
    ) == {"甲一", "丁四"}
    stints = Stint.objects.filter(secondment__person__name__in=["甲一", "丁四"])
    assert sorted((s.secondment.person.name, s.start, s.end) for s in stints) == [
        ("丁四", dt.date(2024, 9, 2), dt.date(2024, 12, 31)),
        ("甲一", dt.date(2024, 9, 2), dt.date(2024, 10, 31)),
    ]


def test_a_stint_overlapping_a_stored_one_of_another_secondment_is_refused(w):
    """The stint rule against what is stored: a later file's row for the same
    person, in another secondment, whose stint overlaps the stored stint, is
    refused with the other secondment's host school named; one after it is
    accepted."""

    def row(start, arrived, left):
        return teacher_row(
            计划开始日期=start,
            计划结束日期="2025-06-30",
            到岗日期=arrived,
            离岗日期=left,
        )

    imported(
        w,
        "secondments",
        row_for("secondments", **row("2024-09-01", "2024-09-02", "2024-10-31")),
    )
    job = upload_secondments(
        w["xian"],
        row("2024-10-01", "2024-10-15", "2024-11-30"),
        row("2024-10-01", "2024-11-01", "2024-12-31"),
    )
    assert job.counts == {"new": 1, "updated": 0, "unchanged": 0, "error": 1}
    (problem,) = job.problems
    assert (problem["row"], problem["header"]) == (2, "到岗日期")
    assert "2024-09-02" in problem["message"]
    assert "历下乡村小学" in problem["message"]


def test_a_secondment_outside_the_pairings_dates_names_the_rule(w):
    job = upload(
        w["xian"],
        "secondments",
        workbook_bytes(
            [
                headers("secondments"),
                row_for(
                    "secondments",
                    姓名="周八",
                    性别="女",
                    学科="语文",
                    派出学校="历下实验小学",
                    接收学校="历下乡村小学",
                    派驻类型=zh(SecondmentKind.TEACHING),
                    计划开始日期="2020-09-01",
                    计划结束日期="2021-01-15",
                ),
            ]
        ),
    )
    assert job.counts["error"] == 1
    assert {p["header"] for p in job.problems} >= {"计划开始日期"}
    # Nothing of the row is kept, not even the person it would have created.
    confirm(job)
    assert not Person.objects.filter(name="周八").exists()


def test_the_same_school_on_both_sides_is_named_as_such(w):
    """A clerk who writes one school as both the sending and the host school is
    told so, not that the school is paired more than once (历下实验小学 stands in
    two pairings of the world)."""
    job = upload_secondments(w["xian"], teacher_row(接收学校="历下实验小学"))
    assert job.counts["error"] == 1
    (problem,) = job.problems
    with translation.override("zh-hans"):
        assert problem["message"] == gettext(
            "Both schools are “%(school)s”: a pairing joins two different schools."
        ) % {"school": "历下实验小学"}
    assert "历下实验小学" in problem["message"] and "多个结对" not in problem["message"]


def test_activities_with_trainees(w):
    trainee = Person.objects.get(name="A1学员")
    filled = {
        "支援学校": "历下实验小学",
        "受援学校": "历下乡村小学",
        "活动类型": zh(ActivityKind.TRAINING),
        "活动名称": "新教师培训",
        "活动日期": "2024-11-12",
        "承办方": _zh_choice(Activity, "host_side", "receiving"),
        "参训教师": trainee.name,
        "参加教师人数": 1,
    }
    imported(w, "activities", row_for("activities", **filled))
    activity = Activity.objects.get(title="新教师培训")
    assert activity.pairing == w["pA1"]
    assert list(activity.trainees.all()) == [trainee]
    rows = exported(w, "activities", Activity.objects.filter(pk=activity.pk))
    assert rows[0]["参训教师"] == trainee.name
    assert rows[0]["结对名称"] == "历下结对"


def test_cultivations(w):
    person = Person.objects.get(name="A1学员")
    imported(
        w,
        "cultivations",
        row_for(
            "cultivations",
            结对名称="历下结对",
            教师姓名=person.name,
            认定级别=_zh_choice(BackboneCultivation, "level", "county"),
            认定日期="2025-06-01",
        ),
    )
    assert BackboneCultivation.objects.get(person=person).pairing == w["pA1"]


def test_aid_projects_round_trip(w):
    filled = {
        "结对名称": "历下结对",
        "受益学校": "历下乡村小学",
        "项目名称": "历下乡村小学运动场",
        "项目类别": _zh_choice(AidProject, "category", "equipment"),
        "总投资（元）": Decimal("300000"),
        "援助金额（元）": Decimal("150000"),
    }
    round_trip(
        w, "projects", filled, AidProject.objects.filter(name="历下乡村小学运动场")
    )


def test_funding_lines_keep_approximate_amounts(w):
    row = row_for(
        "funding",
        支援学校="历下实验小学",
        受援学校="历下乡村小学",
        资金来源=_zh_choice(
            FundingLine,
            "source",
            next(iter(dict(FundingLine._meta.get_field("source").choices))),
        ),
        年度=2024,
        资金类别=_zh_choice(
            FundingLine,
            "kind",
            next(iter(dict(FundingLine._meta.get_field("kind").choices))),
        ),
        **{"金额（元）": "29万余元"},
        到位日期="2024年10月",
    )
    imported(w, "funding", row)
    line = FundingLine.objects.get(pairing=w["pA1"], amount=Decimal("290000"))
    assert line.amount_approximation == Approximation.MORE_THAN
    assert line.date == dt.date(2024, 10, 1)
    # Money has no name: the same row again matches the stored line.
    again = upload(w["xian"], "funding", workbook_bytes([headers("funding"), row]))
    assert again.counts[Outcome.UNCHANGED] == 1


def test_donations(w):
    row = row_for(
        "donations",
        结对名称="历下结对",
        捐赠方类别=_zh_choice(
            Donation,
            "donor_kind",
            next(iter(dict(Donation._meta.get_field("donor_kind").choices))),
        ),
        捐赠方="历下实验小学家委会",
        捐赠日期="2024/12/01",
        捐赠形式=_zh_choice(Donation, "form", "cash"),
        **{"金额（元）": "约1.5万"},
    )
    imported(w, "donations", row)
    donation = Donation.objects.get(donor_name="历下实验小学家委会")
    assert (donation.amount, donation.amount_approximation) == (
        Decimal("15000.00"),
        Approximation.ABOUT,
    )


def test_pairings_round_trip(w):
    filled = {
        "帮扶计划": "城乡学校对口帮扶",
        "结对名称": "历下新结对",
        "支援学校": "历下第二实验小学",
        "受援学校": "历下乡村小学",
        "状态": _zh_choice(Pairing, "status", "active"),
        "开始日期": dt.date(2024, 9, 1),
        "结束日期": dt.date(2026, 8, 31),
    }
    imported(w, "pairings", row_for("pairings", **filled))
    pairing = Pairing.objects.get(name="历下新结对")
    assert {(p.school.name, p.side) for p in pairing.parties.all()} == {
        ("历下第二实验小学", "supporting"),
        ("历下乡村小学", "receiving"),
    }
    rows = exported(w, "pairings", Pairing.objects.filter(pk=pairing.pk))
    same(rows[0], {k: v for k, v in filled.items()})


def test_a_row_rolled_back_takes_back_the_person_it_created(w):
    """Row 2 creates 周八 and then fails on its dates: its savepoint is rolled back
    and the next row of 周八 creates the person again, once."""
    base = {
        "姓名": "周八",
        "性别": "女",
        "学科": "语文",
        "派出学校": "历下实验小学",
        "接收学校": "历下乡村小学",
        "派驻类型": zh(SecondmentKind.TEACHING),
        "计划结束日期": "2025-01-15",
    }
    job = confirm(
        upload(
            w["xian"],
            "secondments",
            workbook_bytes(
                [
                    headers("secondments"),
                    row_for("secondments", **base, 计划开始日期="2020-09-01"),
                    row_for("secondments", **base, 计划开始日期="2024-09-01"),
                ]
            ),
        )
    )
    assert job.counts["applied"] == {"error": 1, "new": 1}
    person = Person.objects.get(name="周八")
    assert Secondment.objects.get(person=person).planned_start == dt.date(2024, 9, 1)


def test_a_check_constraint_is_answered_in_its_own_words(w):
    """The database checks the model's check constraints when the row is saved;
    the row's message is the constraint's, as the page says it."""
    from projects.models import AidProject as Project

    job = upload(
        w["xian"],
        "projects",
        workbook_bytes(
            [
                headers("projects"),
                row_for(
                    "projects",
                    结对名称="历下结对",
                    项目名称="超支的项目",
                    项目类别=_zh_choice(Project, "category", "equipment"),
                    **{"总投资（元）": "10000", "援助金额（元）": "20000"},
                ),
            ]
        ),
    )
    assert job.counts["error"] == 1
    constraint = next(
        c for c in Project._meta.constraints if c.name == "aidproject_aid_within_total"
    )
    with translation.override("zh-hans"):
        expected = str(constraint.get_violation_error_message())
    assert [p["message"] for p in job.problems] == [expected]
    assert not Project.objects.filter(name="超支的项目").exists()


def test_a_pairing_found_by_its_schools_and_programme(w):
    """Two schools paired in two programmes: the row gives the programme."""
    from pairings.models import Programme

    other = Programme.objects.create(
        name="历下区名校带弱校",
        kind="urban_rural",
        issuing_body="历下区教育局",
        region=w["A1"],
        cycle_start=dt.date(2024, 9, 1),
        cycle_end=dt.date(2027, 8, 31),
    )
    second = world.pairing("历下名校结对", other, w["a1s"], w["a1r"])
    row = {
        "支援学校": "历下实验小学",
        "受援学校": "历下乡村小学",
        "活动类型": zh(ActivityKind.RESEARCH),
        "活动名称": "联合教研",
        "活动日期": "2024-11-12",
        "承办方": _zh_choice(Activity, "host_side", "receiving"),
    }
    # In one file (one chunk, its pairings read together): the row without the
    # programme is told the schools are paired more than once.
    job = upload(
        w["xian"],
        "activities",
        workbook_bytes(
            [
                headers("activities"),
                row_for("activities", **{**row, "活动名称": "送教下乡"}),
                row_for("activities", **row, 帮扶计划="历下区名校带弱校"),
            ]
        ),
    )
    assert job.counts["new"] == 1 and job.counts["error"] == 1
    (problem,) = job.problems
    with translation.override("zh-hans"):
        twice = gettext(
            "%(a)s and %(b)s are paired more than once: write the pairing's "
            "name or its programme in their columns."
        ) % {"a": "历下实验小学", "b": "历下乡村小学"}
    assert (problem["row"], problem["message"]) == (2, twice)
    assert "帮扶计划" in problem["message"]
    confirm(job)
    assert Activity.objects.get(title="联合教研").pairing == second


def test_a_money_column_headed_in_ten_thousands(w):
    """A ledger kept in 万元: its bare numbers are 万元, a written unit is its own."""
    source = _zh_choice(
        FundingLine,
        "source",
        next(iter(dict(FundingLine._meta.get_field("source").choices))),
    )
    kind = _zh_choice(
        FundingLine,
        "kind",
        next(iter(dict(FundingLine._meta.get_field("kind").choices))),
    )
    rows = [
        ["结对名称", "资金来源", "年度", "资金类别", "金额（万元）", "到位日期"],
        ["历下结对", source, 2024, kind, 12.5, "2024-10-01"],
        ["历下结对", source, 2024, kind, "3000元", "2024-10-02"],
    ]
    job = confirm(upload(w["xian"], "funding", workbook_bytes(rows)))
    assert job.problems == []
    amounts = sorted(
        FundingLine.objects.filter(pairing=w["pA1"], year=2024).values_list(
            "amount", flat=True
        )
    )
    assert Decimal("125000.00") in amounts
    assert Decimal("3000.00") in amounts


def test_a_rows_trainees_are_read_in_one_query(w):
    """However many trainees a training names, they are looked up together."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from imports.lookups import Lookups
    from imports.records import Row

    names = [f"学员{n}" for n in range(6)]
    for name in names:
        Person.objects.create(
            name=name, gender="F", home_school=w["a1r"], subject="maths"
        )
    importer = REGISTRY["activities"](w["xian"], Lookups(w["xian"]))
    row = Row(2, {"trainees": "、".join(names)})
    row.values = {"pairing": w["pA1"], "trainees": names}
    pairing = Pairing.objects.prefetch_related("parties__school").get(pk=w["pA1"].pk)
    row.values["pairing"] = pairing
    with CaptureQueriesContext(connection) as queries:
        values = importer.form_values(row)
    assert [p.name for p in values["trainees"]] == names
    assert len(queries) == 1


def test_each_rows_form_has_fields_of_its_own(w):
    """The import's forms share their fields' choices but nothing a form
    changes: one row's form narrowing a choice, restyling a widget or adding a
    validator leaves the next row's form and the page's form as they were."""
    from dispatch.forms import PersonForm
    from imports.records import quiet

    form_class = quiet(PersonForm)
    one, other = form_class(user=w["xian"]), form_class(user=w["xian"])
    subject = one.fields["subject"]
    assert type(subject).__name__ in ("ChoiceField", "TypedChoiceField")
    choices = list(other.fields["subject"].choices)
    subject.choices = choices[:2]
    subject.widget.attrs["class"] = "changed"
    subject.validators.append(lambda value: None)
    subject.error_messages["required"] = "changed"
    for untouched in (
        other.fields["subject"],
        PersonForm(user=w["xian"]).fields["subject"],
    ):
        assert list(untouched.choices) == choices
        assert untouched.widget.attrs.get("class") != "changed"
        assert len(untouched.validators) == len(
            PersonForm.base_fields["subject"].validators
        )
        assert untouched.error_messages["required"] != "changed"
    assert one.fields["home_school"] is not other.fields["home_school"]
    assert (
        one.fields["home_school"].queryset is not other.fields["home_school"].queryset
    )


def test_pairings_found_for_a_chunk_as_one_row_at_a_time_would(w):
    """The chunk's pairings are read at once; each row still gets what asking
    for its own would give: its pairing by name, by its two schools, an error for
    two schools paired twice in the same dates, for schools not paired and for a
    name that names nothing."""
    second = world.pairing("历下第二结对", w["programme"], w["a1s"], w["a1r"])
    job = upload_secondments(
        w["xian"],
        teacher_row(结对名称="历下第二结对"),
        teacher_row(),
        teacher_row(派出学校="历下乡村小学", 接收学校="龙山山区小学"),
        teacher_row(结对名称="没有这个结对"),
    )
    assert job.counts == {"new": 1, "updated": 0, "unchanged": 0, "error": 3}
    by_row = {p["row"]: p["message"] for p in job.problems}
    assert set(by_row) == {3, 4, 5}
    names = {"a": "历下实验小学", "b": "历下乡村小学", "name": "没有这个结对"}
    with translation.override("zh-hans"):
        twice = gettext(
            "%(a)s and %(b)s are paired more than once: write the pairing's "
            "name or its programme in their columns."
        )
        unpaired = gettext("%(a)s and %(b)s are not paired in your area.")
        unknown = gettext("No pairing “%(name)s” in your area.")
    assert by_row[3] == twice % names
    assert by_row[4] == unpaired % {"a": "历下乡村小学", "b": "龙山山区小学"}
    assert by_row[5] == unknown % names
    confirm(job)
    assert Secondment.objects.get(person__name="周八").pairing == second


def test_a_secondment_row_updates_its_person_only_where_it_differs(w):
    """A secondment row names its person: the same values leave the person as
    stored (no write, no audit entry); a different phone number updates them."""
    from core.models import AuditEntry

    imported(
        w, "secondments", row_for("secondments", **teacher_row(联系电话="13900000001"))
    )
    person = Person.objects.get(name="周八")
    version, entries = person.version, AuditEntry.objects.count()
    same = upload_secondments(
        w["xian"], teacher_row(联系电话="13900000001", 计划开始日期="2024-10-01")
    )
    confirm(same)
    person.refresh_from_db()
    assert person.version == version
    person_entries = AuditEntry.objects.filter(
        content_type__model="person", object_id=str(person.pk)
    )
    assert not person_entries.exclude(action="create").exists()
    assert Secondment.objects.filter(person=person).count() == 2
    changed = upload_secondments(
        w["xian"], teacher_row(联系电话="13900000002", 计划开始日期="2024-11-01")
    )
    confirm(changed)
    person.refresh_from_db()
    assert person.phone == "13900000002"
    assert person.version == version + 1
    assert person_entries.filter(action="update").count() == 1
    assert AuditEntry.objects.count() > entries
