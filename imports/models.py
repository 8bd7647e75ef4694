from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel
from core.scope import Special, own_rows

from .choices import ImportMode, ImportStatus


class ImportJob(TimeStampedModel):
    """One uploaded workbook of one record type, checked and then applied by the
    worker. Its rows are written under the change set ``import-<id>`` in the audit
    log; ``ImportChange`` keeps what each written row was before, for undo."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    record_type = models.CharField(_("record type"), max_length=24)
    file_name = models.CharField(_("file name"), max_length=255)
    file = models.CharField(_("stored file"), max_length=255)
    error_file = models.CharField(_("marked file"), max_length=255, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ImportStatus.choices,
        default=ImportStatus.CHECKING,
    )
    mode = models.CharField(
        _("what to import"),
        max_length=8,
        choices=ImportMode.choices,
        default=ImportMode.VALID_ROWS,
    )
    stage = models.CharField(pgettext_lazy("job", "stage"), max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    rows = models.PositiveIntegerField(pgettext_lazy("import", "rows"), default=0)
    # {"new": n, "updated": n, "unchanged": n, "error": n} of the check, then of
    # the import.
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # [{"row": 5, "column": "B", "header": "性别", "message": "…"}], every one.
    problems = models.JSONField(_("errors"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    # Rows applied so far, in file order: a worker that stops resumes after them.
    applied_rows = models.PositiveIntegerField(_("rows applied"), default=0)
    error = models.TextField(_("error"), blank=True)
    claim = models.CharField(_("claimed by"), max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("runs started"), default=0)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    scope_rule = Special(see=own_rows, write=lambda scope: not scope.is_empty)
    audit_quiet_fields = ("progress", "stage", "claim", "heartbeat_at", "attempts")
    changes_no_figure = True

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name}（{self.pk}）"

    @property
    def change_set(self) -> str:
        """The request id under which the audit log holds this import's writes."""
        return f"import-{self.pk}"


class ListExport(TimeStampedModel):
    """A list page's filtered records as an Excel workbook in the template's
    columns (edit it, import it back), built by the worker when the list is long."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.CASCADE,
        related_name="list_exports",
    )
    record_type = models.CharField(_("record type"), max_length=24)
    # The list page's query string: the filters, as the page had them.
    query = models.TextField(_("filters"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    rows = models.PositiveIntegerField(pgettext_lazy("import", "rows"), default=0)
    file = models.CharField(_("file"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    claim = models.CharField(_("claimed by"), max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_rule = Special(see=own_rows, write=lambda scope: not scope.is_empty)

    class Meta:
        verbose_name = _("list export")
        verbose_name_plural = _("list exports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.record_type}（{self.pk}）"


class ImportChange(models.Model):
    """A record an import created or updated, with its values before (for undo)."""

    job = models.ForeignKey(
        ImportJob,
        verbose_name=_("import"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    row = models.PositiveIntegerField(_("row"))
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("object type"),
        on_delete=models.CASCADE,
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    action = models.CharField(_("action"), max_length=8)
    before = models.JSONField(_("before"), null=True, blank=True)

    class Meta:
        verbose_name = _("imported change")
        verbose_name_plural = _("imported changes")
        ordering = ["id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.job_id}:{self.row}"
