"""Writes of the reporting app: the semester report workflow and export housekeeping.

draft → submitted → returned (comment required) → submitted again → approved (locked);
a superior unlocks an approved report with a reason; with a second level, the city
accepts the county's approval. Every step is a ReportEvent (who, when, what, why),
is in the audit trail, and notifies the other side in-app."""

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import storage
from core.models import Membership
from core.notifications import notify
from core.scope import is_above, may_review, scope_of
from reporting.choices import ExportStatus, ReportAction, ReportStatus
from reporting.models import ExportJob, ReportEvent, SemesterReport
from reporting.reports import prefill as prefill_module

EDITABLE = {ReportStatus.DRAFT, ReportStatus.RETURNED}
NARRATIVE = ("practices", "outcomes", "problems", "next_steps")


class ConflictError(ValidationError):
    """Someone else saved the report since this user opened it, or reviewed it
    first."""


class AlreadyDone(ValidationError):
    """The step asked for has already happened (a second click, the back button):
    nothing is written, and the user is told so rather than refused."""

    def __init__(self, message, *, report):
        super().__init__(message)
        self.report = report


# Who may do what -------------------------------------------------------------------


def is_school_staff_of(user, report) -> bool:
    return report.school_id in scope_of(user).school_ids


def _county_path(report) -> str:
    """The path of the county-level region that approves the school's reports,
    whatever the depth (a township below a county, a 直辖市's district, a county
    directly under the province)."""
    return reviewing_region(report).path


def is_reviewer(user, report) -> bool:
    """Bureau staff whose region holds the school (or an administrator)."""
    return may_review(user, report.school.region.path)


def is_superior(user, report) -> bool:
    """Above the county that approves: city or province bureau, or an administrator."""
    return is_above(user, _county_path(report))


class EditRefusal(StrEnum):
    """Why a report cannot be edited, in the order ``edit_refusal`` asks."""

    APPROVED = "approved"  # locked until a superior unlocks it
    SUBMITTED = "submitted"  # with the reviewer until returned
    NOT_SCHOOL_STAFF = "not_school_staff"
    LOCKED = "locked"  # the period's lock date has passed


def edit_refusal(user, report, today: dt.date | None = None) -> EditRefusal | None:
    """Why the user may not edit the report now, or None when they may: school staff
    edit drafts and returned reports until the lock date (or after it when a
    superior unlocked the report)."""
    today = today or timezone.localdate()
    if report.status == ReportStatus.APPROVED:
        return EditRefusal.APPROVED
    if report.status not in EDITABLE:
        return EditRefusal.SUBMITTED
    if not (is_school_staff_of(user, report) or scope_of(user).is_admin):
        return EditRefusal.NOT_SCHOOL_STAFF
    if not (report.reopened or today <= report.period.lock_date):
        return EditRefusal.LOCKED
    return None


def can_edit(user, report, today: dt.date | None = None) -> bool:
    """The user may edit the report now (see ``edit_refusal``)."""
    return edit_refusal(user, report, today) is None


# Reads -----------------------------------------------------------------------------


def already_submitted(user, report) -> bool:
    """The school's own staff asking to submit a report that is already in and
    not yet reviewed (a second click, the back button)."""
    return report.status == ReportStatus.SUBMITTED and (
        is_school_staff_of(user, report) or scope_of(user).is_admin
    )


def last_event(report, *actions) -> ReportEvent | None:
    """The report's latest step of one of these kinds, with its actor."""
    return (
        report.events.filter(action__in=actions)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


def why_returned(report) -> ReportEvent | None:
    """Why a returned report is back with the school: the reviewer's return comment
    or the superior's reason for unlocking, whichever came last. None unless the
    report is returned."""
    if report.status != ReportStatus.RETURNED:
        return None
    return last_event(report, ReportAction.RETURN, ReportAction.UNLOCK)


def reviewing_region(report):
    """The county-level region whose bureau reviews (returns, approves) the report."""
    return report.school.region.county()


def unlocking_region(report):
    """The region whose bureau, or any above it, may unlock the approved report: the
    one above the county that reviews it (``is_superior``). None when there is none
    and only an administrator can."""
    county = reviewing_region(report)
    return county.parent if county.parent_id else None


def report_for(*, school, period, user=None) -> SemesterReport:
    """The school's report for the period, created as a prefilled draft if missing."""
    report = SemesterReport.objects.filter(school=school, period=period).first()
    if report is not None:
        return report
    figures = prefill_module.prefill(school, period)
    with transaction.atomic():
        report, created = SemesterReport.objects.get_or_create(
            school=school,
            period=period,
            defaults={**figures, "prefilled": prefill_module.as_json(figures)},
        )
        if created:
            _event(report, ReportAction.CREATE, "", ReportStatus.DRAFT, user)
    return report


# Writes ----------------------------------------------------------------------------


def _event(report, action, from_status, to_status, user, comment=""):
    return ReportEvent.objects.create(
        report=report,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=user if getattr(user, "is_authenticated", False) else None,
        comment=comment,
    )


def _check(condition, message):
    if not condition:
        raise PermissionDenied(message)


def _locked(report) -> SemesterReport:
    """The report brought up to date, its row locked until the transaction ends:
    every workflow step decides on the row as it is now, so of two concurrent
    steps the second waits for the first and then sees its outcome (never both
    from the same state). The caller's object is refreshed in place."""
    list(SemesterReport.objects.select_for_update().filter(pk=report.pk).values("pk"))
    report.refresh_from_db()
    return report


REVIEW_STEPS = {
    ReportStatus.APPROVED: ReportAction.APPROVE,
    ReportStatus.RETURNED: ReportAction.RETURN,
}


def _check_reviewable(report, user, action, message):
    """A review step on a report that is no longer submitted: the user's own
    repeated click is already done; another reviewer's decision is a conflict;
    anything else is not a report to review."""
    if report.status == ReportStatus.SUBMITTED:
        return
    if report.status in REVIEW_STEPS:
        last = report.events.order_by("-pk").first()
        if (
            last is not None
            and last.action == action
            and last.actor_id == getattr(user, "pk", None)
        ):
            done = {
                ReportAction.APPROVE: _("Already approved."),
                ReportAction.RETURN: _("Already returned."),
            }[action]
            raise AlreadyDone(done, report=report)
        raise ConflictError(_("Already reviewed by someone else."))
    raise ValidationError(message)


@transaction.atomic
def report_save(
    *, report, user, version: int, figures: dict, explanations: dict, narrative: dict
) -> SemesterReport:
    """Save the school's figures and narrative. ``version`` is the one the form was
    opened at: if someone saved in between, nothing is written (optimistic lock)."""
    _check(can_edit(user, report), _("This report cannot be edited now."))
    expected = report.prefilled or prefill_module.as_json(
        prefill_module.prefill(report.school, report.period)
    )
    errors = {}
    for name, value in figures.items():
        recorded = expected.get(name)
        differs = recorded is not None and Decimal(str(value)) != Decimal(str(recorded))
        if differs and not (explanations.get(name) or "").strip():
            errors[name] = _(
                "The records give %(recorded)s: explain why your figure differs."
            ) % {"recorded": recorded}
    if errors:
        raise ValidationError(errors)
    updated = SemesterReport.objects.filter(
        pk=report.pk, version=version, status__in=EDITABLE
    ).update(
        **figures,
        **{k: v for k, v in narrative.items() if k in NARRATIVE},
        explanations={k: v for k, v in explanations.items() if (v or "").strip()},
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if not updated:
        raise ConflictError(
            _(
                "Someone else saved this report after you opened it. Your changes "
                "were not saved; they are still in the form. Reload the report to see "
                "the other changes, then enter yours again."
            )
        )
    before = {f: getattr(report, f) for f in (*figures, *narrative)}
    report.refresh_from_db()
    # .update() skips model signals: record the change in the audit trail here.
    from core.audit import record

    changes = {
        f: [str(before[f]), str(getattr(report, f))]
        for f in before
        if str(before[f]) != str(getattr(report, f))
    }
    if changes:
        record(report, "update", changes)
    _event(report, ReportAction.SAVE, report.status, report.status, user)
    return report


def _bureau_users_for(report):
    """The county bureau that reviews the school's reports."""
    return get_user_model().objects.filter(
        memberships__role=Membership.Role.BUREAU,
        memberships__region__path=_county_path(report),
        is_active=True,
    )


def _school_users_for(report):
    return get_user_model().objects.filter(
        memberships__role=Membership.Role.SCHOOL,
        memberships__school=report.school,
        is_active=True,
    )


def _url(report):
    return reverse("reporting:report_detail", args=[report.pk])


@transaction.atomic
def report_submit(*, report, user, now=None) -> SemesterReport:
    report = _locked(report)
    if already_submitted(user, report):
        raise AlreadyDone(_("Already submitted."), report=report)
    _check(can_edit(user, report), _("This report cannot be submitted now."))
    now = now or timezone.now()
    previous = report.status
    report.status = ReportStatus.SUBMITTED
    if report.submitted_at is None:
        # Late or on time is decided by the first submission: a resubmission after
        # a return does not make a report late (domain.md §5a).
        report.is_late = timezone.localtime(now).date() > report.period.deadline
    report.submitted_at = now
    report.reopened = False
    report.save()
    action = (
        ReportAction.RESUBMIT
        if previous == ReportStatus.RETURNED
        else ReportAction.SUBMIT
    )
    _event(report, action, previous, report.status, user)
    notify(
        _bureau_users_for(report),
        _("%(school)s submitted its report for %(period)s.")
        % {"school": report.school.name, "period": report.period},
        _url(report),
    )
    return report


@transaction.atomic
def report_return(*, report, user, comment: str) -> SemesterReport:
    report = _locked(report)
    _check(
        is_reviewer(user, report), _("Only the reviewing bureau can return a report.")
    )
    _check_reviewable(
        report, user, ReportAction.RETURN, _("Only a submitted report can be returned.")
    )
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Say what the school must fix.")})
    report.status = ReportStatus.RETURNED
    report.save()
    _event(
        report,
        ReportAction.RETURN,
        ReportStatus.SUBMITTED,
        report.status,
        user,
        comment,
    )
    notify(
        _school_users_for(report),
        _("Your report for %(period)s was returned: %(comment)s")
        % {"period": report.period, "comment": comment},
        _url(report),
    )
    return report


@transaction.atomic
def report_approve(*, report, user, comment: str = "", now=None) -> SemesterReport:
    report = _locked(report)
    _check(
        is_reviewer(user, report), _("Only the reviewing bureau can approve a report.")
    )
    _check_reviewable(
        report,
        user,
        ReportAction.APPROVE,
        _("Only a submitted report can be approved."),
    )
    report.status = ReportStatus.APPROVED
    report.approved_at = now or timezone.now()
    report.save()
    _event(
        report,
        ReportAction.APPROVE,
        ReportStatus.SUBMITTED,
        report.status,
        user,
        comment,
    )
    notify(
        _school_users_for(report),
        _("Your report for %(period)s was approved.") % {"period": report.period},
        _url(report),
    )
    return report


@transaction.atomic
def report_accept(*, report, user, now=None) -> SemesterReport:
    """Second level: the city accepts the county's approval."""
    report = _locked(report)
    _check(is_superior(user, report), _("Only the city bureau can accept an approval."))
    if report.status != ReportStatus.APPROVED or report.accepted_at:
        raise ValidationError(
            _("Only an approved report not yet accepted can be accepted.")
        )
    report.accepted_at = now or timezone.now()
    report.save()
    _event(report, ReportAction.ACCEPT, report.status, report.status, user)
    return report


@transaction.atomic
def report_unlock(*, report, user, reason: str) -> SemesterReport:
    """A superior reopens an approved report for the school, with a reason."""
    report = _locked(report)
    _check(is_superior(user, report), _("Only a superior bureau can unlock a report."))
    if report.status != ReportStatus.APPROVED:
        raise ValidationError(_("Only an approved report can be unlocked."))
    if not (reason or "").strip():
        raise ValidationError({"comment": _("Give the reason for unlocking.")})
    report.status = ReportStatus.RETURNED
    report.reopened = True
    report.approved_at = None
    report.accepted_at = None
    report.save()
    _event(
        report, ReportAction.UNLOCK, ReportStatus.APPROVED, report.status, user, reason
    )
    notify(
        _school_users_for(report),
        _("Your report for %(period)s was unlocked: %(reason)s")
        % {"period": report.period, "reason": reason},
        _url(report),
    )
    return report


def reports_approve_many(*, reports, user) -> tuple[int, list[str]]:
    """Bulk approve: each report on its own, so one failure does not stop the rest."""
    done, skipped = 0, []
    for report in reports:
        try:
            report_approve(report=report, user=user)
        except (ValidationError, PermissionDenied):
            skipped.append(report.school.name)
        else:
            done += 1
    return done, skipped


# Exports ---------------------------------------------------------------------------


def export_jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Mark finished jobs older than the retention period expired and delete their
    files. Returns how many jobs expired."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    expired = 0
    for job in ExportJob.objects.filter(
        status__in=[ExportStatus.DONE, ExportStatus.FAILED], finished_at__lt=cutoff
    ).iterator():
        with transaction.atomic():
            if job.file:
                storage.exports().delete(job.file)
            job.status = ExportStatus.EXPIRED
            job.file = ""
            job.save(update_fields=["status", "file", "updated_at"])
        expired += 1
    return expired


def expected_schools(period):
    """Schools expected to report (应报): every school party to a pairing in force
    during the period as it was then, including pairings ended or terminated since
    (domain.md §5a)."""
    from pairings.models import PairingParty, School
    from pairings.selectors import pairings_in_force

    in_force = pairings_in_force(start=period.start, end=period.end)
    return School.objects.filter(
        pk__in=PairingParty.objects.filter(pairing__in=in_force).values("school_id")
    )
