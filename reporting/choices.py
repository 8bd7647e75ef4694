from django.db import models
from django.utils.translation import gettext_lazy as _


class Semester(models.TextChoices):
    AUTUMN = "autumn", _("autumn semester")
    SPRING = "spring", _("spring semester")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    RETURNED = "returned", _("returned")
    APPROVED = "approved", _("approved")


class ReportAction(models.TextChoices):
    CREATE = "create", _("created")
    SAVE = "save", _("saved")
    SUBMIT = "submit", _("submitted")
    RESUBMIT = "resubmit", _("resubmitted")
    RETURN = "return", _("returned")
    APPROVE = "approve", _("approved")
    ACCEPT = "accept", _("accepted by the city")
    UNLOCK = "unlock", _("unlocked")


class StatisticsTable(models.TextChoices):
    PARTNER_ASSISTANCE = "partner_assistance", _("partner-assistance statistics")
    ROSTER = "roster", _("roster of seconded staff")
    PROJECT_LEDGER = "project_ledger", _("aid project ledger")
    FUNDS_GOODS = "funds_goods", _("funds and goods statistics")
    REPORT_SUBMISSION = "report_submission", _("semester report submission")
    COMPLIANCE = "compliance", _("pairing compliance")
    PAIRING_LIST = "pairing_list", _("list of pairings")
    YEARLY_WORKBOOK = "yearly_workbook", _("yearly statistics workbook")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")
    # Its worker stopped giving signs of life; built again once by itself.
    INTERRUPTED = "interrupted", _("interrupted")
