from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.autocomplete import Autocomplete
from core.choices import Side, choice_label
from core.models import TimeStampedModel
from core.scope import PAIRING, PARTIES, Rule, Special, ancestors, under
from core.validators import plausible_date
from core.versioning import VersionedModel

from . import scope_rules
from .choices import (
    AgreementKind,
    AssessmentResult,
    Locality,
    Ownership,
    PairingMode,
    PairingStatus,
    ProgrammeKind,
    RegionLevel,
    SchoolStage,
    TargetMetric,
)

school_code_validator = RegexValidator(
    r"^[0-9]{10}$", _("The school code (学校标识码) must be exactly 10 digits.")
)


class Region(models.Model):
    """Administrative region: province → city → county → township.

    ``path`` is the chain of codes from the province down ("370000/370100/370102/"),
    so a subtree is one indexed ``startswith`` query."""

    code = models.CharField(_("administrative code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)

    autocomplete = Autocomplete("region", search=("name", "code"), order="path")
    scope_rule = Special(see=scope_rules.regions, write=scope_rules.nobody)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        indexes = [
            models.Index(
                fields=["path"],
                name="region_path_prefix",
                opclasses=["varchar_pattern_ops"],
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level=1, parent__isnull=True)
                | models.Q(level__gt=1, parent__isnull=False),
                name="region_only_province_is_root",
                violation_error_message=_("Only a province has no parent region."),
            )
        ]

    def __str__(self):
        return self.name

    def county(self) -> "Region":
        """The county-level region this region lies in (itself at county level or
        above), found by level, not by depth: a 直辖市's district and a county
        directly under the province are both counties."""
        if self.level <= RegionLevel.COUNTY:
            return self
        if "_county" not in self.__dict__:  # asked several times per report page
            paths = [*ancestors(self.path), self.path]
            found = Region.objects.filter(path__in=paths, level=RegionLevel.COUNTY)
            self._county = found.order_by("-path").first() or self
        return self._county

    def subtree(self):
        return Region.objects.filter(under([self.path], ""))


class School(VersionedModel, TimeStampedModel):
    code = models.CharField(
        _("school code"),
        max_length=10,
        unique=True,
        validators=[school_code_validator],
        help_text=_("10-digit national school identification code (学校标识码)."),
    )
    name = models.CharField(_("name"), max_length=128, db_index=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="schools",
    )
    stage = models.CharField(_("stage"), max_length=24, choices=SchoolStage.choices)
    ownership = models.CharField(
        _("ownership"),
        max_length=10,
        choices=Ownership.choices,
        default=Ownership.PUBLIC,
    )
    locality = models.CharField(
        _("urban or rural"),
        max_length=10,
        choices=Locality.choices,
        default=Locality.URBAN,
    )
    is_weak = models.BooleanField(_("weak school"), default=False)
    is_poor_village = models.BooleanField(
        _("provincial poor-village school"), default=False
    )
    is_model = models.BooleanField(_("model school"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)

    autocomplete = Autocomplete(
        "school",
        search=("name", "code"),
        order="code",
        text=lambda school: f"{school.name}（{school.code}）",
    )
    scope_rule = Rule(
        via=("", "parties__pairing__parties__school"), school_writes=("",)
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{10}$"),
                name="school_code_ten_digits",
                violation_error_message=_(
                    "The school code (学校标识码) must be exactly 10 digits."
                ),
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("pairings:school_detail", args=[self.pk])


class SchoolNameChange(models.Model):
    """Former names are kept when a school is renamed."""

    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="former_names",
    )
    former_name = models.CharField(_("former name"), max_length=128)
    renamed_on = models.DateField(_("renamed on"), validators=[plausible_date])

    scope_rule = Rule(via=("school",))

    class Meta:
        verbose_name = _("former school name")
        verbose_name_plural = _("former school names")
        ordering = ["school", "-renamed_on"]

    def __str__(self):
        return self.former_name


class SchoolRegionChange(models.Model):
    """A school's former region, kept when it is moved (撤县设区, a township merged):
    until ``changed_on`` the school lay in ``former_region``. The statistics place a
    school in a past period's rows as it was then."""

    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="region_changes",
    )
    former_region = models.ForeignKey(
        Region,
        verbose_name=_("former region"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_on = models.DateField(_("moved on"), validators=[plausible_date])

    scope_rule = Rule(via=("school",))

    class Meta:
        verbose_name = _("former region of a school")
        verbose_name_plural = _("former regions of schools")
        ordering = ["school", "-changed_on"]
        indexes = [models.Index(fields=["changed_on"], name="region_change_on")]

    def __str__(self):
        return f"{self.former_region}（{self.changed_on:%Y-%m-%d}）"


class SchoolYearProfile(models.Model):
    """A school's facts for one school year: they change yearly, so keep snapshots."""

    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="profiles",
    )
    school_year = models.PositiveSmallIntegerField(
        _("school year"),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_(
            "The calendar year the school year starts in: 2024 means 2024-2025."
        ),
    )
    classes = models.PositiveIntegerField(_("classes"), default=0)
    students_preschool = models.PositiveIntegerField(_("preschool children"), default=0)
    students_primary = models.PositiveIntegerField(_("primary students"), default=0)
    students_junior = models.PositiveIntegerField(
        _("junior secondary students"), default=0
    )
    students_senior = models.PositiveIntegerField(
        _("senior secondary students"), default=0
    )
    teachers = models.PositiveIntegerField(_("teaching staff"), default=0)
    full_time_teachers = models.PositiveIntegerField(_("full-time teachers"), default=0)
    subject_teachers = models.PositiveIntegerField(_("subject teachers"), default=0)
    senior_titles = models.PositiveIntegerField(_("senior titles"), default=0)
    intermediate_titles = models.PositiveIntegerField(
        _("intermediate titles"), default=0
    )
    backbone_teachers = models.PositiveIntegerField(_("backbone teachers"), default=0)

    scope_rule = Rule(
        via=("school",),
        school_via=("school", "school__parties__pairing__parties__school"),
        school_writes=("school",),
    )

    class Meta:
        verbose_name = _("school-year profile")
        verbose_name_plural = _("school-year profiles")
        ordering = ["school", "-school_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year"],
                name="profile_one_per_school_year",
                violation_error_message=_(
                    "This school already has a profile for that year."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(full_time_teachers__lte=models.F("teachers")),
                name="profile_full_time_within_teachers",
                violation_error_message=_(
                    "Full-time teachers cannot outnumber the teaching staff."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.school} {self.school_year}-{self.school_year + 1}"

    @property
    def students(self):
        return (
            self.students_preschool
            + self.students_primary
            + self.students_junior
            + self.students_senior
        )


class Programme(VersionedModel, TimeStampedModel):
    """The policy a pairing runs under, with the thresholds of its rule set."""

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=ProgrammeKind.choices)
    issuing_body = models.CharField(_("issuing body"), max_length=128)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("owning region"),
        on_delete=models.PROTECT,
        related_name="programmes",
        help_text=_("The bureau that runs the programme."),
    )
    cycle_start = models.DateField(_("cycle start"), validators=[plausible_date])
    cycle_end = models.DateField(_("cycle end"), validators=[plausible_date])
    description = models.TextField(_("description"), blank=True)
    # Compliance thresholds (domain rules), editable per programme.
    min_managers_per_side = models.PositiveSmallIntegerField(
        _("managers on attachment per side per semester"), default=1
    )
    min_teachers_exchanged = models.PositiveSmallIntegerField(
        _("teachers exchanged per school year"), default=2
    )
    teachers_exchanged_per_direction = models.BooleanField(
        _("count teacher exchange per direction"), default=True
    )
    min_days_on_post = models.PositiveSmallIntegerField(
        _("days on post per semester"), default=30
    )
    min_stint_days = models.PositiveSmallIntegerField(
        _("minimum consecutive days of a stint"), default=7
    )
    training_coverage_percent = models.PositiveSmallIntegerField(
        _("training coverage of subject teachers (%)"),
        default=100,
        validators=[MaxValueValidator(100)],
    )
    backbone_small_school_limit = models.PositiveSmallIntegerField(
        _("backbone rule: small school below (subject teachers)"), default=20
    )
    backbone_large_school_limit = models.PositiveSmallIntegerField(
        _("backbone rule: large school above (subject teachers)"), default=50
    )
    backbone_target_small = models.PositiveSmallIntegerField(
        _("backbone teachers to cultivate, small school"), default=1
    )
    backbone_target_medium = models.PositiveSmallIntegerField(
        _("backbone teachers to cultivate, medium school"), default=2
    )
    backbone_target_large = models.PositiveSmallIntegerField(
        _("backbone teachers to cultivate, large school"), default=3
    )
    min_research_activities = models.PositiveSmallIntegerField(
        _("teaching-research activities per semester"), default=1
    )
    min_assessments = models.PositiveSmallIntegerField(
        _("bureau assessments per semester"), default=1
    )

    autocomplete = Autocomplete(
        "programme", search=("name", "document_number"), order="name"
    )
    scope_rule = Special(
        see=scope_rules.programmes,
        change=scope_rules.own_programmes,
        write=scope_rules.bureaus,
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-cycle_start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cycle_end__gte=models.F("cycle_start")),
                name="programme_cycle_ordered",
                violation_error_message=_("The cycle cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    backbone_large_school_limit__gte=models.F(
                        "backbone_small_school_limit"
                    )
                ),
                name="programme_backbone_limits_ordered",
                violation_error_message=_(
                    "The large-school limit must not be below the small-school limit."
                ),
            ),
        ]

    def __str__(self):
        return self.name


class Pairing(VersionedModel, TimeStampedModel):
    """Supporting school(s) paired with receiving school(s) for a cycle."""

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    name = models.CharField(_("name"), max_length=200)
    mode = models.CharField(_("mode"), max_length=16, choices=PairingMode.choices)
    aid_teaching = models.BooleanField(_("teaching staff aid"), default=True)
    aid_management = models.BooleanField(_("management aid"), default=False)
    aid_funding = models.BooleanField(_("funds and goods aid"), default=False)
    start_date = models.DateField(_("start date"), validators=[plausible_date])
    end_date = models.DateField(_("end date"), validators=[plausible_date])
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PairingStatus.choices,
        default=PairingStatus.PREPARING,
    )
    schools = models.ManyToManyField(
        School,
        through="PairingParty",
        verbose_name=_("schools"),
        related_name="pairings",
    )
    note = models.TextField(_("note"), blank=True)

    autocomplete = Autocomplete("pairing", search=("name",), order="name")
    scope_rule = Rule(via=(PARTIES,))

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="pairing_dates_ordered",
                violation_error_message=_("A pairing cannot end before it starts."),
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("pairings:pairing_detail", args=[self.pk])

    def schools_on(self, side: str) -> list:
        """The schools on one side (uses prefetched parties when present)."""
        return [p.school for p in self.parties.all() if p.side == side]

    @property
    def supporting_names(self) -> str:
        return "、".join(s.name for s in self.schools_on(Side.SUPPORTING))

    @property
    def receiving_names(self) -> str:
        return "、".join(s.name for s in self.schools_on(Side.RECEIVING))


class PairingParty(models.Model):
    """A school's side in a pairing. One row per school and pairing, so no school can
    stand on both sides of the same pairing."""

    pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("pairing"),
        on_delete=models.CASCADE,
        related_name="parties",
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="parties",
    )
    side = models.CharField(_("side"), max_length=12, choices=Side.choices)
    is_lead = models.BooleanField(_("lead unit"), default=False)

    scope_rule = Rule(via=(PAIRING,))

    class Meta:
        verbose_name = _("pairing party")
        verbose_name_plural = _("pairing parties")
        ordering = ["pairing", "side", "-is_lead", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "school"],
                name="party_school_once_per_pairing",
                violation_error_message=_(
                    "A school can take part in a pairing only once, on one side."
                ),
            ),
            models.UniqueConstraint(
                fields=["pairing"],
                condition=models.Q(is_lead=True),
                name="party_one_lead_per_pairing",
                violation_error_message=_("A pairing has only one lead unit."),
            ),
        ]
        indexes = [models.Index(fields=["school", "side"], name="party_school_side")]

    def __str__(self):
        return f"{self.school} ({choice_label(self, 'side')})"


class Agreement(VersionedModel, TimeStampedModel):
    pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("pairing"),
        on_delete=models.CASCADE,
        related_name="agreements",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AgreementKind.choices)
    title = models.CharField(_("title"), max_length=200)
    signed_on = models.DateField(
        _("signed on"), null=True, blank=True, validators=[plausible_date]
    )
    document = models.FileField(_("document"), upload_to="agreements/%Y/", blank=True)
    overall_goal = models.TextField(_("overall goal"), blank=True)

    scope_rule = Rule(via=(PAIRING,))

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["pairing", "signed_on"]

    def __str__(self):
        return self.title


class AgreementTarget(VersionedModel):
    """A planned number for one metric in one year of an agreement."""

    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    # A school year, by its first calendar year (2024 = 2024-2025), like the
    # school-year profiles: a target belongs to one school year without doubt.
    year = models.PositiveSmallIntegerField(
        _("school year"),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The school year by its first year: 2024 means 2024-2025."),
    )
    metric = models.CharField(_("metric"), max_length=32, choices=TargetMetric.choices)
    planned = models.DecimalField(
        _("planned"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )

    scope_rule = Rule(via=(f"agreement__{PAIRING}",))

    class Meta:
        verbose_name = _("yearly target")
        verbose_name_plural = _("yearly targets")
        ordering = ["agreement", "year", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "year", "metric"],
                name="target_one_per_metric_year",
                violation_error_message=_(
                    "This metric already has a target for that year."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(planned__gte=0),
                name="target_planned_non_negative",
                violation_error_message=_("A planned figure cannot be negative."),
            ),
        ]

    def __str__(self):
        metric = choice_label(self, "metric")
        return f"{self.school_year_label} {metric}: {self.planned}"

    @property
    def school_year_label(self) -> str:
        return f"{self.year}-{self.year + 1}"


class PairingAssessment(TimeStampedModel):
    """The bureau's periodic assessment of a pairing (考核评估)."""

    pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("pairing"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    assessed_on = models.DateField(_("assessed on"), validators=[plausible_date])
    assessor = models.CharField(_("assessed by"), max_length=128)
    result = models.CharField(
        _("result"), max_length=12, choices=AssessmentResult.choices
    )
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    comment = models.TextField(_("comment"), blank=True)

    scope_rule = Rule(via=(PAIRING,))

    class Meta:
        verbose_name = _("bureau assessment")
        verbose_name_plural = _("bureau assessments")
        ordering = ["pairing", "-assessed_on"]

    def __str__(self):
        return f"{self.pairing} {self.assessed_on}"
