"""Reminders (提醒) and where they go: group robots of 企业微信 and 钉钉, e-mail and the
in-app notifications, with a record of every attempt to deliver one."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.choices import choice_label
from core.models import TimeStampedModel
from core.scope import Special
from core.versioning import VersionedModel

from . import scope_rules
from .choices import ChannelKind, DeliveryStatus, DeliveryTarget, ReminderKind

ONE_PLACE = Q(region__isnull=False, school__isnull=True) | Q(
    region__isnull=True, school__isnull=False
)


def mask(value: str, keep: int = 4) -> str:
    """A secret as it may be shown again: its last few characters only."""
    if not value:
        return ""
    return "******" + (value[-keep:] if len(value) > 2 * keep else "")


def mask_url(url: str) -> str:
    """A webhook address with the values of its query (the robot's key or access
    token, which let anyone post to the group) masked."""
    if not url:
        return ""
    parts = urlsplit(url)
    query = [(name, mask(value)) for name, value in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def split_addresses(text: str) -> list[str]:
    """E-mail addresses separated by commas, semicolons, spaces or lines."""
    for separator in ",;，；\n\r\t":
        text = text.replace(separator, " ")
    return [address for address in text.split(" ") if address]


class Channel(TimeStampedModel, VersionedModel):
    """A place a region's or a school's reminders are sent to, configured by the
    bureau of that region (or of the school's region)."""

    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=100)
    webhook_url = models.URLField(
        _("webhook address"),
        max_length=500,
        blank=True,
        help_text=_("The group robot's webhook address (企业微信 or 钉钉)."),
    )
    emails = models.TextField(
        _("e-mail addresses"),
        blank=True,
        help_text=_("For an e-mail channel: addresses separated by commas or lines."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_(
            "DingTalk 加签 secret (starts with SEC); stored, never shown again in "
            "full. Leave empty to keep the stored one."
        ),
    )
    region = models.ForeignKey(
        settings.SCOPE_REGION_MODEL,
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_channels",
    )
    school = models.ForeignKey(
        settings.SCOPE_SCHOOL_MODEL,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_channels",
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    scope_rule = Special(
        see=scope_rules.channels, write=scope_rules.bureaus_of_a_region
    )

    class Meta:
        verbose_name = _("reminder channel")
        verbose_name_plural = _("reminder channels")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=ONE_PLACE,
                name="channel_one_place",
                violation_error_message=_(
                    "A channel belongs to either a region or a school."
                ),
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("reminders:channel_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if (self.region_id is None) == (self.school_id is None):
            raise ValidationError(
                _("A channel belongs to either a region or a school."),
                code="one_place",
            )
        if self.kind == ChannelKind.EMAIL:
            addresses = split_addresses(self.emails)
            if not addresses:
                raise ValidationError(
                    {"emails": _("Enter at least one e-mail address.")}
                )
            for address in addresses:
                try:
                    validate_email(address)
                except ValidationError:
                    raise ValidationError(
                        {
                            "emails": _("%(address)s is not an e-mail address.")
                            % {"address": address}
                        }
                    ) from None
        elif not self.webhook_url:
            raise ValidationError(
                {"webhook_url": _("A group robot needs its webhook address.")}
            )

    @property
    def place(self):
        return self.school or self.region

    @property
    def addresses(self) -> list[str]:
        return split_addresses(self.emails)

    @property
    def masked_secret(self) -> str:
        return mask(self.secret)

    @property
    def masked_url(self) -> str:
        return mask_url(self.webhook_url)


class Reminder(models.Model):
    """Something a school or a region's bureau is asked to do (file a report,
    confirm a stint), until it is done (``acted_at``). Not done after
    ``DUIKOU_REMINDER_ESCALATE_DAYS`` days, it is escalated once to the level
    above: a new reminder to the nearest region above with a channel or bureau
    staff to receive it, ``escalated_from`` this one."""

    kind = models.CharField(_("kind"), max_length=30, choices=ReminderKind.choices)
    # What the reminder is about, as its producer names it ("period-3/school-12"):
    # ``services.done(kind, key)`` closes every reminder of the chain.
    key = models.CharField(_("about"), max_length=100)
    subject = models.CharField(pgettext_lazy("reminder", "subject"), max_length=300)
    link = models.CharField(_("link"), max_length=300, blank=True)
    region = models.ForeignKey(
        settings.SCOPE_REGION_MODEL,
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    school = models.ForeignKey(
        settings.SCOPE_SCHOOL_MODEL,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    due = models.DateTimeField(_("due"), null=True, blank=True)
    acted_at = models.DateTimeField(_("done at"), null=True, blank=True)
    escalated_from = models.OneToOneField(
        "self",
        verbose_name=_("escalated from"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation",
    )
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # When the worker worked out its deliveries (None: not yet; the sweeper
    # queues it again).
    fanned_out_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Whether the staff's in-app notices and e-mails are sent (the board's 催报
    # sends its own and asks for the channels only).
    to_staff = models.BooleanField(default=True, editable=False)

    scope_rule = Special(see=scope_rules.reminders, write=scope_rules.nobody)
    audit_quiet_fields = ("fanned_out_at",)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=ONE_PLACE, name="reminder_one_place")
        ]
        indexes = [
            models.Index(fields=["kind", "key"], name="reminder_about"),
            models.Index(
                fields=["created_at"],
                condition=Q(acted_at__isnull=True),
                name="reminder_open",
            ),
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("reminders:reminder_detail", args=[self.pk])

    @property
    def place(self):
        return self.school or self.region

    @property
    def sent_on(self):
        return timezone.localtime(self.created_at).date()

    @property
    def done_on(self):
        return timezone.localtime(self.acted_at).date() if self.acted_at else None


class Delivery(models.Model):
    """One attempt to deliver a reminder to one target (a channel, an address, the
    in-app notifications): the record the sending pages and the tests read."""

    reminder = models.ForeignKey(
        Reminder,
        verbose_name=_("reminder"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    target = models.CharField(
        _("target"), max_length=20, choices=DeliveryTarget.choices
    )
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    # The channel's name, the e-mail address, or how many users were notified.
    address = models.CharField(_("recipient"), max_length=254, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices
    )
    will_retry = models.BooleanField(_("will be retried"), default=False)
    http_status = models.PositiveSmallIntegerField(
        _("HTTP status"), null=True, blank=True
    )
    response = models.CharField(_("answer"), max_length=500, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    scope_rule = Special(see=scope_rules.deliveries, write=scope_rules.nobody)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{choice_label(self, 'target')} {self.address} #{self.attempt}"
