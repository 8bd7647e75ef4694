"""Admin for regions, schools, programmes, pairings and agreements.

Writes that the services own (region paths, the rules of a pairing's parties) are
checked here with the services' own rules and messages."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.choices import Side

from . import services
from .admin_filters import region_filters
from .forms import PairingRules, ProgrammeRules
from .models import (
    Agreement,
    AgreementTarget,
    Pairing,
    PairingAssessment,
    PairingParty,
    Programme,
    Region,
    School,
    SchoolNameChange,
    SchoolRegionChange,
    SchoolYearProfile,
)
from .services import region_create, validate_parties

LIST_PER_PAGE = 50


# Regions and schools.


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]

    def clean(self):
        cleaned = super().clean()
        parent, level = cleaned.get("parent"), cleaned.get("level")
        if parent is not None and level is not None and level <= parent.level:
            self.add_error(
                "level", gettext("A region must lie below its parent's level.")
            )
        if self.instance.pk and self.instance.children.exists():
            # Paths of the subregions start with this region's path.
            for field in {"code", "parent", "level"} & set(self.changed_data):
                self.add_error(
                    field,
                    gettext(
                        "This region has subregions: its code, parent and level "
                        "cannot be changed."
                    ),
                )
        return cleaned


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = RegionForm
    list_display = ["name", "code", "level", "parent", "path"]
    list_filter = ["level"]
    search_fields = ["name", "^code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]
    list_select_related = ["parent"]
    ordering = ["path"]
    list_per_page = LIST_PER_PAGE

    def save_model(self, request, obj, form, change):
        if change:
            obj.path = f"{obj.parent.path if obj.parent else ''}{obj.code}/"
            obj.save()
            return
        region = region_create(
            code=obj.code, name=obj.name, level=obj.level, parent=obj.parent
        )
        obj.pk, obj.path = region.pk, region.path
        obj._state.adding = False


class SchoolYearProfileInline(admin.TabularInline):
    model = SchoolYearProfile
    extra = 0


class SchoolNameChangeInline(admin.TabularInline):
    model = SchoolNameChange
    extra = 0


class SchoolRegionChangeInline(admin.TabularInline):
    model = SchoolRegionChange
    extra = 0
    autocomplete_fields = ["former_region"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "region",
        "stage",
        "ownership",
        "locality",
        "is_weak",
        "is_poor_village",
        "is_model",
    ]
    list_filter = [
        *region_filters("region"),
        "stage",
        "ownership",
        "locality",
        "is_weak",
        "is_poor_village",
        "is_model",
    ]
    search_fields = ["^code", "name", "former_names__former_name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    inlines = [
        SchoolYearProfileInline,
        SchoolNameChangeInline,
        SchoolRegionChangeInline,
    ]
    ordering = ["code"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def save_model(self, request, obj, form, change):
        """A school moved to another region keeps its former one (one service)."""
        former = None
        if change and "region" in form.changed_data:
            former = School.objects.select_related("region").get(pk=obj.pk).region
        super().save_model(request, obj, form, change)
        services.school_region_moved(school=obj, former_region=former)


@admin.register(SchoolRegionChange)
class SchoolRegionChangeAdmin(admin.ModelAdmin):
    list_display = ["school", "former_region", "changed_on"]
    search_fields = ["school__name", "^school__code", "former_region__name"]
    autocomplete_fields = ["school", "former_region"]
    list_select_related = ["school", "former_region"]
    date_hierarchy = "changed_on"
    ordering = ["-changed_on", "id"]
    list_per_page = LIST_PER_PAGE


@admin.register(SchoolNameChange)
class SchoolNameChangeAdmin(admin.ModelAdmin):
    list_display = ["former_name", "school", "renamed_on"]
    search_fields = ["former_name", "school__name", "^school__code"]
    autocomplete_fields = ["school"]
    list_select_related = ["school"]
    date_hierarchy = "renamed_on"
    ordering = ["-renamed_on", "id"]
    list_per_page = LIST_PER_PAGE


@admin.register(SchoolYearProfile)
class SchoolYearProfileAdmin(admin.ModelAdmin):
    list_display = [
        "school",
        "school_year",
        "classes",
        "teachers",
        "full_time_teachers",
        "subject_teachers",
        "backbone_teachers",
    ]
    list_filter = ["school_year"]
    search_fields = ["school__name", "^school__code"]
    autocomplete_fields = ["school"]
    list_select_related = ["school"]
    ordering = ["-school_year", "school"]
    list_per_page = LIST_PER_PAGE


# Programmes, pairings and agreements.


class ProgrammeAdminForm(ProgrammeRules, forms.ModelForm):
    pass


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    form = ProgrammeAdminForm
    list_display = [
        "name",
        "kind",
        "issuing_body",
        "document_number",
        "region",
        "cycle_start",
        "cycle_end",
    ]
    list_filter = ["kind", "cycle_start"]
    search_fields = ["name", "document_number", "issuing_body"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    date_hierarchy = "cycle_start"
    ordering = ["-cycle_start", "name"]
    list_per_page = LIST_PER_PAGE
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "kind",
                    "issuing_body",
                    "document_number",
                    "region",
                    ("cycle_start", "cycle_end"),
                    "description",
                ]
            },
        ),
        (
            _("Compliance thresholds"),
            {
                "classes": ["collapse"],
                "fields": [
                    "min_managers_per_side",
                    ("min_teachers_exchanged", "teachers_exchanged_per_direction"),
                    ("min_days_on_post", "min_stint_days"),
                    "training_coverage_percent",
                    ("backbone_small_school_limit", "backbone_large_school_limit"),
                    (
                        "backbone_target_small",
                        "backbone_target_medium",
                        "backbone_target_large",
                    ),
                    "min_research_activities",
                    "min_assessments",
                ],
            },
        ),
    ]


class PartyForm(forms.ModelForm):
    def _get_validation_exclusions(self):
        # The one-lead rule is checked across the whole formset (PartyFormSet):
        # checked row by row against the database it would refuse moving the lead
        # from one school to another in a single save.
        return super()._get_validation_exclusions() | {"is_lead"}


class PartyFormSet(forms.BaseInlineFormSet):
    """The parties as a whole: both sides present, no school twice, one lead."""

    def clean(self):
        if any(self.errors):
            return
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data.get("school") and not form.cleaned_data.get("DELETE")
        ]
        leads = [row["school"] for row in rows if row.get("is_lead")]
        errors = []
        try:
            validate_parties(
                supporting=[r["school"] for r in rows if r["side"] == Side.SUPPORTING],
                receiving=[r["school"] for r in rows if r["side"] == Side.RECEIVING],
                lead=leads[0] if leads else None,
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
        if len(leads) > 1:
            errors.append(gettext("A pairing has only one lead unit."))
        if errors:
            raise ValidationError(errors)
        super().clean()


class PairingPartyInline(admin.TabularInline):
    model = PairingParty
    form = PartyForm
    formset = PartyFormSet
    autocomplete_fields = ["school"]
    extra = 2


class PairingAdminForm(PairingRules, forms.ModelForm):
    pass


@admin.register(Pairing)
class PairingAdmin(admin.ModelAdmin):
    form = PairingAdminForm
    list_display = [
        "name",
        "supporting_schools",
        "receiving_schools",
        "programme",
        "mode",
        "status",
        "start_date",
        "end_date",
    ]
    list_filter = [
        "status",
        "mode",
        "programme__kind",
        "aid_teaching",
        "aid_management",
        "aid_funding",
        "start_date",
    ]
    search_fields = ["name", "programme__name", "programme__document_number"]
    autocomplete_fields = ["programme"]
    list_select_related = ["programme"]
    date_hierarchy = "start_date"
    inlines = [PairingPartyInline]
    ordering = ["-start_date", "id"]
    list_per_page = LIST_PER_PAGE

    def get_queryset(self, request):
        parties = PairingParty.objects.select_related("school").order_by(
            "-is_lead", "id"
        )
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("parties", queryset=parties))
        )

    @admin.display(description=_("supporting schools"))
    def supporting_schools(self, obj):
        return self._schools(obj, Side.SUPPORTING)

    @admin.display(description=_("receiving schools"))
    def receiving_schools(self, obj):
        return self._schools(obj, Side.RECEIVING)

    def _schools(self, obj, side):
        return "、".join(p.school.name for p in obj.parties.all() if p.side == side)

    def save_formset(self, request, form, formset, change):
        if formset.model is PairingParty and change:
            # The one-lead index is checked row by row: clear the old lead first.
            new_lead = next(
                (
                    f.instance.pk
                    for f in formset.forms
                    if f.cleaned_data.get("is_lead") and not f.cleaned_data["DELETE"]
                ),
                None,
            )
            PairingParty.objects.filter(pairing=form.instance, is_lead=True).exclude(
                pk=new_lead
            ).update(is_lead=False)
        super().save_formset(request, form, formset, change)


@admin.register(PairingParty)
class PairingPartyAdmin(admin.ModelAdmin):
    """Parties are changed and removed on their pairing's page, where the rules of
    the whole set (both sides, one lead) are checked; here they can be listed and
    added."""

    list_display = ["school", "side", "is_lead", "pairing"]
    list_filter = ["side", "is_lead"]
    search_fields = ["school__name", "^school__code", "pairing__name"]
    autocomplete_fields = ["pairing", "school"]
    list_select_related = ["school", "pairing"]
    ordering = ["pairing", "side", "-is_lead", "id"]
    list_per_page = LIST_PER_PAGE

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AgreementTargetInline(admin.TabularInline):
    model = AgreementTarget
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "pairing", "kind", "signed_on"]
    list_filter = ["kind", "signed_on"]
    search_fields = ["title", "pairing__name"]
    autocomplete_fields = ["pairing"]
    list_select_related = ["pairing"]
    date_hierarchy = "signed_on"
    inlines = [AgreementTargetInline]
    ordering = ["-signed_on", "id"]
    list_per_page = LIST_PER_PAGE


@admin.register(AgreementTarget)
class AgreementTargetAdmin(admin.ModelAdmin):
    list_display = ["agreement", "year", "metric", "planned"]
    list_filter = ["metric", "year"]
    search_fields = ["agreement__title", "agreement__pairing__name"]
    autocomplete_fields = ["agreement"]
    list_select_related = ["agreement"]
    ordering = ["agreement", "year", "metric"]
    list_per_page = LIST_PER_PAGE


@admin.register(PairingAssessment)
class PairingAssessmentAdmin(admin.ModelAdmin):
    list_display = ["pairing", "assessed_on", "assessor", "result", "score"]
    list_filter = ["result", "assessed_on"]
    search_fields = ["pairing__name", "assessor"]
    autocomplete_fields = ["pairing"]
    list_select_related = ["pairing"]
    date_hierarchy = "assessed_on"
    ordering = ["-assessed_on", "id"]
    list_per_page = LIST_PER_PAGE
