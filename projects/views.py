from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from core.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)

from .filtersets import AidProjectFilterSet, DonationFilterSet, FundingLineFilterSet
from .forms import AidProjectForm, DonationForm, FundingLineForm, FundingLineFormSet
from .models import AidProject, Donation, FundingLine


class AidProjectList(ObjectListView):
    model = AidProject
    filterset_class = AidProjectFilterSet
    totals = ["total_investment", "aid_amount"]
    default_ordering = ("-planned_start",)
    columns = [
        Column(_("name"), "name", sort="name", link=True),
        Column(_("category"), "get_category_display", sort="category"),
        Column(_("receiving school"), "receiving_school.name"),
        Column(_("phase"), "get_phase_display", sort="phase"),
        Column(_("planned start"), "planned_start", sort="planned_start", kind="date"),
        Column(
            _("total investment (yuan)"),
            "total_investment",
            sort="total_investment",
            kind="money",
        ),
        Column(_("aid share (yuan)"), "aid_amount", sort="aid_amount", kind="money"),
    ]

    def base_queryset(self):
        return AidProject.objects.select_related("receiving_school")


class FundingLineList(ObjectListView):
    model = FundingLine
    filterset_class = FundingLineFilterSet
    totals = ["amount"]
    default_ordering = ("-year",)
    columns = [
        Column(_("year"), "year", sort="year", link=True),
        Column(_("date"), "date", sort="date", kind="date"),
        Column(_("source"), "get_source_display", sort="source"),
        Column(_("kind"), "get_kind_display", sort="kind"),
        Column(_("aid project"), "project.name"),
        Column(_("pairing"), "pairing.name"),
        Column(_("approximation"), "get_amount_approximation_display"),
        Column(_("amount (yuan)"), "amount", sort="amount", kind="money"),
    ]

    def base_queryset(self):
        return FundingLine.objects.select_related("project", "pairing")


class DonationList(ObjectListView):
    model = Donation
    filterset_class = DonationFilterSet
    totals = ["amount"]
    default_ordering = ("-date",)
    columns = [
        Column(_("date"), "date", sort="date", kind="date"),
        Column(_("donor"), "donor_name", sort="donor_name", link=True),
        Column(_("recipient school"), "recipient_school.name"),
        Column(_("cash or goods"), "get_form_display", sort="form"),
        Column(_("goods category"), "get_category_display"),
        Column(_("quantity"), "quantity", kind="number"),
        Column(_("unit"), "unit"),
        Column(_("amount (yuan)"), "amount", sort="amount", kind="money"),
    ]

    def base_queryset(self):
        return Donation.objects.select_related("recipient_school")


class AidProjectDetail(ObjectDetailView):
    model = AidProject
    template_name = "projects/aidproject_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = context["object"].funding_lines.order_by("year", "kind")
        return context


class FundingLineDetail(ObjectDetailView):
    model = FundingLine


class DonationDetail(ObjectDetailView):
    model = Donation


class AidProjectEdit(ObjectEditView):
    model = AidProject
    form_class = AidProjectForm
    formsets = {"funding_lines": FundingLineFormSet}


class FundingLineEdit(ObjectEditView):
    model = FundingLine
    form_class = FundingLineForm


class DonationEdit(ObjectEditView):
    model = Donation
    form_class = DonationForm


class AidProjectDelete(ObjectDeleteView):
    model = AidProject


class FundingLineDelete(ObjectDeleteView):
    model = FundingLine


class DonationDelete(ObjectDeleteView):
    model = Donation


def pairing_panel(request, pairing) -> dict:
    """The pairing page's aid projects, funding by kind and donations."""
    lines = FundingLine.objects.filter(pairing=pairing)
    return {
        "projects": AidProject.objects.filter(pairing=pairing).select_related(
            "receiving_school"
        ),
        "funding": lines.values("kind").annotate(total=Sum("amount")).order_by("kind"),
        "donations": Donation.objects.filter(pairing=pairing).select_related(
            "recipient_school"
        )[:50],
    }
