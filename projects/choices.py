from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProjectCategory(models.TextChoices):
    BUILDINGS = "buildings", _("school buildings")
    EQUIPMENT = "equipment", _("equipment")
    IT = "it", _("information technology")
    LIBRARY = "library", _("library and books")
    TRAINING = "training", _("training")
    LIVELIHOOD = "livelihood", _("livelihood")


class ProjectPhase(models.TextChoices):
    APPROVED = "approved", pgettext_lazy("project phase", "approved")
    IN_PROGRESS = "in_progress", pgettext_lazy("project phase", "under way")
    COMPLETED = "completed", pgettext_lazy("project phase", "completed")
    CLOSED = "closed", pgettext_lazy("project phase", "closed")
    CONTINUED = (
        "continued",
        pgettext_lazy("project phase", "continued from a previous cycle"),
    )


class FundingSource(models.TextChoices):
    CENTRAL = "central", _("central government")
    PROVINCIAL = "provincial", _("provincial government")
    CITY = "city", _("city government")
    COUNTY = "county", _("county government")
    SUPPORTING_GOVERNMENT = "supporting_government", _("supporting side's government")
    SCHOOL = "school", _("school's own funds")
    DONATION = "donation", _("social donations")
    OTHER = "other", _("other")


class FundingKind(models.TextChoices):
    PLANNED = "planned", _("planned")
    RECEIVED = "received", _("received")
    SPENT = "spent", _("spent")


class DonorKind(models.TextChoices):
    SCHOOL = "school", _("school")
    STAFF = "staff", _("staff")
    PUPILS = "pupils", _("pupils")
    COMPANY = "company", _("company")
    GOVERNMENT = "government", _("government body")
    OTHER = "other", _("other")


class DonationForm(models.TextChoices):
    CASH = "cash", _("cash")
    GOODS = "goods", _("goods")


class GoodsCategory(models.TextChoices):
    BOOKS = "books", _("books")
    INSTRUMENTS = "instruments", _("instruments")
    COMPUTERS = "computers", _("computers")
    SPORTS = "sports", _("sports and arts equipment")
    CLOTHING = "clothing", _("clothing")
    OFFICE = "office", _("office equipment")
    OTHER = "other", _("other")
