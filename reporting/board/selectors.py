"""The completeness board (报送情况): which schools have filed their semester report,
region by region, and reminders (催报) to those that have not.

A school counts where it lies: the board covers the user's own regions (a partner
school elsewhere that the user sees through a cross-region pairing reports to its own
bureau and is left out). Figures are aggregated in the database, one query for all
rows whatever the number of schools."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.core.exceptions import PermissionDenied
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Case, Count, F, FilteredRelation, Q, Value, When
from django.dispatch import Signal
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import Membership
from core.notifications import notify
from core.scope import Scope, highest, scope_of, under, visible
from pairings.models import Region, School
from reporting.choices import ReportStatus
from reporting.reports.services import expected_schools

logger = logging.getLogger(__name__)

SUBMITTED = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)
NOT_SUBMITTED = (ReportStatus.DRAFT, ReportStatus.RETURNED)
FIGURES = ("expected", "submitted", "on_time", "late", "approved", "returned")


@dataclass
class BoardRow:
    """One line of the board: a region (or the schools directly in the parent region
    when ``direct``), or the total when ``region`` is None."""

    region: Region | None
    direct: bool = False
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    approved: int = 0
    returned: int = 0

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    @property
    def rate(self) -> Decimal | None:
        """Submitted as a percentage of expected, one decimal; None when nothing is
        expected."""
        if not self.expected:
            return None
        return (Decimal(self.submitted * 100) / self.expected).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def label(self) -> str:
        if self.region is None:
            return _("Total")
        if self.direct:
            return _("%(region)s (directly)") % {"region": self.region.name}
        return self.region.name


@dataclass
class Board:
    period: object
    region: Region | None
    rows: list[BoardRow]
    total: BoardRow


def counts(status: str, late: str) -> dict:
    """The board's figures over expected schools, from their report's ``status``
    and ``late`` flag (lookups): the live board and table 5 (as of the lock date)
    count alike."""
    submitted = Q(**{f"{status}__in": SUBMITTED})
    return {
        "expected": Count("pk"),
        "submitted": Count("pk", filter=submitted),
        "on_time": Count("pk", filter=submitted & Q(**{late: False})),
        "late": Count("pk", filter=submitted & Q(**{late: True})),
        "approved": Count("pk", filter=Q(**{status: ReportStatus.APPROVED})),
        "returned": Count("pk", filter=Q(**{status: ReportStatus.RETURNED})),
    }


def _expected_in_scope(scope: Scope, period, region=None, *, paths=None):
    """The expected schools of the period in the user's scope and own regions (or in
    ``paths`` when given), inside ``region`` if given, each joined to its report for
    the period (``period_report``; none when the school has not started one)."""
    schools = visible(
        School.objects.filter(pk__in=expected_schools(period).values("pk")),
        scope=scope,
    )
    if paths is None and not scope.is_admin:
        paths = scope.region_paths
    if paths is not None:
        schools = schools.filter(under(paths))
    if region is not None:
        schools = schools.filter(under([region.path]))
    return schools.annotate(
        period_report=FilteredRelation(
            "semester_reports", condition=Q(semester_reports__period=period)
        )
    )


def completeness(*, user, period, region: Region | None = None) -> Board:
    """The board of ``period``: one row per region one level below the user's top
    region (or below ``region``), one row for the schools directly in that region
    when there are any, and the total."""
    scope = scope_of(user)
    if region is not None:
        roots = [region]
    elif scope.is_admin:
        roots = []
    else:
        roots = list(
            Region.objects.filter(path__in=highest(scope.region_paths)).order_by("path")
        )
    children = Region.objects.filter(parent__in=roots) if roots else None
    if children is None:
        children = Region.objects.filter(parent__isnull=True)
    children = list(visible(children, scope=scope).order_by("path"))

    # Schools in a child region go to its row, the rest to their root's "direct" row.
    group = Case(
        *[When(under([c.path]), then=Value(c.pk)) for c in children],
        *[When(under([r.path]), then=Value(-r.pk)) for r in roots],
        default=Value(0),
    )
    figures = (
        _expected_in_scope(scope, period, region)
        .annotate(group=group)
        .order_by()
        .values("group")
        .annotate(**counts("period_report__status", "period_report__is_late"))
    )
    by_group = {row["group"]: row for row in figures}

    def row_for(key, region_, direct=False):
        counts = by_group.get(key, {})
        return BoardRow(
            region_, direct, **{name: counts.get(name, 0) for name in FIGURES}
        )

    rows = [row_for(c.pk, c) for c in children]
    rows += [
        row for row in (row_for(-r.pk, r, direct=True) for r in roots) if row.expected
    ]
    total = BoardRow(
        None,
        **{name: sum(g[name] for g in by_group.values()) for name in FIGURES},
    )
    return Board(period=period, region=region, rows=rows, total=total)


def missing_schools(
    *, user, period, region: Region | None = None, direct: bool = False, paths=None
):
    """The expected schools in the user's scope that have not submitted their report
    for the period (no report, a draft or a returned report), with ``report_status``
    (None without a report) and ``report_id``, ordered by region and name.

    ``direct`` keeps only the schools directly in ``region``, not below it."""
    schools = _expected_in_scope(scope_of(user), period, region, paths=paths)
    if region is not None and direct:
        schools = schools.filter(region=region)
    return (
        schools.filter(
            Q(period_report__isnull=True) | Q(period_report__status__in=NOT_SUBMITTED)
        )
        .annotate(
            report_status=F("period_report__status"),
            report_id=F("period_report__id"),
        )
        .select_related("region")
        .order_by("region__path", "name")
    )


# Sent by ``reminders_send`` with ``user``, ``period``, ``school_ids`` (the missing
# schools reminded) and ``link``, inside its transaction: an app above (reminders:
# group robots, escalation) connects to it from its AppConfig.ready().
reminded = Signal()


@dataclass(frozen=True)
class Reminders:
    schools: int  # missing schools
    reached: int  # missing schools with at least one staff account
    users: int
    emails: int


def can_remind(user) -> bool:
    scope = scope_of(user)
    return scope.is_admin or bool(scope.bureau_paths)


def _send(messages) -> None:
    try:
        send_mass_mail(messages, fail_silently=False)
    except (smtplib.SMTPException, OSError):
        # The in-app notifications are saved; a mail server down must not undo them.
        logger.exception("Report reminders: sending %s emails failed", len(messages))


@transaction.atomic
def reminders_send(
    *,
    user,
    period,
    region: Region | None = None,
    direct: bool = False,
    link: str = "",
) -> Reminders:
    """Remind the staff of every school in the user's bureau regions that has not
    submitted its report for the period: one in-app notification and, for those with
    an address, one email each (sent once the transaction commits). ``link`` is the
    absolute address of the page where schools file their reports."""
    scope = scope_of(user)
    if not can_remind(user):
        raise PermissionDenied(_("Only bureau staff can send reminders."))
    paths = None if scope.is_admin else scope.bureau_paths
    school_ids = list(
        missing_schools(
            user=user, period=period, region=region, direct=direct, paths=paths
        ).values_list("pk", flat=True)
    )
    staff = (
        Membership.objects.filter(
            role=Membership.Role.SCHOOL,
            school_id__in=school_ids,
            user__is_active=True,
        )
        .order_by()
        .values_list("school_id", "user_id", "user__email")
    )
    reminded.send(
        sender=Reminders, user=user, period=period, school_ids=school_ids, link=link
    )
    reached, emails = set(), {}
    for school_id, user_id, email in staff:
        reached.add(school_id)
        emails.setdefault(user_id, email)
    if not emails:
        return Reminders(len(school_ids), 0, 0, 0)
    values = {
        "period": period,
        "deadline": date_format(period.deadline, "DATE_FORMAT"),
    }
    notify(
        list(emails),
        _("Please submit your report for %(period)s by %(deadline)s.") % values,
        reverse("reporting:my_reports"),
    )
    subject = _("Reminder: semester report for %(period)s") % values
    body = (
        _(
            "Your school has not yet submitted its semester report for %(period)s. "
            "Please submit it by %(deadline)s."
        )
        % values
    )
    if link:
        body = f"{body}\n\n{link}"
    messages = [(subject, body, None, [email]) for email in emails.values() if email]
    if messages:
        transaction.on_commit(partial(_send, messages))
    return Reminders(len(school_ids), len(reached), len(emails), len(messages))
