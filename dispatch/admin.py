"""Admin for people, secondments, stints, appraisals, activities and trainings.

ID numbers are personal data: lists show them masked, search never looks at them."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from pairings.admin_filters import region_filters

from . import services
from .forms import SecondmentRules, StintRules, StintRulesFormSet
from .models import (
    Activity,
    Appraisal,
    BackboneCultivation,
    Person,
    Secondment,
    SelfAppraisal,
    Stint,
    TrainingParticipation,
    WorkLog,
    WorkLogPhoto,
)

LIST_PER_PAGE = 50


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "gender",
        "home_school",
        "role",
        "subject",
        "title",
        "is_backbone",
        "masked_id_number",
    ]
    list_filter = [
        *region_filters("home_school__region"),
        "role",
        "gender",
        "subject",
        "stage",
        "title",
        "is_backbone",
    ]
    search_fields = ["name"]
    autocomplete_fields = ["home_school"]
    list_select_related = ["home_school"]
    ordering = ["name", "id"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return obj.masked_id_number


class StintInline(admin.TabularInline):
    model = Stint
    formset = StintRulesFormSet
    fields = ["start", "end", "note"]
    extra = 1


class AppraisalInline(admin.StackedInline):
    model = Appraisal
    extra = 0


class SecondmentForm(SecondmentRules, forms.ModelForm):
    pass


@admin.register(Secondment)
class SecondmentAdmin(admin.ModelAdmin):
    form = SecondmentForm
    list_display = [
        "person",
        "kind",
        "direction",
        "sending_school",
        "host_school",
        "batch",
        "planned_start",
        "planned_end",
        "status",
        "pairing",
    ]
    list_filter = ["status", "kind", "direction", "batch", "planned_start"]
    search_fields = [
        "person__name",
        "sending_school__name",
        "host_school__name",
        "pairing__name",
    ]
    autocomplete_fields = ["person", "pairing", "sending_school", "host_school"]
    list_select_related = ["person", "pairing", "sending_school", "host_school"]
    date_hierarchy = "planned_start"
    inlines = [StintInline, AppraisalInline]
    ordering = ["-planned_start", "id"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request):
        # __str__ names the person and the host school (autocomplete results
        # too); a changelist skips list_select_related once a queryset has some.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, StintRulesFormSet):
            formset.user = request.user  # who recorded each stint saved
        super().save_formset(request, form, formset, change)


class StintForm(StintRules, forms.ModelForm):
    pass


@admin.register(Stint)
class StintAdmin(admin.ModelAdmin):
    form = StintForm
    list_display = ["secondment", "start", "end", "days", "confirmation", "note"]
    list_filter = ["confirmation", "start"]
    # Set by the services as the stint is saved (``stint_mark_recorded``).
    readonly_fields = [
        "confirmation",
        "recorded_by",
        "confirmed_by",
        "confirmed_at",
        "host_comment",
    ]
    search_fields = ["secondment__person__name", "secondment__host_school__name"]
    autocomplete_fields = ["secondment"]
    list_select_related = ["secondment__person", "secondment__host_school"]
    date_hierarchy = "start"
    ordering = ["-start", "id"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    @admin.display(description=_("days"))
    def days(self, obj):
        return obj.days

    def save_model(self, request, obj, form, change):
        services.stint_mark_recorded(obj, request.user)
        super().save_model(request, obj, form, change)


@admin.register(Appraisal)
class AppraisalAdmin(admin.ModelAdmin):
    list_display = ["secondment", "year", "result"]
    list_filter = ["result", "year"]
    search_fields = ["secondment__person__name", "secondment__host_school__name"]
    autocomplete_fields = ["secondment"]
    list_select_related = ["secondment__person", "secondment__host_school"]
    ordering = ["-year", "id"]
    list_per_page = LIST_PER_PAGE


class WorkLogPhotoInline(admin.TabularInline):
    model = WorkLogPhoto
    fields = ["original_name", "content_type", "size"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(WorkLog)
class WorkLogAdmin(admin.ModelAdmin):
    """A seconded teacher's work log: written on their phone (/me/), read here."""

    list_display = ["secondment", "date", "kind"]
    list_filter = ["kind"]
    search_fields = ["secondment__person__name", "taught"]
    autocomplete_fields = ["secondment"]
    list_select_related = ["secondment__person", "secondment__host_school"]
    readonly_fields = ["recorded_by"]
    inlines = [WorkLogPhotoInline]
    ordering = ["-date", "id"]
    list_per_page = LIST_PER_PAGE


@admin.register(WorkLogPhoto)
class WorkLogPhotoAdmin(admin.ModelAdmin):
    """Evidence photos: uploaded by the teacher, checked on upload; read-only here."""

    list_display = ["work_log", "original_name", "size"]
    list_select_related = ["work_log__secondment__person"]
    readonly_fields = ["work_log", "file", "original_name", "content_type", "size"]
    ordering = ["-id"]
    list_per_page = LIST_PER_PAGE

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SelfAppraisal)
class SelfAppraisalAdmin(admin.ModelAdmin):
    list_display = ["secondment", "year"]
    list_filter = ["year"]
    search_fields = ["secondment__person__name"]
    autocomplete_fields = ["secondment"]
    list_select_related = ["secondment__person", "secondment__host_school"]
    ordering = ["-year", "id"]
    list_per_page = LIST_PER_PAGE


class TrainingParticipationInline(admin.TabularInline):
    model = TrainingParticipation
    autocomplete_fields = ["person"]
    extra = 1


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "date",
        "pairing",
        "host_side",
        "direction",
        "presenter",
        "teacher_participants",
        "student_participants",
    ]
    list_filter = ["kind", "host_side", "direction", "training_level", "date"]
    search_fields = ["title", "presenter", "pairing__name"]
    autocomplete_fields = ["pairing"]
    list_select_related = ["pairing"]
    date_hierarchy = "date"
    inlines = [TrainingParticipationInline]
    ordering = ["-date", "id"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


@admin.register(TrainingParticipation)
class TrainingParticipationAdmin(admin.ModelAdmin):
    list_display = ["person", "activity", "activity_date"]
    search_fields = ["person__name", "activity__title"]
    autocomplete_fields = ["activity", "person"]
    list_select_related = ["person", "activity"]
    ordering = ["-activity__date", "id"]
    list_per_page = LIST_PER_PAGE

    @admin.display(description=_("date"), ordering="activity__date")
    def activity_date(self, obj):
        return obj.activity.date


@admin.register(BackboneCultivation)
class BackboneCultivationAdmin(admin.ModelAdmin):
    list_display = ["person", "level", "recognised_on", "pairing"]
    list_filter = ["level", "recognised_on"]
    search_fields = ["person__name", "pairing__name"]
    autocomplete_fields = ["pairing", "person"]
    list_select_related = ["person", "pairing"]
    date_hierarchy = "recognised_on"
    ordering = ["-recognised_on", "id"]
    list_per_page = LIST_PER_PAGE
