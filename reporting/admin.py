"""Admin for reporting periods, semester reports and export jobs.

A report's status moves through its workflow (submit, return, approve), which writes
its history; the admin shows the workflow fields but does not edit them. Report
events and export jobs are written by the system and only shown."""

import secrets

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from pairings.admin_filters import region_filters

from .choices import ReportStatus
from .models import (
    REPORT_FIGURES,
    ExportJob,
    ReportAttachment,
    ReportEvent,
    ReportingPeriod,
    SemesterReport,
)

LIST_PER_PAGE = 50
WORKFLOW_FIELDS = ["status", "submitted_at", "is_late", "approved_at", "accepted_at"]


class ReadOnlyAdminMixin:
    """Shown, never written through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def fill_attachment(attachment: ReportAttachment, upload, user) -> None:
    """The stored name is a random key; the user's file name is kept apart."""
    if not attachment.token:
        attachment.token = secrets.token_hex(20)
    attachment.original_name = upload.name[:255]
    attachment.content_type = (
        getattr(upload, "content_type", "") or "application/octet-stream"
    )[:100]
    attachment.size = upload.size
    if attachment.uploaded_by_id is None:
        attachment.uploaded_by = user


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "school_year",
        "semester",
        "start",
        "end",
        "deadline",
        "lock_date",
        "second_level_review",
    ]
    list_filter = ["semester", "school_year", "second_level_review"]
    date_hierarchy = "start"
    ordering = ["-start"]
    list_per_page = LIST_PER_PAGE


class ReportEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReportEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "comment"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class ReportAttachmentInline(admin.TabularInline):
    model = ReportAttachment
    fields = ["file", "original_name", "content_type", "size", "uploaded_by"]
    readonly_fields = ["original_name", "content_type", "size", "uploaded_by"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


@admin.register(SemesterReport)
class SemesterReportAdmin(admin.ModelAdmin):
    list_display = [
        "school",
        "period",
        "status",
        "is_late",
        "submitted_at",
        "approved_at",
        "funds_received",
        "goods_value",
    ]
    list_filter = [
        *region_filters("school__region"),
        "period",
        "status",
        "is_late",
    ]
    search_fields = ["school__name", "^school__code"]
    autocomplete_fields = ["school"]
    list_select_related = ["school", "period"]
    readonly_fields = [*WORKFLOW_FIELDS, "version", "prefilled"]
    inlines = [ReportAttachmentInline, ReportEventInline]
    ordering = ["-period__start", "school"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fieldsets = [
        (None, {"fields": ["school", "period", *WORKFLOW_FIELDS, "version"]}),
        (
            _("Figures"),
            {"fields": [*REPORT_FIGURES, "funds_received", "goods_value"]},
        ),
        (
            _("Figures from the records"),
            {"classes": ["collapse"], "fields": ["prefilled", "explanations"]},
        ),
        (
            _("Narrative"),
            {"fields": ["practices", "outcomes", "problems", "next_steps"]},
        ),
    ]

    def has_change_permission(self, request, obj=None):
        # An approved report is locked; only the workflow's unlock reopens it.
        if obj is not None and obj.status == ReportStatus.APPROVED:
            return False
        return super().has_change_permission(request, obj)

    def get_queryset(self, request):
        # __str__ names the school and the period (autocomplete results
        # too); a changelist skips list_select_related once a queryset has some.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def save_formset(self, request, form, formset, change):
        if formset.model is ReportAttachment:
            for attachment_form in formset.forms:
                upload = attachment_form.cleaned_data.get("file")
                if "file" in attachment_form.changed_data and upload:
                    fill_attachment(attachment_form.instance, upload, request.user)
        super().save_formset(request, form, formset, change)


@admin.register(ReportAttachment)
class ReportAttachmentAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "report",
        "content_type",
        "size",
        "uploaded_by",
        "created_at",
    ]
    search_fields = ["original_name", "report__school__name"]
    autocomplete_fields = ["report"]
    readonly_fields = ["original_name", "content_type", "size", "uploaded_by"]
    list_select_related = ["report__school", "report__period", "uploaded_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "id"]
    list_per_page = LIST_PER_PAGE

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("file")
        if "file" in form.changed_data and upload:
            fill_attachment(obj, upload, request.user)
        super().save_model(request, obj, form, change)


@admin.register(ReportEvent)
class ReportEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "report",
        "action",
        "from_status",
        "to_status",
        "actor",
        "created_at",
    ]
    list_filter = ["action", "to_status", "created_at"]
    search_fields = ["report__school__name", "comment"]
    list_select_related = ["report__school", "report__period", "actor"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    list_per_page = LIST_PER_PAGE


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "table",
        "user",
        "status",
        "progress",
        "stage",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "table", "created_at"]
    search_fields = ["user__username", "error"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    list_per_page = LIST_PER_PAGE
