from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    EMAIL = "email", _("e-mail")


class ReminderKind(models.TextChoices):
    REPORT_DEADLINE = "report_deadline", _("report to submit")
    REPORT_REVIEW = "report_review", _("report to review")
    STINT_CONFIRMATION = "stint_confirmation", _("stint to confirm")
    WARNING = "warning", _("early warning")
    TEST = "test", _("test message")


class DeliveryTarget(models.TextChoices):
    """Where one delivery went: a configured channel, a user's e-mail address, or
    the in-app notifications of the addressed school's or region's staff."""

    CHANNEL = "channel", _("channel")
    EMAIL = "email", _("e-mail to staff")
    IN_APP = "in_app", _("in-app notification")


class DeliveryStatus(models.TextChoices):
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
