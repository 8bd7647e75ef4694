import json

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.choices import choice_label
from core.models import TimeStampedModel, money_field, non_negative_check
from core.scope import Rule, Shared, Special, own_rows
from core.validators import plausible_date
from core.versioning import VersionedModel

from .choices import ExportStatus, ReportAction, ReportStatus, Semester, StatisticsTable


class ReportingPeriod(VersionedModel, TimeStampedModel):
    """A semester of a school year: real dates, report deadline and lock date."""

    school_year = models.PositiveSmallIntegerField(
        _("school year"),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_(
            "The calendar year the school year starts in: 2024 means 2024-2025."
        ),
    )
    semester = models.CharField(_("semester"), max_length=8, choices=Semester.choices)
    start = models.DateField(_("start"), validators=[plausible_date])
    end = models.DateField(_("end"), validators=[plausible_date])
    deadline = models.DateField(_("report deadline"), validators=[plausible_date])
    lock_date = models.DateField(_("lock date"), validators=[plausible_date])
    second_level_review = models.BooleanField(
        _("city accepts county approval"),
        default=False,
        help_text=_("Reports approved by the county also need the city's acceptance."),
    )

    scope_rule = Shared(write=lambda scope: scope.top_level == 1)

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "semester"],
                name="period_one_per_semester",
                violation_error_message=_(
                    "This semester already has a reporting period."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="period_end_after_start",
                violation_error_message=_("A period must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("start")),
                name="period_deadline_after_start",
                violation_error_message=_(
                    "The report deadline cannot be before the start."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(lock_date__gte=models.F("deadline")),
                name="period_lock_after_deadline",
                violation_error_message=_(
                    "The lock date cannot be before the deadline."
                ),
            ),
        ]

    def __str__(self):
        semester = choice_label(self, "semester")
        return f"{self.school_year}-{self.school_year + 1} {semester}"


REPORT_FIGURES = (
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
)


class SemesterReport(VersionedModel, TimeStampedModel):
    """A school's semester report: figures prefilled from the records and confirmed by
    the school, the narrative, and the review status."""

    school = models.ForeignKey(
        "pairings.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="semester_reports",
    )
    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("reporting period"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReportStatus.choices,
        default=ReportStatus.DRAFT,
    )
    # Figures (人次 and 人 kept apart; days from stints split at the period boundary).
    secondments_out = models.PositiveIntegerField(
        _("staff sent (person-times)"), default=0
    )
    people_out = models.PositiveIntegerField(_("staff sent (people)"), default=0)
    days_out = models.PositiveIntegerField(_("days on post of staff sent"), default=0)
    secondments_in = models.PositiveIntegerField(
        _("staff received (person-times)"), default=0
    )
    people_in = models.PositiveIntegerField(_("staff received (people)"), default=0)
    days_in = models.PositiveIntegerField(
        _("days on post of staff received"), default=0
    )
    demonstration_lessons = models.PositiveIntegerField(
        _("demonstration and open lessons"), default=0
    )
    lectures = models.PositiveIntegerField(_("lectures and reports"), default=0)
    joint_preparations = models.PositiveIntegerField(
        _("joint preparation and lesson observation"), default=0
    )
    research_activities = models.PositiveIntegerField(
        _("teaching-research activities"), default=0
    )
    training_sessions = models.PositiveIntegerField(_("training sessions"), default=0)
    trainees = models.PositiveIntegerField(_("trainees (person-times)"), default=0)
    student_participants = models.PositiveIntegerField(
        _("students involved (person-times)"), default=0
    )
    funds_received = money_field(_("funds received (yuan)"))
    goods_value = money_field(_("goods received, estimated value (yuan)"))
    prefilled = models.JSONField(
        _("figures prefilled from the records"), default=dict, blank=True
    )
    explanations = models.JSONField(
        _("explanations of figures that differ from the records"),
        default=dict,
        blank=True,
    )
    # Narrative.
    practices = models.TextField(_("main practices"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    # Workflow.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    accepted_at = models.DateTimeField(
        _("accepted by the city at"), null=True, blank=True
    )
    # Set by a superior's unlock: the school may edit after the lock date until it
    # submits again.
    reopened = models.BooleanField(_("unlocked for editing"), default=False)

    scope_rule = Rule(via=("school",), school_writes=("school",))

    class Meta:
        verbose_name = _("semester report")
        verbose_name_plural = _("semester reports")
        ordering = ["-period__start", "school"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "period"],
                name="report_one_per_school_period",
                violation_error_message=_(
                    "This school already has a report for that period."
                ),
            ),
            *non_negative_check(
                "funds_received", "goods_value", model="semesterreport"
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"], name="report_period_status")
        ]

    def __str__(self):
        return f"{self.school} · {self.period}"


def attachment_path(instance, filename):
    # The stored name never comes from the user.
    return f"reports/{instance.report_id}/{instance.token}"


class ReportAttachment(TimeStampedModel):
    report = models.ForeignKey(
        SemesterReport,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    token = models.CharField(
        _("storage key"), max_length=40, unique=True, editable=False
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_rule = Rule(via=("report__school",), school_writes=("report__school",))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["report", "created_at"]

    def __str__(self):
        return self.original_name


class ReportEvent(models.Model):
    """One step of a report's history: who, when, what, why."""

    report = models.ForeignKey(
        SemesterReport,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=10, choices=ReportAction.choices)
    from_status = models.CharField(
        _("from status"), max_length=10, choices=ReportStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=10, choices=ReportStatus.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    scope_rule = Rule(via=("report__school",))

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["report", "created_at", "id"]

    def __str__(self):
        if self.created_at is None:
            return str(choice_label(self, "action"))
        moment = formats.date_format(
            timezone.localtime(self.created_at), "DATETIME_FORMAT"
        )
        return f"{choice_label(self, 'action')} {moment}"


class ExportJob(TimeStampedModel):
    """An Excel export asked for by a user and built by the worker. It stores the
    filters, never a list of ids, so a retry rebuilds the same file."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    table = models.CharField(_("table"), max_length=24, choices=StatisticsTable.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ExportStatus.choices,
        default=ExportStatus.PENDING,
    )
    stage = models.CharField(pgettext_lazy("job", "stage"), max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    file = models.CharField(_("file"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(
        _("file size (bytes)"), null=True, blank=True
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The job and its place in the queue are reconciled by the sweeper
    # (reporting.exports.jobs): no time here means the broker never took it.
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    # Which delivery of the task builds it (a worker claims a job with a
    # conditional update), and its last sign of life, renewed through every phase.
    claim = models.CharField(_("claimed by"), max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("builds started"), default=0)

    scope_rule = Special(see=own_rows, write=lambda scope: not scope.is_empty)

    # A running job's progress is bookkeeping: not audited, no figure depends on it.
    audit_quiet_fields = (
        "progress",
        "stage",
        "started_at",
        "enqueued_at",
        "claim",
        "heartbeat_at",
        "attempts",
    )
    changes_no_figure = True

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100),
                name="exportjob_progress_percent",
                violation_error_message=_("Progress is a percentage."),
            )
        ]

    def __str__(self):
        return f"{choice_label(self, 'table')} ({choice_label(self, 'status')})"

    @classmethod
    def audit_values(cls, field, values) -> dict:
        """The audit log reads the stored filters as what each workbook covers
        (its period and region), not as their keys: all of a page's at once,
        keyed by the value as sorted JSON (``core.changes``)."""
        if field.name != "filters":
            return {}
        from reporting.exports.jobs import describe

        jobs = [
            cls(pk=n, filters=v) for n, v in enumerate(values) if isinstance(v, dict)
        ]
        describe(jobs)
        return {
            json.dumps(job.filters, sort_keys=True, ensure_ascii=False): (
                f"{job.period_label} · {job.region_label}"
            )
            for job in jobs
        }
