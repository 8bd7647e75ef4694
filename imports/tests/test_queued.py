"""New records inserted together: a chunk's new persons, secondments and stints are
queued and inserted in one statement per model, with the same outcome, messages,
audit entries and undo as rows saved one at a time; a row that changes a stored
record, or names one a row before it queued, is written at once; rows the
database refuses send the chunk back to be saved row by row."""

import datetime as dt

import pytest
from django import forms
from django.db import connection
from django.forms.utils import ErrorDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.models import AuditEntry
from dispatch.models import Person, Secondment, Stint
from imports import jobs
from imports.choices import ImportStatus
from imports.records import quiet
from imports.tests.helpers import confirm, headers, row_for, upload, workbook_bytes
from imports.tests.test_types import teacher_row, upload_secondments
from imports.types import REGISTRY
from tests import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


def person_row(name, id_number="", **more):
    cells = {
        "姓名": name,
        "性别": "女",
        "所在学校": "历下实验小学",
        "学科": "语文",
        "身份证号": id_number,
        **more,
    }
    return row_for("persons", **cells)


def persons_file(count, start=0):
    return workbook_bytes(
        [headers("persons"), *[person_row(f"教师{start + n}") for n in range(count)]]
    )


def _inserts(queries, table):
    """The statements that inserted rows into ``table`` (``bulk_create``'s, or
    ``COPY`` on PostgreSQL, ``core.bulk``)."""
    starts = (f'INSERT INTO "{table}"', f'COPY "{table}"')
    return [q["sql"] for q in queries if q["sql"].startswith(starts)]


def test_a_chunks_new_persons_are_inserted_in_one_statement(w):
    """However many new people a chunk holds, they are inserted together, with
    no savepoint of their own; twice the rows, the same statements."""
    confirm(upload(w["xian"], "persons", persons_file(5, 100)))  # caches warmed
    counted = {}
    for count in (20, 40):
        with CaptureQueriesContext(connection) as queries:
            job = confirm(upload(w["xian"], "persons", persons_file(count, count)))
        assert job.counts["applied"] == {"new": count}
        inserts = _inserts(queries, "dispatch_person")
        # One in the dry run (rolled back) and one when applied.
        assert len(inserts) == 2
        counted[count] = len(queries)
    assert counted[40] == counted[20]
    assert Person.objects.filter(name__startswith="教师").count() == 65


def test_queued_persons_are_audited_and_undone_as_rows_saved_alone(w):
    job = confirm(upload(w["xian"], "persons", persons_file(3)))
    people = Person.objects.filter(name__startswith="教师")
    entries = AuditEntry.objects.filter(
        request_id=job.change_set, content_type__model="person"
    )
    assert sorted(e.object_id for e in entries) == sorted(
        str(pk) for pk in people.values_list("pk", flat=True)
    )
    region = w["a1s"].region.path
    for entry in entries:
        assert entry.action == "create"
        assert (entry.username, entry.source) == ("xian", "import")
        assert region in entry.region_paths
        assert entry.changes["name"][1].startswith("教师")
    assert jobs.import_undo(job=job) == 3
    assert not people.exists()


def test_a_person_named_twice_in_one_file_is_created_once_and_updated(w):
    """The second row finds the person the first queued: it is inserted first,
    then the second row updates it; the same ID number with a new phone."""
    content = workbook_bytes(
        [
            headers("persons"),
            person_row("钱九", "370102198501011234"),
            person_row("钱九", "370102198501011234", 联系电话="13900000000"),
            person_row("钱九", "370102198501011234", 联系电话="13900000000"),
        ]
    )
    job = upload(w["xian"], "persons", content)
    assert job.counts == {"new": 1, "updated": 1, "unchanged": 1, "error": 0}
    assert not Person.objects.filter(name="钱九").exists()  # a dry run
    job = confirm(job)
    assert job.counts["applied"] == {"new": 1, "updated": 1, "unchanged": 1}
    person = Person.objects.get(id_number="370102198501011234")
    assert person.phone == "13900000000"


def test_queued_rows_the_database_refuses_are_saved_again_one_by_one(w):
    """Secondments of people already recorded are queued with their stints; a
    stint ending before it starts breaks the stint's check constraint, which
    only the database checks: the chunk is saved again row by row, that row gets
    the constraint's words, and every other row is imported once."""
    names = ["甲一", "乙二", "丙三", "丁四"]
    for name in names:
        Person.objects.create(
            name=name, gender="F", home_school=w["a1s"], subject="chinese"
        )
    with translation.override("zh-hans"):
        words = str(Stint._meta.constraints[0].violation_error_message)
    spans = {
        "甲一": ("2024-09-02", "2024-10-31"),
        "乙二": ("2024-10-31", "2024-09-02"),
        "丙三": ("2024-09-05", "2024-12-20"),
        "丁四": ("2024-09-02", "2024-12-31"),
    }
    rows = [
        teacher_row(姓名=name, 到岗日期=spans[name][0], 离岗日期=spans[name][1])
        for name in names
    ]
    job = upload_secondments(w["xian"], *rows)
    assert job.counts == {"new": 3, "updated": 0, "unchanged": 0, "error": 1}
    assert [(p["row"], p["header"]) for p in job.problems] == [(3, "到岗日期")]
    assert words in job.problems[0]["message"]
    job = confirm(job)
    assert job.status == ImportStatus.APPLIED, job.error
    assert job.counts["applied"] == {"new": 3, "error": 1}
    stored = Stint.objects.filter(secondment__person__name__in=names)
    assert sorted(
        (s.secondment.person.name, s.start.isoformat(), s.end.isoformat())
        for s in stored
    ) == sorted((name, *spans[name]) for name in names if name != "乙二")
    assert Secondment.objects.filter(person__name__in=names).count() == 3


def test_a_second_stint_of_a_queued_secondment_joins_it(w):
    """Two rows of one recorded person's new secondment: the first queues the
    secondment, the second names it, so it is inserted first and the second
    stint added to it; an overlapping third is refused by the stint rule."""
    Person.objects.create(
        name="周八", gender="F", home_school=w["a1s"], subject="chinese"
    )
    job = upload_secondments(
        w["xian"],
        teacher_row(到岗日期="2024-09-02", 离岗日期="2024-10-31"),
        teacher_row(到岗日期="2024-11-05", 离岗日期="2025-01-10"),
        teacher_row(到岗日期="2024-12-01", 离岗日期="2024-12-31"),
    )
    assert job.counts == {"new": 1, "updated": 1, "unchanged": 0, "error": 1}
    assert [p["row"] for p in job.problems] == [4]
    job = confirm(job)
    secondment = Secondment.objects.get(person__name="周八")
    assert [(s.start, s.end) for s in secondment.stints.order_by("start")] == [
        (dt.date(2024, 9, 2), dt.date(2024, 10, 31)),
        (dt.date(2024, 11, 5), dt.date(2025, 1, 10)),
    ]


def test_an_imports_forms_share_fields_narrowed_to_the_scope_once(w):
    """The rows' forms of one import share their fields: the scope is applied to
    a shared field once (not again for each row's form), another user's import
    has fields of its own, and the page's form is untouched."""
    from dispatch.forms import PersonForm
    from imports.lookups import Lookups
    from imports.types import REGISTRY

    def fields_of(username, forms=1):
        importer = REGISTRY["persons"](w[username], Lookups(w[username]))
        form_class = importer.quiet_form(PersonForm)
        made = [form_class(user=w[username]) for _ in range(forms)]
        return [form.fields["home_school"] for form in made]

    first, *later = fields_of("xian", forms=3)
    assert all(field is first for field in later)
    once = str(fields_of("xian")[0].queryset.query)
    assert str(first.queryset.query) == once
    assert list(first.queryset) == list(fields_of("xian")[0].queryset)
    province = fields_of("sheng")[0]
    assert province is not first
    assert set(province.queryset) > set(first.queryset)
    page = PersonForm(user=w["xian"]).fields["home_school"]
    assert page is not first
    assert set(page.queryset) == set(first.queryset)


def test_secondments_of_people_the_file_creates_are_queued_with_them(w):
    """A ledger of teachers not yet recorded: each row's new person, secondment
    and stint are queued together (one insert per model per chunk, whatever the
    rows), each secondment tied to its person and each stint to its secondment."""

    def ledger(count, start):
        return [
            teacher_row(
                姓名=f"新教师{start + n}", 到岗日期="2024-09-02", 离岗日期="2024-12-31"
            )
            for n in range(count)
        ]

    confirm(upload_secondments(w["xian"], *ledger(3, 100)))  # caches warmed
    counted = {}
    for count in (10, 20):
        with CaptureQueriesContext(connection) as queries:
            job = confirm(upload_secondments(w["xian"], *ledger(count, count)))
        assert job.counts["applied"] == {"new": count}, job.problems
        for table in ("dispatch_person", "dispatch_secondment", "dispatch_stint"):
            assert len(_inserts(queries, table)) == 2, table
        counted[count] = len(queries)
    assert counted[20] == counted[10]
    for n in range(10, 40):
        secondment = Secondment.objects.get(person__name=f"新教师{n}")
        assert secondment.person.home_school == w["a1s"]
        assert [(s.start, s.end) for s in secondment.stints.all()] == [
            (dt.date(2024, 9, 2), dt.date(2024, 12, 31))
        ]
    entries = AuditEntry.objects.filter(
        request_id=job.change_set, content_type__model__in=["secondment", "stint"]
    )
    assert entries.count() == 40


def test_a_dry_run_makes_no_audit_entry(w):
    """Checking a file writes every row and rolls it back: no entry is made for
    what was never kept, and none is left behind."""
    before = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        job = upload(w["xian"], "persons", persons_file(5))
    assert job.counts["new"] == 5
    assert _inserts(queries, "core_auditentry") == []
    assert AuditEntry.objects.count() == before
    job = confirm(job)
    assert (
        AuditEntry.objects.filter(
            request_id=job.change_set, content_type__model="person"
        ).count()
        == 5
    )


def test_what_a_chunk_created_is_found_again_by_the_next_chunks(w, settings):
    """The lookups forget the people of a chunk once it is kept (a file of new
    people would otherwise hold them all in memory): a later chunk reads them
    again, so a teacher the file creates in one chunk and names again in later
    ones is one person with one secondment, a later stint joins it, an
    overlapping one is refused, and a person file's later row updates the
    person it created rather than adding another."""
    settings.DUIKOU_IMPORT_CHUNK_ROWS = 2
    other = {"姓名": "吴九", "身份证号": "370102199001010022"}
    rows = [
        teacher_row(
            身份证号="370102199001010011", 到岗日期="2024-09-02", 离岗日期="2024-10-31"
        ),
        teacher_row(**other, 到岗日期="2024-09-02", 离岗日期="2024-10-31"),
        teacher_row(
            身份证号="370102199001010011", 到岗日期="2024-11-05", 离岗日期="2024-12-20"
        ),
        teacher_row(**other, 到岗日期="2024-11-05", 离岗日期="2024-12-20"),
        teacher_row(
            身份证号="370102199001010011", 到岗日期="2024-12-01", 离岗日期="2024-12-31"
        ),
    ]
    job = upload_secondments(w["xian"], *rows)
    assert job.counts == {"new": 2, "updated": 2, "unchanged": 0, "error": 1}
    assert [p["row"] for p in job.problems] == [6]
    confirm(job)
    for name in ("周八", "吴九"):
        assert Person.objects.filter(name=name).count() == 1
        secondment = Secondment.objects.get(person__name=name)
        assert [(s.start, s.end) for s in secondment.stints.order_by("start")] == [
            (dt.date(2024, 9, 2), dt.date(2024, 10, 31)),
            (dt.date(2024, 11, 5), dt.date(2024, 12, 20)),
        ]

    people = [
        person_row("郑十", "370102199001010033"),
        person_row("王十一", "370102199001010044"),
        person_row("郑十", "370102199001010033", 联系电话="13900000001"),
    ]
    job = confirm(
        upload(w["xian"], "persons", workbook_bytes([headers("persons"), *people]))
    )
    assert job.counts["applied"] == {"new": 2, "updated": 1}
    assert Person.objects.get(id_number="370102199001010033").phone == "13900000001"


def _fields_cleaned(form):
    """The form's fields cleaned (``full_clean``'s first step) and no more."""
    form._errors, form.cleaned_data = ErrorDict(), {}
    form._clean_fields()
    cleaned = {
        name: list(value) if hasattr(value, "all") else value
        for name, value in form.cleaned_data.items()
    }
    return cleaned, form._errors.get_json_data()


@pytest.mark.parametrize("slug", sorted(REGISTRY))
def test_an_import_form_cleans_every_field_as_the_page_form(w, slug):
    """The import's form cleans its fields without Django's bound fields: each
    value and each message is the page form's, for empty, wrong and right
    input."""
    page_class = REGISTRY[slug].form_class
    import_class = quiet(page_class)
    user = w["xian"]
    fields = page_class.base_fields
    wrong = {name: "不是一个值" for name in fields}
    right = {
        name: field.initial() if callable(field.initial) else field.initial
        for name, field in fields.items()
    }
    right.update(
        {n: "2024-09-02" for n, f in fields.items() if isinstance(f, forms.DateField)}
    )
    right = {k: v for k, v in right.items() if v is not None}
    with translation.override("zh-hans"):
        for data in ({}, wrong, right):
            page = _fields_cleaned(page_class(data, user=user))
            assert _fields_cleaned(import_class(data, user=user)) == page, data


def test_the_schools_a_chunk_names_are_read_in_one_query(w, monkeypatch):
    """However many schools a chunk's rows name (one per row, or several in one
    cell of a pairing row), the lookups read their records together."""
    from imports.lookups import Lookups

    reads = []
    real = Lookups._read_schools

    def counted(self, pks):
        if pks:
            reads.append(set(pks))
        return real(self, pks)

    monkeypatch.setattr(Lookups, "_read_schools", counted)

    def school_reads(rows, slug):
        reads.clear()
        upload(w["xian"], slug, workbook_bytes([headers(slug), *rows]))
        return list(reads)

    one = [person_row(f"甲{n}", 所在学校="历下实验小学") for n in range(4)]
    three = [
        person_row(f"乙{n}", 所在学校=school)
        for n, school in enumerate(["历下实验小学", "历下乡村小学", "历下第二实验小学"])
    ]
    assert school_reads(one, "persons") == [{w["a1s"].pk}]
    assert school_reads(three, "persons") == [{w["a1s"].pk, w["a1r"].pk, w["a1t"].pk}]

    def pairing(name, supporting, receiving):
        return row_for(
            "pairings",
            帮扶计划=w["pA1"].programme.name,
            结对名称=name,
            支援学校=supporting,
            受援学校=receiving,
            开始日期="2024-09-01",
            结束日期="2027-08-31",
        )

    rows = [
        pairing("新结对一", "历下实验小学、历下第二实验小学", "历下乡村小学"),
        pairing("新结对二", "历下第二实验小学", "历下乡村小学"),
    ]
    assert school_reads(rows, "pairings") == [{w["a1s"].pk, w["a1r"].pk, w["a1t"].pk}]
