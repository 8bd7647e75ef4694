from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Approximation, Currency, choice_label


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


NON_NEGATIVE = MinValueValidator(
    Decimal("0.00"), message=_("Amounts and counts cannot be negative.")
)


def money_field(verbose_name, **kwargs):
    """Yuan as Decimal with 2 places, never negative."""
    kwargs.setdefault("default", Decimal("0.00"))
    return models.DecimalField(
        verbose_name,
        max_digits=14,
        decimal_places=2,
        validators=[NON_NEGATIVE],
        **kwargs,
    )


def non_negative_check(*fields: str, model: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{field}__gte": 0}),
            name=f"{model}_{field}_non_negative",
            violation_error_message=_("Amounts and counts cannot be negative."),
        )
        for field in fields
    ]


class MoneyAmountModel(models.Model):
    """An amount in yuan, with the approximation and original currency of the source."""

    amount = money_field(_("amount (yuan)"))
    amount_approximation = models.CharField(
        _("approximation"), max_length=10, choices=Approximation.choices, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    original_amount = models.DecimalField(
        _("amount in original currency"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[NON_NEGATIVE],
        help_text=_(
            "Only for foreign currencies; the yuan amount is the converted one."
        ),
    )

    class Meta:
        abstract = True


class Membership(TimeStampedModel):
    """What a user is in the system: bureau staff, school staff, inspector, admin, or
    a seconded teacher (who sees only their own secondments: the app that keeps
    people links the account to the person)."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("system administrator")
        BUREAU = "bureau", _("bureau staff")
        SCHOOL = "school", _("school staff")
        INSPECTOR = "inspector", _("inspector (read only)")
        TEACHER = "teacher", _("seconded teacher")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    region = models.ForeignKey(
        settings.SCOPE_REGION_MODEL,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    school = models.ForeignKey(
        settings.SCOPE_SCHOOL_MODEL,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    can_manage_users = models.BooleanField(
        _("manages users"),
        default=False,
        help_text=_(
            "Bureau staff who create and manage user accounts in their region."
        ),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        role__in=["admin", "teacher"],
                        region__isnull=True,
                        school__isnull=True,
                    )
                    | models.Q(
                        role__in=["bureau", "inspector"],
                        region__isnull=False,
                        school__isnull=True,
                    )
                    | models.Q(role="school", school__isnull=False, region__isnull=True)
                ),
                name="membership_role_matches_unit",
                violation_error_message=_(
                    "Bureau staff and inspectors belong to a region, school staff to "
                    "a school, administrators and seconded teachers to neither."
                ),
            ),
        ]

    def __str__(self):
        unit = self.school or self.region or ""
        return f"{self.user} · {choice_label(self, 'role')} {unit}".strip()


class AuditEntry(models.Model):
    """One create, update or delete, from any path: who, when, which request, and the
    changed fields with their values before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")

    class Source(models.TextChoices):
        WEB = "web", _("browser")
        ADMIN = "admin", _("admin")
        API = "api", _("API")
        TASK = "task", _("background task")
        IMPORT = "import", _("import")
        SYSTEM = "system", _("system")

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    request_id = models.CharField(
        _("request id"), max_length=36, blank=True, db_index=True
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("object type"),
        on_delete=models.PROTECT,
    )
    object_id = models.CharField(_("object id"), max_length=40)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict)
    # Region paths of the schools the object belonged to when it changed, each with a
    # leading space, so a bureau's audit list is one ``contains`` filter.
    region_paths = models.TextField(_("regions"), blank=True, editable=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_object"),
            models.Index(fields=["user", "time"], name="audit_user_time"),
        ]

    def __str__(self):
        return f"{choice_label(self, 'action')} {self.object_repr}"


class LoginEvent(models.Model):
    """A login attempt, successful or not, with time and address."""

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    username = models.CharField(_("username"), max_length=150)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    success = models.BooleanField(_("succeeded"))
    locked_out = models.BooleanField(_("locked out"), default=False)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("login event")
        verbose_name_plural = _("login log")
        ordering = ["-time", "-id"]

    def __str__(self):
        return f"{self.username} {self.time:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """An in-app message to one user (a report returned, a reminder to file…)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    message = models.CharField(_("message"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.message


class ApiToken(models.Model):
    """A key for programs calling the REST API as a user (令牌). Only a hash of the
    key is kept: the key itself is shown once, when the user creates it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the key is for, e.g. 省平台同步.")
    )
    prefix = models.CharField(_("key prefix"), max_length=8)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    # Its last use is bookkeeping: not audited, and no figure depends on it.
    audit_quiet_fields = ("last_used_at",)
    changes_no_figure = True

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WorkerHeartbeat(models.Model):
    """When each Celery worker last said it was alive (``core.heartbeat``): in the
    database, so that the health check can read it while Redis is down."""

    hostname = models.CharField(_("worker"), max_length=200, unique=True)
    seen_at = models.DateTimeField(_("last seen"))

    # Bookkeeping written by the worker itself: no figure depends on it.
    changes_no_figure = True

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["-seen_at"]

    def __str__(self):
        return self.hostname


class IdempotencyKey(models.Model):
    """An API create sent with an ``Idempotency-Key`` header, and the answer it got:
    a retry with the same key by the same user (after a network error, say) gets
    that answer again instead of creating a second record. Kept for a day
    (``core.api.idempotency``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=255)
    path = models.CharField(_("address"), max_length=500)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status"), null=True)
    body = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Bookkeeping of the API itself: no figure depends on it.
    changes_no_figure = True

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="idempotency_key_once_per_user"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_age")]

    def __str__(self):
        return self.key
