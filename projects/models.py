from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.autocomplete import Autocomplete
from core.choices import choice_label
from core.models import (
    MoneyAmountModel,
    TimeStampedModel,
    money_field,
    non_negative_check,
)
from core.scope import PAIRING, Rule
from core.validators import plausible_date
from core.versioning import VersionedModel

from .choices import (
    DonationForm,
    DonorKind,
    FundingKind,
    FundingSource,
    GoodsCategory,
    ProjectCategory,
    ProjectPhase,
)


class AidProject(VersionedModel, TimeStampedModel):
    """A library, a lab, a dormitory… built with aid for a receiving school."""

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    receiving_school = models.ForeignKey(
        "pairings.School",
        verbose_name=_("receiving school"),
        on_delete=models.PROTECT,
        related_name="aid_projects",
    )
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(
        _("category"), max_length=12, choices=ProjectCategory.choices
    )
    approval_document = models.CharField(
        _("approval document"), max_length=128, blank=True
    )
    total_investment = money_field(_("total investment (yuan)"))
    aid_amount = money_field(_("aid share (yuan)"))
    phase = models.CharField(
        _("phase"),
        max_length=12,
        choices=ProjectPhase.choices,
        default=ProjectPhase.APPROVED,
    )
    planned_start = models.DateField(
        _("planned start"), null=True, blank=True, validators=[plausible_date]
    )
    planned_end = models.DateField(
        _("planned end"), null=True, blank=True, validators=[plausible_date]
    )
    actual_start = models.DateField(
        _("actual start"), null=True, blank=True, validators=[plausible_date]
    )
    actual_end = models.DateField(
        _("actual end"), null=True, blank=True, validators=[plausible_date]
    )
    description = models.TextField(_("description"), blank=True)

    autocomplete = Autocomplete("project", search=("name",), order="name")
    scope_rule = Rule(via=("receiving_school", PAIRING))

    class Meta:
        verbose_name = _("aid project")
        verbose_name_plural = _("aid projects")
        ordering = ["-planned_start", "id"]
        constraints = [
            *non_negative_check("total_investment", "aid_amount", model="aidproject"),
            models.CheckConstraint(
                condition=models.Q(aid_amount__lte=models.F("total_investment")),
                name="aidproject_aid_within_total",
                violation_error_message=_(
                    "The aid share cannot exceed the total investment."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(planned_end__isnull=True)
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_end__gte=models.F("planned_start")),
                name="aidproject_planned_dates_ordered",
                violation_error_message=_(
                    "The planned end cannot be before the planned start."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(actual_end__isnull=True)
                | models.Q(actual_start__isnull=True)
                | models.Q(actual_end__gte=models.F("actual_start")),
                name="aidproject_actual_dates_ordered",
                violation_error_message=_(
                    "The actual end cannot be before the actual start."
                ),
            ),
        ]

    def __str__(self):
        return self.name


class FundingLine(VersionedModel, MoneyAmountModel, TimeStampedModel):
    """Money planned, received or spent for a project or pairing, by source and year."""

    project = models.ForeignKey(
        AidProject,
        verbose_name=_("aid project"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="funding_lines",
    )
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_lines",
    )
    source = models.CharField(_("source"), max_length=24, choices=FundingSource.choices)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FundingKind.choices)
    date = models.DateField(
        _("date"), null=True, blank=True, validators=[plausible_date]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    scope_rule = Rule(via=(PAIRING, "project__receiving_school", f"project__{PAIRING}"))

    class Meta:
        verbose_name = _("funding line")
        verbose_name_plural = _("funding lines")
        ordering = ["-year", "id"]
        constraints = [
            *non_negative_check("amount", model="fundingline"),
            models.CheckConstraint(
                condition=models.Q(project__isnull=False)
                | models.Q(pairing__isnull=False),
                name="fundingline_has_project_or_pairing",
                violation_error_message=_(
                    "A funding line belongs to a project or a pairing."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["year", "kind", "source"], name="funding_year_kind")
        ]

    def __str__(self):
        source, kind = choice_label(self, "source"), choice_label(self, "kind")
        return f"{self.year} {source} {kind} {self.amount}"


class Donation(VersionedModel, MoneyAmountModel, TimeStampedModel):
    """Cash or goods given to a school or a pupil; goods carry an estimated value."""

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
    )
    donor_kind = models.CharField(
        _("donor kind"), max_length=12, choices=DonorKind.choices
    )
    donor_name = models.CharField(_("donor"), max_length=128)
    donor_school = models.ForeignKey(
        "pairings.School",
        verbose_name=_("donor school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations_given",
    )
    recipient_school = models.ForeignKey(
        "pairings.School",
        verbose_name=_("recipient school"),
        on_delete=models.PROTECT,
        related_name="donations_received",
    )
    recipient_pupil = models.CharField(_("recipient pupil"), max_length=64, blank=True)
    date = models.DateField(_("date"), validators=[plausible_date])
    form = models.CharField(
        _("cash or goods"), max_length=6, choices=DonationForm.choices
    )
    category = models.CharField(
        _("goods category"), max_length=12, choices=GoodsCategory.choices, blank=True
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=8, blank=True)

    scope_rule = Rule(via=("recipient_school", "donor_school", PAIRING))

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-date", "id"]
        constraints = [
            *non_negative_check("amount", model="donation"),
            models.CheckConstraint(
                condition=models.Q(form="cash", category="")
                | models.Q(form="goods") & ~models.Q(category=""),
                name="donation_goods_have_category",
                violation_error_message=_("Goods need a category; cash has none."),
            ),
        ]
        indexes = [models.Index(fields=["date", "form"], name="donation_date_form")]

    def __str__(self):
        return f"{self.donor_name} {self.date} {self.amount}"
