from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.autocomplete import Autocomplete
from core.choices import Direction, choice_label
from core.models import TimeStampedModel
from core.privacy import mask_id_number
from core.scope import PAIRING, Rule
from core.validators import plausible_date
from core.versioning import VersionedModel
from pairings.choices import SchoolStage

from .choices import (
    ActivityKind,
    AppraisalResult,
    BackboneLevel,
    Gender,
    HostSide,
    PersonRole,
    SecondmentKind,
    SecondmentStatus,
    StintConfirmation,
    Subject,
    Title,
    TrainingLevel,
    WorkLogKind,
)

# From a secondment's records to the account of the teacher seconded (the data
# scope of a seconded teacher: ``Rule.person_via``).
TEACHER = "secondment__person__account"


class Person(VersionedModel, TimeStampedModel):
    """A teacher or manager who may be seconded, trained or cultivated."""

    name = models.CharField(
        pgettext_lazy("person", "name"), max_length=64, db_index=True
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    home_school = models.ForeignKey(
        "pairings.School",
        verbose_name=_("home school"),
        on_delete=models.PROTECT,
        related_name="staff",
    )
    role = models.CharField(
        _("role"), max_length=10, choices=PersonRole.choices, default=PersonRole.TEACHER
    )
    subject = models.CharField(_("subject"), max_length=16, choices=Subject.choices)
    stage = models.CharField(
        _("stage taught"), max_length=24, choices=SchoolStage.choices, blank=True
    )
    title = models.CharField(
        _("professional title"),
        max_length=10,
        choices=Title.choices,
        default=Title.NONE,
    )
    is_backbone = models.BooleanField(_("backbone teacher"), default=False)
    honours = models.CharField(
        _("honours"),
        max_length=200,
        blank=True,
        help_text=_("e.g. 教坛新星, 学科带头人"),
    )
    # Personal data: masked in lists and exports unless a role needs it.
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The seconded teacher's own account (opened by a bureau from this page): it
    # sees this person's secondments and records their stints and work log.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teacher's account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="seconded_person",
    )

    autocomplete = Autocomplete(
        "person",
        search=("name",),
        order="name",
        related=("home_school",),
        text=lambda person: f"{person.name}（{person.home_school.name}）",
    )
    scope_rule = Rule(via=("home_school", f"secondments__{PAIRING}"))

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class Secondment(VersionedModel, TimeStampedModel):
    """One person sent once within a pairing: one secondment is one 人次."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="secondments",
    )
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="secondments",
    )
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices
    )
    kind = models.CharField(_("kind"), max_length=12, choices=SecondmentKind.choices)
    sending_school = models.ForeignKey(
        "pairings.School",
        verbose_name=_("sending school"),
        on_delete=models.PROTECT,
        related_name="secondments_sent",
    )
    host_school = models.ForeignKey(
        "pairings.School",
        verbose_name=_("host school"),
        on_delete=models.PROTECT,
        related_name="secondments_hosted",
    )
    batch = models.PositiveSmallIntegerField(
        _("batch"), default=1, validators=[MinValueValidator(1)]
    )
    planned_start = models.DateField(_("planned start"), validators=[plausible_date])
    planned_end = models.DateField(_("planned end"), validators=[plausible_date])
    subject = models.CharField(
        _("subject taught"), max_length=16, choices=Subject.choices
    )
    weekly_periods = models.PositiveSmallIntegerField(
        _("lessons per week"), default=0, validators=[MaxValueValidator(60)]
    )
    duties = models.CharField(_("duties"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SecondmentStatus.choices,
        default=SecondmentStatus.PLANNED,
    )
    note = models.TextField(_("note"), blank=True)

    autocomplete = Autocomplete(
        "secondment",
        search=("person__name",),
        order="-planned_start",
        related=("person", "host_school"),
        text=lambda s: (
            f"{s.person.name} → {s.host_school.name}（{s.planned_start:%Y-%m}）"
        ),
    )
    scope_rule = Rule(via=(PAIRING,), person_via=("person__account",))

    class Meta:
        verbose_name = _("secondment")
        verbose_name_plural = _("secondments")
        ordering = ["-planned_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("planned_start")),
                name="secondment_planned_dates_ordered",
                violation_error_message=_(
                    "The planned end cannot be before the planned start."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(host_school=models.F("sending_school")),
                name="secondment_host_differs_from_sender",
                violation_error_message=_(
                    "The host school must differ from the sending school."
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["pairing", "direction", "kind"], name="sec_pairing_dir"
            ),
            # The secondment list's default order.
            models.Index(fields=["planned_start", "id"], name="sec_planned_start"),
        ]

    def __str__(self):
        return f"{self.person} → {self.host_school} ({choice_label(self, 'kind')})"


class Stint(VersionedModel):
    """A continuous period on post. Days on post come from stints, not from plans.

    The stints of one secondment never overlap: checked by the service on every
    database, and by an exclusion constraint (PostgreSQL) or trigger (SQLite)."""

    secondment = models.ForeignKey(
        Secondment,
        verbose_name=_("secondment"),
        on_delete=models.CASCADE,
        related_name="stints",
    )
    start = models.DateField(_("start"), validators=[plausible_date])
    end = models.DateField(_("end"), validators=[plausible_date])
    note = models.CharField(_("note"), max_length=200, blank=True)
    confirmation = models.CharField(
        _("host confirmation"),
        max_length=12,
        choices=StintConfirmation.choices,
        default=StintConfirmation.CONFIRMED,
        db_index=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    host_comment = models.CharField(
        _("host school's comment"), max_length=500, blank=True
    )
    # A teacher recorded the arrival and not yet the departure: stored as the
    # arrival day alone (the only day the record shows), while the teacher is on
    # post; the forecast takes them as staying to the semester's end.
    open = models.BooleanField(_("departure not yet recorded"), default=False)

    scope_rule = Rule(
        via=(f"secondment__{PAIRING}",),
        school_writes=(f"secondment__{PAIRING}",),
        # The teacher records their stints and changes those the host school has
        # not confirmed (awaiting it, or sent back for correction).
        person_via=(TEACHER,),
        # A confirmed stint is the host school's to change, but an arrival the
        # teacher has not yet closed they complete with its departure.
        person_writes=~models.Q(confirmation=StintConfirmation.CONFIRMED)
        | models.Q(open=True),
    )

    class Meta:
        verbose_name = _("stint on post")
        verbose_name_plural = _("stints on post")
        ordering = ["secondment", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="stint_dates_ordered",
                violation_error_message=_("A stint cannot end before it starts."),
            )
        ]
        indexes = [models.Index(fields=["start", "end"], name="stint_dates")]

    def __str__(self):
        if self.open:
            return _("%(start)s onwards (departure not yet recorded)") % {
                "start": self.start
            }
        return f"{self.start} – {self.end}"

    def get_absolute_url(self):
        return reverse("dispatch:secondment_detail", args=[self.secondment_id])

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class Appraisal(VersionedModel, TimeStampedModel):
    """The host school's yearly appraisal of a seconded person (feeds promotion)."""

    secondment = models.ForeignKey(
        Secondment,
        verbose_name=_("secondment"),
        on_delete=models.CASCADE,
        related_name="appraisals",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    result = models.CharField(
        _("result"), max_length=12, choices=AppraisalResult.choices
    )
    self_appraisal = models.TextField(_("self-appraisal"), blank=True)
    sending_school_opinion = models.TextField(_("sending school's opinion"), blank=True)

    # The host school enters and changes its appraisals; the sending school and
    # the pairing's other parties read them.
    scope_rule = Rule(
        via=(f"secondment__{PAIRING}",), school_writes=("secondment__host_school",)
    )

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        ordering = ["secondment", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["secondment", "year"],
                name="appraisal_one_per_year",
                violation_error_message=_(
                    "This secondment already has an appraisal that year."
                ),
            )
        ]

    def __str__(self):
        return f"{self.year} {choice_label(self, 'result')}"

    def get_absolute_url(self):
        return reverse("dispatch:secondment_detail", args=[self.secondment_id])


class Activity(VersionedModel, TimeStampedModel):
    """Something the pair did together: a lesson, a lecture, a training, a visit…"""

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"), validators=[plausible_date])
    place = models.CharField(_("place"), max_length=128, blank=True)
    host_side = models.CharField(
        _("host side"), max_length=12, choices=HostSide.choices
    )
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, blank=True
    )
    presenter = models.CharField(_("presenter"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=16, blank=True)
    lessons = models.PositiveSmallIntegerField(
        _("lessons"),
        default=0,
        help_text=_("Number of lessons (节) given, for lesson types."),
    )
    sessions = models.PositiveSmallIntegerField(
        _("sessions"), default=1, help_text=_("Number of sessions (期) of a training.")
    )
    training_level = models.CharField(
        _("training level"), max_length=12, choices=TrainingLevel.choices, blank=True
    )
    teacher_participants = models.PositiveIntegerField(
        _("teacher participants (person-times)"), default=0
    )
    student_participants = models.PositiveIntegerField(
        _("student participants (person-times)"), default=0
    )
    trainees = models.ManyToManyField(
        Person,
        through="TrainingParticipation",
        verbose_name=_("receiving-school teachers trained"),
        related_name="trainings",
        blank=True,
    )
    evidence = models.FileField(_("evidence"), upload_to="activities/%Y/", blank=True)
    description = models.TextField(_("description"), blank=True)

    scope_rule = Rule(via=(PAIRING,), school_writes=(PAIRING,))

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "id"]
        indexes = [
            models.Index(fields=["pairing", "date"], name="activity_pairing_date"),
            models.Index(fields=["date", "kind"], name="activity_date_kind"),
        ]

    def __str__(self):
        return self.title


class TrainingParticipation(models.Model):
    """A receiving-school teacher trained in a training activity (for coverage)."""

    activity = models.ForeignKey(
        Activity,
        verbose_name=_("training"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("trainee"),
        on_delete=models.PROTECT,
        related_name="participations",
    )

    scope_rule = Rule(
        via=(f"activity__{PAIRING}",), school_writes=(f"activity__{PAIRING}",)
    )

    class Meta:
        verbose_name = _("training participation")
        verbose_name_plural = _("training participations")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "person"],
                name="participation_once_per_training",
                violation_error_message=_(
                    "This teacher is already listed for this training."
                ),
            )
        ]

    def __str__(self):
        return str(_("training participation"))


class BackboneCultivation(TimeStampedModel):
    """A receiving-school teacher who reached backbone level thanks to the pairing."""

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="backbone_cultivations",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("teacher"),
        on_delete=models.PROTECT,
        related_name="backbone_cultivations",
    )
    level = models.CharField(
        _("level reached"), max_length=10, choices=BackboneLevel.choices
    )
    recognised_on = models.DateField(_("recognised on"), validators=[plausible_date])

    scope_rule = Rule(via=(PAIRING,))

    class Meta:
        verbose_name = _("backbone teacher cultivated")
        verbose_name_plural = _("backbone teachers cultivated")
        ordering = ["-recognised_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "person", "level"],
                name="backbone_once_per_level",
                violation_error_message=_(
                    "This teacher is already recorded at that level."
                ),
            )
        ]

    def __str__(self):
        return f"{self.person} ({choice_label(self, 'level')})"


class WorkLog(VersionedModel, TimeStampedModel):
    """A seconded teacher's account of a day or a week on post (工作日志): what was
    taught and what they joined, with photos as evidence."""

    secondment = models.ForeignKey(
        Secondment,
        verbose_name=_("secondment"),
        on_delete=models.CASCADE,
        related_name="work_logs",
    )
    date = models.DateField(_("date"), validators=[plausible_date])
    kind = models.CharField(
        _("kind"), max_length=8, choices=WorkLogKind.choices, default=WorkLogKind.DAILY
    )
    taught = models.TextField(_("what was taught"))
    activities = models.TextField(_("activities joined"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    scope_rule = Rule(
        via=(f"secondment__{PAIRING}",),
        person_via=(TEACHER,),
        person_writes=models.Q(),
    )

    class Meta:
        verbose_name = _("work log entry")
        verbose_name_plural = _("work log")
        ordering = ["secondment", "-date", "-id"]
        indexes = [models.Index(fields=["secondment", "date"], name="worklog_date")]

    def __str__(self):
        return f"{self.date} {choice_label(self, 'kind')}"


def work_log_photo_path(photo, filename):
    # The user's file name is kept in ``original_name``, never in the path.
    return f"worklogs/{photo.work_log.secondment_id}/{filename}"


class WorkLogPhoto(models.Model):
    """A photo attached to a work log entry as evidence (JPEG or PNG)."""

    work_log = models.ForeignKey(
        WorkLog,
        verbose_name=_("work log entry"),
        on_delete=models.CASCADE,
        related_name="photos",
    )
    file = models.FileField(_("file"), upload_to=work_log_photo_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=32)
    size = models.PositiveIntegerField(_("size (bytes)"))

    scope_rule = Rule(
        via=(f"work_log__secondment__{PAIRING}",),
        person_via=(f"work_log__{TEACHER}",),
        person_writes=models.Q(),
    )

    class Meta:
        verbose_name = _("work log photo")
        verbose_name_plural = _("work log photos")
        ordering = ["work_log", "id"]

    def __str__(self):
        return self.original_name


class SelfAppraisal(VersionedModel, TimeStampedModel):
    """The seconded teacher's own summary of a year on post (自我鉴定), written by
    the teacher; the host school's appraisal of the year is ``Appraisal``."""

    secondment = models.ForeignKey(
        Secondment,
        verbose_name=_("secondment"),
        on_delete=models.CASCADE,
        related_name="self_appraisals",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    text = models.TextField(_("self-appraisal"))

    scope_rule = Rule(
        via=(f"secondment__{PAIRING}",),
        person_via=(TEACHER,),
        person_writes=models.Q(),
    )

    class Meta:
        verbose_name = _("self-appraisal")
        verbose_name_plural = _("self-appraisals")
        ordering = ["secondment", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["secondment", "year"],
                name="self_appraisal_one_per_year",
                violation_error_message=_(
                    "This secondment already has a self-appraisal that year."
                ),
            )
        ]

    def __str__(self):
        return f"{self.year} {self._meta.verbose_name}"
