"""Admin for aid projects, funding lines and donations. Amounts are yuan."""

from django.contrib import admin

from pairings.admin_filters import region_filters

from .models import AidProject, Donation, FundingLine

LIST_PER_PAGE = 50


class FundingLineInline(admin.TabularInline):
    model = FundingLine
    fields = [
        "year",
        "source",
        "kind",
        "amount",
        "amount_approximation",
        "currency",
        "original_amount",
        "date",
        "pairing",
        "note",
    ]
    autocomplete_fields = ["pairing"]
    extra = 0


@admin.register(AidProject)
class AidProjectAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "category",
        "receiving_school",
        "total_investment",
        "aid_amount",
        "phase",
        "planned_start",
        "planned_end",
        "approval_document",
    ]
    list_filter = [
        *region_filters("receiving_school__region"),
        "category",
        "phase",
        "planned_start",
    ]
    search_fields = ["name", "approval_document", "receiving_school__name"]
    autocomplete_fields = ["pairing", "receiving_school"]
    list_select_related = ["receiving_school"]
    date_hierarchy = "planned_start"
    inlines = [FundingLineInline]
    ordering = ["-planned_start", "id"]
    list_per_page = LIST_PER_PAGE
    show_facets = admin.ShowFacets.NEVER


@admin.register(FundingLine)
class FundingLineAdmin(admin.ModelAdmin):
    list_display = [
        "year",
        "source",
        "kind",
        "amount",
        "amount_approximation",
        "project",
        "pairing",
        "date",
    ]
    list_filter = ["kind", "source", "year", "currency"]
    search_fields = ["project__name", "pairing__name", "note"]
    autocomplete_fields = ["project", "pairing"]
    list_select_related = ["project", "pairing"]
    date_hierarchy = "date"
    ordering = ["-year", "id"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


@admin.register(Donation)
class DonationAdmin(admin.ModelAdmin):
    list_display = [
        "date",
        "donor_name",
        "donor_kind",
        "recipient_school",
        "form",
        "category",
        "quantity",
        "unit",
        "amount",
        "amount_approximation",
    ]
    list_filter = [
        *region_filters("recipient_school__region"),
        "form",
        "category",
        "donor_kind",
        "date",
    ]
    search_fields = [
        "donor_name",
        "description",
        "recipient_school__name",
        "recipient_pupil",
    ]
    autocomplete_fields = ["pairing", "donor_school", "recipient_school"]
    list_select_related = ["recipient_school"]
    date_hierarchy = "date"
    ordering = ["-date", "id"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
