"""A small world for scope tests: two provinces, two cities, three counties, schools,
pairings (one crossing provinces), every kind of object under each pairing, and one
user per role.

    山东省 370000
      济南市 370100: 历下区 370102 (A1), 市中区 370103 (A2)
      青岛市 370200: 市南区 370202 (B1)
    湖南省 430000
      湘西州 433100: 龙山县 433130 (L)

Pairings: A1 (a1s → a1r), B1 (b1s → b1r), L (ls → lr), and the cross-province
"east-west" pairing X (a1s → lx).

Seconded teachers: "jiaoshi" is the account of A1's teacher (A1老师), "jiaoshi_b1"
of B1's; each sees only the records of its own secondment."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from core.choices import Direction, Side
from core.models import Membership
from dispatch.models import (
    Activity,
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
from pairings.models import (
    Agreement,
    AgreementTarget,
    Pairing,
    PairingAssessment,
    PairingParty,
    Programme,
    Region,
    School,
    SchoolNameChange,
    SchoolRegionChange,
    SchoolYearProfile,
)
from projects.models import AidProject, Donation, FundingLine
from reporting.models import (
    ReportAttachment,
    ReportEvent,
    ReportingPeriod,
    SemesterReport,
)

PASSWORD = "demo12345"


def region(code, name, level, parent=None):
    path = f"{parent.path if parent else ''}{code}/"
    return Region.objects.create(
        code=code, name=name, level=level, parent=parent, path=path
    )


_codes = iter(range(3700000001, 3799999999))


def school(name, region_):
    return School.objects.create(
        code=str(next(_codes)), name=name, region=region_, stage="primary"
    )


def pairing(name, programme, supporting, receiving):
    # One transaction: on PostgreSQL a pairing must have both sides at commit.
    with transaction.atomic():
        return _pairing(name, programme, supporting, receiving)


def _pairing(name, programme, supporting, receiving):
    p = Pairing.objects.create(
        programme=programme,
        name=name,
        mode="one_to_one",
        start_date=dt.date(2024, 9, 1),
        end_date=dt.date(2027, 8, 31),
        status="active",
    )
    PairingParty.objects.create(pairing=p, school=supporting, side=Side.SUPPORTING)
    PairingParty.objects.create(pairing=p, school=receiving, side=Side.RECEIVING)
    return p


def objects_under(p, supporting, receiving, period, uploader, tag, account=None):
    """One object of every scoped model under pairing ``p``; ``account``: the user
    account of the seconded teacher."""
    person = Person.objects.create(
        name=f"{tag}老师",
        gender="F",
        home_school=supporting,
        subject="maths",
        id_number="370102198001011234",
        account=account,
    )
    trainee = Person.objects.create(
        name=f"{tag}学员", gender="M", home_school=receiving, subject="chinese"
    )
    secondment = Secondment.objects.create(
        person=person,
        pairing=p,
        direction=Direction.TO_RECEIVING,
        kind="teaching",
        sending_school=supporting,
        host_school=receiving,
        planned_start=dt.date(2024, 9, 1),
        planned_end=dt.date(2025, 1, 15),
        subject="maths",
    )
    agreement = Agreement.objects.create(pairing=p, kind="school", title=f"{tag}协议")
    activity = Activity.objects.create(
        pairing=p,
        kind="training",
        title=f"{tag}培训",
        date=dt.date(2024, 10, 10),
        host_side="receiving",
    )
    project = AidProject.objects.create(
        pairing=p,
        receiving_school=receiving,
        name=f"{tag}图书室",
        category="library",
        total_investment=Decimal("100000"),
        aid_amount=Decimal("50000"),
    )
    report = SemesterReport.objects.create(school=receiving, period=period)
    work_log = WorkLog.objects.create(
        secondment=secondment,
        date=dt.date(2024, 9, 6),
        kind="weekly",
        taught=f"{tag}七年级数学",
    )
    return {
        School: receiving,
        SchoolNameChange: SchoolNameChange.objects.create(
            school=receiving, former_name=f"{tag}旧名", renamed_on=dt.date(2020, 1, 1)
        ),
        # Moved long ago, within its own region: no figure changes.
        SchoolRegionChange: SchoolRegionChange.objects.create(
            school=receiving,
            former_region=receiving.region,
            changed_on=dt.date(2020, 1, 1),
        ),
        SchoolYearProfile: SchoolYearProfile.objects.create(
            school=receiving, school_year=2024
        ),
        Pairing: p,
        PairingParty: p.parties.get(school=receiving),
        Agreement: agreement,
        AgreementTarget: AgreementTarget.objects.create(
            agreement=agreement, year=2024, metric="lectures", planned=4
        ),
        PairingAssessment: PairingAssessment.objects.create(
            pairing=p,
            assessed_on=dt.date(2024, 12, 1),
            assessor="教育局",
            result="good",
        ),
        Person: person,
        Secondment: secondment,
        Stint: Stint.objects.create(
            secondment=secondment, start=dt.date(2024, 9, 2), end=dt.date(2024, 10, 30)
        ),
        Appraisal: Appraisal.objects.create(
            secondment=secondment, year=2024, result="excellent"
        ),
        WorkLog: work_log,
        WorkLogPhoto: WorkLogPhoto.objects.create(
            work_log=work_log,
            file=f"worklogs/{secondment.pk}/x",
            original_name="课堂.jpg",
            content_type="image/jpeg",
            size=10,
        ),
        SelfAppraisal: SelfAppraisal.objects.create(
            secondment=secondment, year=2024, text=f"{tag}一学期的自我鉴定"
        ),
        Activity: activity,
        TrainingParticipation: TrainingParticipation.objects.create(
            activity=activity, person=trainee
        ),
        BackboneCultivation: BackboneCultivation.objects.create(
            pairing=p, person=trainee, level="county", recognised_on=dt.date(2025, 5, 1)
        ),
        AidProject: project,
        FundingLine: FundingLine.objects.create(
            project=project,
            pairing=p,
            source="county",
            year=2024,
            kind="received",
            amount=Decimal("20000"),
        ),
        Donation: Donation.objects.create(
            pairing=p,
            donor_kind="school",
            donor_name=supporting.name,
            donor_school=supporting,
            recipient_school=receiving,
            date=dt.date(2024, 11, 1),
            form="goods",
            category="books",
            quantity=300,
            unit="册",
            amount=Decimal("4500"),
        ),
        SemesterReport: report,
        ReportAttachment: ReportAttachment.objects.create(
            report=report,
            token=f"{tag:0<40}"[:40],
            file=f"reports/{report.pk}/x",
            original_name="总结.pdf",
            content_type="application/pdf",
            size=10,
            uploaded_by=uploader,
        ),
        ReportEvent: ReportEvent.objects.create(
            report=report, action="create", to_status="draft", actor=uploader
        ),
    }


def user(username, role=None, region_=None, school_=None, manages=False):
    account = get_user_model().objects.create_user(
        username, password=PASSWORD, is_staff=role == "admin", is_superuser=False
    )
    if role:
        Membership.objects.create(
            user=account,
            role=role,
            region=region_,
            school=school_,
            can_manage_users=manages,
        )
    return account


def build():
    """Create the world; returns a namespace-like dict."""
    w = {}
    w["P1"] = region("370000", "山东省", 1)
    w["A"] = region("370100", "济南市", 2, w["P1"])
    w["A1"] = region("370102", "历下区", 3, w["A"])
    w["A2"] = region("370103", "市中区", 3, w["A"])
    w["B"] = region("370200", "青岛市", 2, w["P1"])
    w["B1"] = region("370202", "市南区", 3, w["B"])
    w["P2"] = region("430000", "湖南省", 1)
    w["LC"] = region("433100", "湘西州", 2, w["P2"])
    w["L"] = region("433130", "龙山县", 3, w["LC"])
    w["a1s"] = school("历下实验小学", w["A1"])
    w["a1r"] = school("历下乡村小学", w["A1"])
    w["a1t"] = school("历下第二实验小学", w["A1"])
    w["a2s"] = school("市中实验小学", w["A2"])
    w["b1s"] = school("市南实验小学", w["B1"])
    w["b1r"] = school("市南乡村小学", w["B1"])
    w["ls"] = school("龙山民族小学", w["L"])
    w["lr"] = school("龙山城关小学", w["L"])
    w["lx"] = school("龙山山区小学", w["L"])
    programme = Programme.objects.create(
        name="城乡学校对口帮扶",
        kind="urban_rural",
        issuing_body="山东省教育厅",
        region=w["P1"],
        cycle_start=dt.date(2024, 9, 1),
        cycle_end=dt.date(2027, 8, 31),
    )
    east_west = Programme.objects.create(
        name="东西部协作",
        kind="east_west",
        issuing_body="教育部",
        region=w["P2"],
        cycle_start=dt.date(2024, 9, 1),
        cycle_end=dt.date(2027, 8, 31),
    )
    w["programme"] = programme
    # Owned by a county, used by no pairing: seen only inside Longshan.
    w["programme_L"] = Programme.objects.create(
        name="龙山县城乡帮扶",
        kind="urban_rural",
        issuing_body="龙山县教育局",
        region=w["L"],
        cycle_start=dt.date(2024, 9, 1),
        cycle_end=dt.date(2027, 8, 31),
    )
    period = ReportingPeriod.objects.create(
        school_year=2024,
        semester="autumn",
        start=dt.date(2024, 9, 1),
        end=dt.date(2025, 1, 19),
        deadline=dt.date(2025, 2, 10),
        lock_date=dt.date(2025, 3, 1),
    )
    w["period"] = period
    w["admin"] = user("admin", "admin")
    w["admin"].is_superuser = True
    w["admin"].save()
    w["sheng"] = user("sheng", "bureau", w["P1"], manages=True)
    w["shi"] = user("shi", "bureau", w["A"])
    w["xian"] = user("xian", "bureau", w["A1"], manages=True)
    w["duxue"] = user("duxue", "inspector", w["A1"])
    w["xuexiao"] = user("xuexiao", "school", school_=w["a1r"])
    w["xian_b1"] = user("xian_b1", "bureau", w["B1"])
    w["xian_l"] = user("xian_l", "bureau", w["L"])
    w["school_b1"] = user("school_b1", "school", school_=w["b1r"])
    w["jiaoshi"] = user("jiaoshi", "teacher")
    w["jiaoshi_b1"] = user("jiaoshi_b1", "teacher")
    w["pA1"] = pairing("历下结对", programme, w["a1s"], w["a1r"])
    w["pB1"] = pairing("市南结对", programme, w["b1s"], w["b1r"])
    w["pL"] = pairing("龙山结对", east_west, w["ls"], w["lr"])
    w["pX"] = pairing("济南—龙山东西部协作", east_west, w["a1s"], w["lx"])
    w["in_A1"] = objects_under(
        w["pA1"], w["a1s"], w["a1r"], period, w["admin"], "A1", w["jiaoshi"]
    )
    w["in_B1"] = objects_under(
        w["pB1"], w["b1s"], w["b1r"], period, w["admin"], "B1", w["jiaoshi_b1"]
    )
    w["in_L"] = objects_under(w["pL"], w["ls"], w["lr"], period, w["admin"], "L")
    return w


# Which world is in and out of each role's scope.
ROLES = {
    "admin": ("in_A1", None),
    "sheng": ("in_A1", "in_L"),
    "shi": ("in_A1", "in_B1"),
    "xian": ("in_A1", "in_B1"),
    "duxue": ("in_A1", "in_B1"),
    "xuexiao": ("in_A1", "in_B1"),
}

# A seconded teacher's scope: only these models, and only the records of their own
# secondment (in their world); every other record of every world is out of it.
TEACHERS = {"jiaoshi": ("in_A1", "in_B1"), "jiaoshi_b1": ("in_B1", "in_A1")}
TEACHER_MODELS = (Secondment, Stint, WorkLog, WorkLogPhoto, SelfAppraisal)
