"""The admin as bureau staff use it: every page renders, lists cost a fixed number of
queries, search finds schools and people, and the rules of the services hold."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from core.api.authentication import token_create
from core.choices import Side
from core.models import (
    ApiToken,
    AuditEntry,
    IdempotencyKey,
    LoginEvent,
    Membership,
    Notification,
    WorkerHeartbeat,
)
from dispatch.choices import ActivityKind, AppraisalResult, BackboneLevel
from dispatch.models import (
    Appraisal,
    BackboneCultivation,
    Person,
    Secondment,
    SelfAppraisal,
    Stint,
    TrainingParticipation,
    WorkLog,
    WorkLogPhoto,
)
from dispatch.tests.factories import (
    ActivityFactory,
    PersonFactory,
    SecondmentFactory,
    StintFactory,
)
from pairings.choices import AgreementKind, AssessmentResult, TargetMetric
from pairings.models import (
    Agreement,
    AgreementTarget,
    Pairing,
    PairingAssessment,
    PairingParty,
    Region,
    School,
    SchoolNameChange,
    SchoolRegionChange,
    SchoolYearProfile,
)
from pairings.tests.factories import (
    PairingFactory,
    ProgrammeFactory,
    RegionFactory,
    SchoolFactory,
    receiving_school,
    supporting_school,
)
from projects.tests.factories import (
    AidProjectFactory,
    DonationFactory,
    FundingLineFactory,
)
from reporting.choices import ReportAction, ReportStatus, StatisticsTable
from reporting.models import (
    ExportJob,
    ReportAttachment,
    ReportEvent,
    SemesterReport,
)
from reporting.tests.factories import SemesterReportFactory

pytestmark = pytest.mark.django_db

APPS = ["core", "pairings", "dispatch", "projects", "reporting"]
MODELS = [model for label in APPS for model in apps.get_app_config(label).get_models()]
WRITTEN_BY_THE_SYSTEM = {
    WorkLogPhoto,  # uploaded from the teacher's phone, where the file is checked
    ReportEvent,
    ExportJob,
    AuditEntry,
    LoginEvent,
    Notification,
    ApiToken,
    WorkerHeartbeat,
    IdempotencyKey,
}


def url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def zh(message):
    with translation.override("zh-hans"):
        return translation.gettext(message)


def form_data(response):
    """The POST data a browser would send back for the change form as rendered."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.field.prepare_value(field.value())
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else str(value)
    return data


@pytest.fixture
def objects(admin_user):
    """One row of every model, linked the way real records are."""
    pairing = PairingFactory()
    supporting, receiving = supporting_school(pairing), receiving_school(pairing)
    secondment = SecondmentFactory(pairing=pairing)
    activity = ActivityFactory(pairing=pairing, kind=ActivityKind.TRAINING)
    trainee = PersonFactory(home_school=receiving)
    agreement = Agreement.objects.create(
        pairing=pairing, kind=AgreementKind.SCHOOL, title="对口帮扶协议"
    )
    project = AidProjectFactory(pairing=pairing, receiving_school=receiving)
    report = SemesterReportFactory(school=receiving)
    rows = [
        Membership.objects.create(user=admin_user, role=Membership.Role.ADMIN),
        receiving.region,
        receiving,
        SchoolNameChange.objects.create(
            school=receiving, former_name="旧校名", renamed_on=dt.date(2020, 9, 1)
        ),
        SchoolRegionChange.objects.create(
            school=receiving,
            former_region=receiving.region,
            changed_on=dt.date(2021, 9, 1),
        ),
        SchoolYearProfile.objects.create(school=receiving, school_year=2024),
        pairing.programme,
        pairing,
        pairing.parties.first(),
        agreement,
        AgreementTarget.objects.create(
            agreement=agreement,
            year=2024,
            metric=TargetMetric.TEACHING_SECONDMENTS,
            planned=3,
        ),
        PairingAssessment.objects.create(
            pairing=pairing,
            assessed_on=dt.date(2024, 12, 20),
            assessor="县教育局",
            result=AssessmentResult.GOOD,
        ),
        secondment.person,
        secondment,
        StintFactory(secondment=secondment),
        Appraisal.objects.create(
            secondment=secondment, year=2024, result=AppraisalResult.EXCELLENT
        ),
        work_log := WorkLog.objects.create(
            secondment=secondment, date=dt.date(2024, 10, 9), taught="七年级数学"
        ),
        WorkLogPhoto.objects.create(
            work_log=work_log,
            file="work-logs/x.jpg",
            original_name="课堂.jpg",
            content_type="image/jpeg",
            size=2048,
        ),
        SelfAppraisal.objects.create(secondment=secondment, year=2024, text="自我鉴定"),
        activity,
        TrainingParticipation.objects.create(activity=activity, person=trainee),
        BackboneCultivation.objects.create(
            pairing=pairing,
            person=trainee,
            level=BackboneLevel.COUNTY,
            recognised_on=dt.date(2025, 6, 1),
        ),
        project,
        FundingLineFactory(project=project, pairing=pairing),
        DonationFactory(recipient_school=receiving, donor_school=supporting),
        report.period,
        report,
        ReportAttachment.objects.create(
            report=report,
            token="a" * 40,
            file=f"reports/{report.pk}/{'a' * 40}",
            original_name="学期总结.docx",
            content_type="application/msword",
            size=1024,
            uploaded_by=admin_user,
        ),
        ReportEvent.objects.create(
            report=report,
            action=ReportAction.CREATE,
            to_status=ReportStatus.DRAFT,
            actor=admin_user,
        ),
        ExportJob.objects.create(user=admin_user, table=StatisticsTable.ROSTER),
        LoginEvent.objects.create(username="admin", success=False),
        Notification.objects.create(user=admin_user, message="请尽快报送"),
        token_create(user=admin_user, name="省平台")[0],
        WorkerHeartbeat.objects.create(
            hostname="celery@worker", seen_at=timezone.now()
        ),
        IdempotencyKey.objects.create(
            user=admin_user, key="k", path="/api/v1/donations/", fingerprint="f"
        ),
    ]
    # The newest entry: this fixture's own, on the first page of the log whatever
    # earlier modules left behind.
    rows.append(AuditEntry.objects.order_by("-id").first())
    return {type(row): row for row in rows}


def test_every_model_is_registered():
    assert [m for m in MODELS if not admin.site.is_registered(m)] == []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
class TestPagesRender:
    def test_changelist(self, admin_client, objects, model):
        response = admin_client.get(url(model, "changelist"))
        assert response.status_code == 200
        assert objects[model] in response.context["cl"].result_list

    def test_add_page(self, admin_client, model):
        response = admin_client.get(url(model, "add"))
        assert response.status_code == (403 if model in WRITTEN_BY_THE_SYSTEM else 200)

    def test_change_page(self, admin_client, objects, model):
        response = admin_client.get(url(model, "change", objects[model].pk))
        assert response.status_code == 200


def test_system_records_are_shown_read_only(admin_client, objects):
    for model in WRITTEN_BY_THE_SYSTEM:
        response = admin_client.get(url(model, "change", objects[model].pk))
        assert response.context["adminform"].form.fields == {}
        assert not response.context["has_change_permission"]


class TestSearch:
    def test_school_by_code_and_by_name(self, admin_client):
        wanted = SchoolFactory(code="5001234567", name="梓园小学")
        SchoolFactory(code="5009999999", name="三元中学")
        for term in ["5001234567", "500123", "梓园"]:
            response = admin_client.get(url(School, "changelist"), {"q": term})
            assert list(response.context["cl"].result_list) == [wanted], term

    def test_school_by_former_name(self, admin_client):
        school = SchoolFactory(name="梓园小学")
        SchoolNameChange.objects.create(
            school=school, former_name="梓园村小", renamed_on=dt.date(2019, 9, 1)
        )
        response = admin_client.get(url(School, "changelist"), {"q": "村小"})
        assert list(response.context["cl"].result_list) == [school]

    def test_person_by_name(self, admin_client):
        wanted = PersonFactory(name="王小梅")
        PersonFactory(name="李建国")
        response = admin_client.get(url(Person, "changelist"), {"q": "小梅"})
        assert list(response.context["cl"].result_list) == [wanted]

    def test_schools_by_city(self, admin_client):
        province = RegionFactory()
        city, other_city = (
            RegionFactory(parent=province),
            RegionFactory(parent=province),
        )
        county = RegionFactory(parent=city)
        wanted = SchoolFactory(region=RegionFactory(parent=county))
        SchoolFactory(region=RegionFactory(parent=other_city))
        response = admin_client.get(url(School, "changelist"), {"city": city.pk})
        assert list(response.context["cl"].result_list) == [wanted]
        response = admin_client.get(
            url(School, "changelist"), {"city": city.pk, "county": county.pk}
        )
        assert list(response.context["cl"].result_list) == [wanted]


def test_person_list_never_shows_a_full_id_number(admin_client):
    PersonFactory(name="王小梅", id_number="110101199003071234")
    response = admin_client.get(url(Person, "changelist"))
    content = response.content.decode()
    assert "王小梅" in content
    assert "110101199003071234" not in content
    assert "1101**********1234" in content
    response = admin_client.get(url(Person, "changelist"), {"q": "199003071234"})
    assert response.context["cl"].result_count == 0


@pytest.mark.parametrize(
    "factory",
    [
        SchoolFactory,
        PairingFactory,
        SecondmentFactory,
        ActivityFactory,
        PersonFactory,
        StintFactory,
        FundingLineFactory,
        DonationFactory,
        AidProjectFactory,
        SemesterReportFactory,
    ],
    ids=lambda factory: factory._meta.model._meta.model_name,
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, factory):
    model = factory._meta.model
    changelist = url(model, "changelist")
    admin_client.get(changelist)  # session and caches warmed
    counts = []
    for rows in (3, 20):
        factory.create_batch(rows - model.objects.count())
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(changelist)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == rows
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("source", "field", "factory"),
    [
        (Stint, "secondment", SecondmentFactory),
        (ReportAttachment, "report", SemesterReportFactory),
        (PairingParty, "school", SchoolFactory),
        (TrainingParticipation, "person", PersonFactory),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_autocomplete_queries_do_not_grow_with_results(
    admin_client, source, field, factory
):
    query = {
        "app_label": source._meta.app_label,
        "model_name": source._meta.model_name,
        "field_name": field,
        "term": "",
    }
    counts = []
    admin_client.get(reverse("admin:autocomplete"), query)  # the user's row cached
    for rows in (3, 20):
        factory.create_batch(rows - factory._meta.model.objects.count())
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse("admin:autocomplete"), query)
        assert len(response.json()["results"]) == rows
        counts.append(len(queries))
    assert counts[0] == counts[1]


class TestPairingParties:
    def post(self, client, parties, pairing=None):
        programme = ProgrammeFactory()
        data = {
            "programme": programme.pk,
            "name": "梓园小学—三元中学结对",
            "mode": "one_to_one",
            "aid_teaching": "on",
            "start_date": "2024-09-01",
            "end_date": "2027-08-31",
            "status": "active",
            "note": "",
            "parties-TOTAL_FORMS": str(len(parties)),
            "parties-INITIAL_FORMS": "0",
            "parties-MIN_NUM_FORMS": "0",
            "parties-MAX_NUM_FORMS": "1000",
        }
        for i, (school, side, lead) in enumerate(parties):
            data[f"parties-{i}-school"] = school.pk
            data[f"parties-{i}-side"] = side
            if lead:
                data[f"parties-{i}-is_lead"] = "on"
        return client.post(url(Pairing, "add"), data)

    def test_both_sides_create_the_pairing_and_its_parties(self, admin_client):
        a, b = SchoolFactory(), SchoolFactory()
        response = self.post(
            admin_client, [(a, Side.SUPPORTING, False), (b, Side.RECEIVING, False)]
        )
        assert response.status_code == 302
        pairing = Pairing.objects.get()
        assert sorted(pairing.parties.values_list("school_id", "side")) == sorted(
            [(a.pk, Side.SUPPORTING), (b.pk, Side.RECEIVING)]
        )

    @pytest.mark.parametrize(
        ("case", "message"),
        [
            ("only_supporting", "A pairing needs at least one receiving school."),
            ("only_receiving", "A pairing needs at least one supporting school."),
            ("same_school_twice", "A school is listed twice on the same side."),
            ("two_leads", "A pairing has only one lead unit."),
        ],
    )
    def test_broken_party_sets_are_rejected(self, admin_client, case, message):
        a, b, c = SchoolFactory(), SchoolFactory(), SchoolFactory()
        parties = {
            "only_supporting": [(a, Side.SUPPORTING, False)],
            "only_receiving": [(b, Side.RECEIVING, False)],
            "same_school_twice": [
                (a, Side.SUPPORTING, False),
                (a, Side.SUPPORTING, False),
                (b, Side.RECEIVING, False),
            ],
            "two_leads": [
                (a, Side.SUPPORTING, True),
                (c, Side.SUPPORTING, True),
                (b, Side.RECEIVING, False),
            ],
        }[case]
        response = self.post(admin_client, parties)
        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][0].formset
        assert zh(message) in formset.non_form_errors()
        assert not Pairing.objects.exists()
        assert not PairingParty.objects.exists()

    def test_a_school_on_both_sides_is_rejected(self, admin_client):
        a = SchoolFactory(name="三元中学")
        response = self.post(
            admin_client, [(a, Side.SUPPORTING, False), (a, Side.RECEIVING, False)]
        )
        errors = " ".join(
            response.context["inline_admin_formsets"][0].formset.non_form_errors()
        )
        assert "三元中学" in errors
        assert not Pairing.objects.exists()

    def test_the_lead_moves_in_one_save(self, admin_client):
        first, second = SchoolFactory(), SchoolFactory()
        pairing = PairingFactory(supporting=[first, second])
        change = url(Pairing, "change", pairing.pk)
        data = form_data(admin_client.get(change))
        for key, value in list(data.items()):
            if key.endswith("-school") and value in (str(first.pk), str(second.pk)):
                prefix = key.removesuffix("school")
                data.pop(f"{prefix}is_lead", None)
                if value == str(second.pk):
                    data[f"{prefix}is_lead"] = "on"
        response = admin_client.post(change, data)
        assert response.status_code == 302
        lead = pairing.parties.get(is_lead=True)
        assert lead.school == second

    def test_removing_the_only_receiving_school_is_rejected(self, admin_client):
        pairing = PairingFactory()
        change = url(Pairing, "change", pairing.pk)
        data = form_data(admin_client.get(change))
        receiving = pairing.parties.get(side=Side.RECEIVING)
        id_key = next(
            k for k, v in data.items() if k.endswith("-id") and v == str(receiving.pk)
        )
        data[id_key.removesuffix("id") + "DELETE"] = "on"
        response = admin_client.post(change, data)
        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][0].formset
        message = zh("A pairing needs at least one receiving school.")
        assert message in formset.non_form_errors()
        assert pairing.parties.filter(side=Side.RECEIVING).exists()


class TestSecondmentStints:
    def test_overlapping_stints_are_rejected_and_nothing_changes(self, admin_client):
        stint = StintFactory(start=dt.date(2024, 9, 2), end=dt.date(2024, 10, 31))
        secondment = stint.secondment
        change = url(Secondment, "change", secondment.pk)
        data = form_data(admin_client.get(change))
        data["duties"] = "教研组长"
        data["stints-1-start"] = "2024-10-15"
        data["stints-1-end"] = "2024-11-30"
        response = admin_client.post(change, data)
        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][0].formset
        message = zh("This stint overlaps the stint from %(start)s to %(end)s.") % {
            "start": "2024-09-02",
            "end": "2024-10-31",
        }
        assert formset.forms[1].errors["start"] == [message]
        secondment.refresh_from_db()
        assert secondment.duties == ""
        assert list(secondment.stints.values_list("start", "end")) == [
            (dt.date(2024, 9, 2), dt.date(2024, 10, 31))
        ]

    def test_a_stint_ending_before_it_starts_is_rejected(self, admin_client):
        secondment = SecondmentFactory()
        change = url(Secondment, "change", secondment.pk)
        data = form_data(admin_client.get(change))
        data["stints-0-start"] = "2024-10-15"
        data["stints-0-end"] = "2024-10-01"
        response = admin_client.post(change, data)
        assert response.status_code == 200
        assert zh("A stint cannot end before it starts.") in response.content.decode()
        assert not secondment.stints.exists()

    def test_a_deleted_stint_frees_its_dates_in_the_same_save(self, admin_client):
        first = StintFactory(start=dt.date(2024, 9, 2), end=dt.date(2024, 9, 30))
        secondment = first.secondment
        StintFactory(
            secondment=secondment, start=dt.date(2024, 10, 1), end=dt.date(2024, 10, 31)
        )
        change = url(Secondment, "change", secondment.pk)
        data = form_data(admin_client.get(change))
        data["stints-0-end"] = "2024-10-31"
        data["stints-1-DELETE"] = "on"
        response = admin_client.post(change, data)
        assert response.status_code == 302
        assert list(secondment.stints.values_list("start", "end")) == [
            (dt.date(2024, 9, 2), dt.date(2024, 10, 31))
        ]

    def test_host_school_must_be_on_the_receiving_side(self, admin_client):
        secondment = SecondmentFactory()
        change = url(Secondment, "change", secondment.pk)
        data = form_data(admin_client.get(change))
        data["host_school"] = str(SchoolFactory().pk)
        response = admin_client.post(change, data)
        assert response.status_code == 200
        assert "host_school" in response.context["adminform"].form.errors

    def test_a_single_stint_cannot_overlap_its_siblings(self, admin_client):
        stint = StintFactory(start=dt.date(2024, 9, 2), end=dt.date(2024, 10, 31))
        data = {
            "secondment": stint.secondment.pk,
            "start": "2024-10-01",
            "end": "2024-11-15",
            "note": "",
        }
        response = admin_client.post(url(Stint, "add"), data)
        assert response.status_code == 200
        assert Stint.objects.count() == 1


class TestRegionPaths:
    def test_a_new_region_gets_its_path(self, admin_client):
        province = RegionFactory(code="370000")
        data = {"code": "370100", "name": "济南市", "level": 2, "parent": province.pk}
        response = admin_client.post(url(Region, "add"), data)
        assert response.status_code == 302
        assert Region.objects.get(code="370100").path == "370000/370100/"

    def test_a_leaf_region_can_change_its_code(self, admin_client):
        province = RegionFactory(code="370000")
        city = RegionFactory(code="370100", parent=province)
        data = {"code": "370101", "name": city.name, "level": 2, "parent": province.pk}
        response = admin_client.post(url(Region, "change", city.pk), data)
        assert response.status_code == 302
        city.refresh_from_db()
        assert city.path == "370000/370101/"

    def test_a_region_with_subregions_keeps_its_code(self, admin_client):
        province = RegionFactory(code="370000")
        RegionFactory(code="370100", parent=province)
        data = {"code": "370001", "name": province.name, "level": 1}
        response = admin_client.post(url(Region, "change", province.pk), data)
        assert response.status_code == 200
        assert "code" in response.context["adminform"].form.errors
        province.refresh_from_db()
        assert province.code == "370000"


def test_an_approved_report_is_locked(admin_client):
    report = SemesterReportFactory(status=ReportStatus.APPROVED, practices="原文")
    change = url(SemesterReport, "change", report.pk)
    response = admin_client.get(change)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = admin_client.post(change, {"practices": "改过"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.practices == "原文"


def test_an_edited_report_gets_a_new_version(admin_client):
    report = SemesterReportFactory(trainees=3)
    change = url(SemesterReport, "change", report.pk)
    data = form_data(admin_client.get(change))
    data["trainees"] = "12"
    response = admin_client.post(change, data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.trainees, report.version) == (12, 2)


def test_an_uploaded_attachment_is_stored_under_a_random_key(admin_client):
    report = SemesterReportFactory()
    upload = SimpleUploadedFile("学期总结.pdf", b"%PDF-1.4", "application/pdf")
    response = admin_client.post(
        url(ReportAttachment, "add"), {"report": report.pk, "file": upload}
    )
    assert response.status_code == 302
    attachment = ReportAttachment.objects.get()
    assert attachment.original_name == "学期总结.pdf"
    assert attachment.size == 8
    assert "学期总结" not in attachment.file.name
    assert len(attachment.token) == 40
