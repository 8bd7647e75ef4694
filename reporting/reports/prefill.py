"""A school's semester figures computed from the records, to prefill its report.

Definitions (domain.md §3): secondments counted as 人次 and distinct persons (人)
apart; days on post from stints, split at the period's boundaries; activities of the
pairings the school is a party to; funds received for the school as a receiving
party; goods by their estimated value."""

from decimal import Decimal

from django.db.models import Count, Q, Sum

from core.choices import Side
from dispatch.choices import ActivityKind
from dispatch.models import Activity, Stint
from dispatch.selectors import counted_stints
from pairings import periods
from pairings.models import PairingParty
from projects.choices import DonationForm, FundingKind
from projects.models import Donation, FundingLine

FIGURES = (
    "secondments_out",
    "people_out",
    "days_out",
    "secondments_in",
    "people_in",
    "days_in",
    "demonstration_lessons",
    "lectures",
    "joint_preparations",
    "research_activities",
    "training_sessions",
    "trainees",
    "student_participants",
    "funds_received",
    "goods_value",
)
MONEY = {"funds_received", "goods_value"}


def _stints(school, period, school_field):
    """人次, 人 and days on post in the period, from the stints the host school
    confirmed."""
    rows = Stint.objects.filter(
        counted_stints(),
        **{f"secondment__{school_field}": school},
        **periods.overlaps(period),
    ).aggregate(
        times=Count("secondment_id", distinct=True),
        people=Count("secondment__person_id", distinct=True),
        **periods.days_on_post(period),
    )
    return rows["times"], rows["people"], periods.days_of(rows)


def prefill(school, reporting_period) -> dict:
    """Every figure of the report, from the records of the period."""
    period = periods.semester(reporting_period)
    out_times, out_people, out_days = _stints(school, period, "sending_school")
    in_times, in_people, in_days = _stints(school, period, "host_school")
    pairing_ids = PairingParty.objects.filter(school=school).values("pairing_id")
    lessons = [ActivityKind.DEMONSTRATION_LESSON, ActivityKind.OPEN_LESSON]
    preparation = [
        ActivityKind.JOINT_PREPARATION,
        ActivityKind.OBSERVATION,
        ActivityKind.LESSON_TALK,
    ]
    acts = Activity.objects.filter(
        pairing_id__in=pairing_ids, date__range=(period.start, period.end)
    ).aggregate(
        demonstration_lessons=Sum("lessons", filter=Q(kind__in=lessons)),
        lectures=Count("id", filter=Q(kind=ActivityKind.LECTURE)),
        joint_preparations=Count("id", filter=Q(kind__in=preparation)),
        research_activities=Count("id", filter=Q(kind=ActivityKind.RESEARCH)),
        training_sessions=Sum("sessions", filter=Q(kind=ActivityKind.TRAINING)),
        trainees=Sum("teacher_participants", filter=Q(kind=ActivityKind.TRAINING)),
        student_participants=Sum("student_participants"),
    )
    receiving = PairingParty.objects.filter(school=school, side=Side.RECEIVING).values(
        "pairing_id"
    )
    funds = FundingLine.objects.filter(
        Q(project__receiving_school=school)
        | Q(project__isnull=True, pairing_id__in=receiving),
        kind=FundingKind.RECEIVED,
        date__range=(period.start, period.end),
    ).aggregate(total=Sum("amount"))["total"]
    goods = Donation.objects.filter(
        recipient_school=school,
        form=DonationForm.GOODS,
        date__range=(period.start, period.end),
    ).aggregate(total=Sum("amount"))["total"]
    figures = {
        "secondments_out": out_times,
        "people_out": out_people,
        "days_out": out_days,
        "secondments_in": in_times,
        "people_in": in_people,
        "days_in": in_days,
        **{key: value or 0 for key, value in acts.items()},
        "funds_received": Decimal(funds or 0).quantize(Decimal("0.01")),
        "goods_value": Decimal(goods or 0).quantize(Decimal("0.01")),
    }
    return figures


def as_json(figures: dict) -> dict:
    return {k: str(v) if k in MONEY else v for k, v in figures.items()}
