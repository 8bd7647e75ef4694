"""我的待办: what waits for a user, read live from the records' states, so an item
appears when the work arrives and is gone once it is done. Each group is read with
a count and its first few items, two queries, whatever the number of records."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.scope import scope_of, visible
from dispatch.choices import StintConfirmation
from dispatch.models import Stint
from imports.choices import ImportStatus
from imports.models import ImportJob
from reporting.choices import ReportStatus
from reporting.compliance.forecast import warnings_for
from reporting.models import ReportingPeriod, SemesterReport
from reporting.reports.services import expected_schools

SHOWN = 10  # items listed per group; the group's link opens them all
DUE_SOON_DAYS = 14  # a report deadline this close is listed


@dataclass
class Item:
    title: str
    detail: str
    url: str
    due: dt.date | None = None
    overdue: bool = False


@dataclass
class Group:
    key: str
    title: str
    count: int
    items: list[Item] = field(default_factory=list)
    more_url: str = ""


def todo_for(user, *, today: dt.date | None = None) -> list[Group]:
    """The user's groups of work that wait, the empty ones left out."""
    today = today or timezone.localdate()
    scope = scope_of(user)
    if scope.is_empty and not user.is_authenticated:
        return []
    groups = [
        _reports_to_review(user, scope),
        _reports_to_resubmit(scope),
        _reports_due(scope, today),
        _stints_to_confirm(scope),
        _stints_to_correct(user, scope),
        _imports_to_confirm(user),
        _warnings(user, today),
    ]
    return [g for g in groups if g is not None and g.count]


def _day(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _moment(value) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _reports_to_review(user, scope) -> Group | None:
    if not (scope.is_admin or scope.bureau_paths):
        return None
    reports = visible(
        SemesterReport.objects.filter(status=ReportStatus.SUBMITTED), user
    ).select_related("school", "period")
    first = reports.order_by("submitted_at", "pk")[:SHOWN]
    return Group(
        "review",
        _("Semester reports to review"),
        reports.count(),
        [
            Item(
                f"{r.school.name} · {r.period}",
                _("submitted %(when)s") % {"when": _moment(r.submitted_at)}
                if r.submitted_at
                else "",
                reverse("reporting:report_detail", args=[r.pk]),
            )
            for r in first
        ],
        f"{reverse('reporting:review')}?status={ReportStatus.SUBMITTED}",
    )


def _reports_to_resubmit(scope) -> Group | None:
    if not scope.school_ids:
        return None
    reports = SemesterReport.objects.filter(
        status=ReportStatus.RETURNED, school_id__in=scope.school_ids
    ).select_related("school", "period")
    return Group(
        "resubmit",
        _("Reports returned for correction"),
        reports.count(),
        [
            Item(
                f"{r.school.name} · {r.period}",
                _("Correct it as the reviewer asked, then submit it again."),
                reverse("reporting:report_edit", args=[r.pk]),
                r.period.deadline,
            )
            for r in reports.order_by("period__deadline", "pk")[:SHOWN]
        ],
        reverse("reporting:my_reports"),
    )


def _open_periods(today):
    """Reporting periods whose deadline is near or passed but still before the
    lock date: reports can still come in."""
    return ReportingPeriod.objects.filter(
        deadline__lte=today + dt.timedelta(days=DUE_SOON_DAYS), lock_date__gte=today
    ).order_by("deadline")


def _reports_due(scope, today) -> Group | None:
    """School staff: their schools' reports not yet submitted for a period whose
    deadline is near or passed. Bureau staff: the periods whose deadline is near,
    with the board of schools that have not submitted."""
    periods = list(_open_periods(today)[:4])
    if not periods:
        return None
    items = []
    if scope.school_ids:
        done = set(
            SemesterReport.objects.filter(
                school_id__in=scope.school_ids,
                period__in=periods,
                status__in=(ReportStatus.SUBMITTED, ReportStatus.APPROVED),
            ).values_list("school_id", "period_id")
        )
        for period in periods:
            expected = expected_schools(period).filter(pk__in=scope.school_ids)
            for school in expected:
                if (school.pk, period.pk) in done:
                    continue
                items.append(
                    Item(
                        f"{school.name} · {period}",
                        _("Report deadline %(date)s") % {"date": _day(period.deadline)},
                        reverse("reporting:my_reports"),
                        period.deadline,
                        period.deadline < today,
                    )
                )
    elif scope.is_admin or scope.bureau_paths:
        for period in periods:
            items.append(
                Item(
                    str(period),
                    _("Report deadline %(date)s: see which schools have not submitted.")
                    % {"date": _day(period.deadline)},
                    f"{reverse('reporting:board_missing')}?period={period.pk}",
                    period.deadline,
                    period.deadline < today,
                )
            )
    return Group("due", _("Report deadlines"), len(items), items[:SHOWN])


def _stints_to_confirm(scope) -> Group | None:
    """The host school confirms the stints the teacher or the sending school
    recorded."""
    if not scope.school_ids:
        return None
    stints = Stint.objects.filter(
        confirmation=StintConfirmation.PENDING,
        secondment__host_school_id__in=scope.school_ids,
    ).select_related("secondment__person", "secondment__sending_school")
    return Group(
        "confirm",
        _("Stints on post to confirm"),
        stints.count(),
        [
            Item(
                f"{s.secondment.person.name} · {_day(s.start)} – {_day(s.end)}",
                _("from %(school)s") % {"school": s.secondment.sending_school.name},
                reverse("dispatch:secondment_detail", args=[s.secondment_id]),
            )
            for s in stints.order_by("start", "pk")[:SHOWN]
        ],
    )


def _stints_to_correct(user, scope) -> Group | None:
    """Stints the host school sent back, for whoever recorded them or their
    sending school."""
    wanted = Q(recorded_by=user)
    if scope.school_ids:
        wanted |= Q(secondment__sending_school_id__in=scope.school_ids)
    stints = visible(
        Stint.objects.filter(wanted, confirmation=StintConfirmation.CORRECTION), user
    ).select_related("secondment__person")

    def where(stint) -> str:
        # A seconded teacher corrects it on their own page; staff on the secondment.
        if scope.only_own_records:
            return reverse("dispatch:teacher:stint_edit", args=[stint.pk])
        return reverse("dispatch:secondment_detail", args=[stint.secondment_id])

    return Group(
        "correct",
        _("Stints sent back for correction"),
        stints.count(),
        [
            Item(
                f"{s.secondment.person.name} · {_day(s.start)} – {_day(s.end)}",
                s.host_comment,
                where(s),
            )
            for s in stints.order_by("start", "pk")[:SHOWN]
        ],
    )


def _imports_to_confirm(user) -> Group | None:
    jobs = ImportJob.objects.filter(user=user, status=ImportStatus.CHECKED)
    return Group(
        "imports",
        _("Imports checked, awaiting your confirmation"),
        jobs.count(),
        [
            Item(
                job.file_name,
                _("checked %(when)s") % {"when": _moment(job.updated_at)},
                reverse("imports:detail", args=[job.pk]),
            )
            for job in jobs.order_by("-created_at")[:SHOWN]
        ],
        reverse("imports:index"),
    )


def _warnings(user, today) -> Group | None:
    warnings = warnings_for(user, today=today)
    return Group(
        "warnings",
        _("Early warnings on your pairings"),
        len(warnings),
        [
            Item(
                f"{w.pairing_name} · {w.rule_label}",
                w.message,
                w.url,
                w.semester_end,
            )
            for w in warnings[:SHOWN]
        ],
    )
