"""The admin site's titles and who is what in the system (memberships)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    ApiToken,
    AuditEntry,
    IdempotencyKey,
    LoginEvent,
    Membership,
    Notification,
    WorkerHeartbeat,
)

admin.site.site_header = _("Partner Assistance Management System")
admin.site.site_title = _("Partner Assistance")
admin.site.index_title = _("Administration")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "role",
        "region",
        "school",
        "can_manage_users",
        "created_at",
    ]
    list_filter = ["role", "can_manage_users"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "region", "school"]
    list_select_related = ["user", "region", "school"]
    ordering = ["user__username", "id"]
    list_per_page = 50


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the system only: nobody adds, changes or deletes entries."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "time",
        "username",
        "source",
        "action",
        "content_type",
        "object_repr",
    ]
    list_filter = ["action", "source", "content_type"]
    search_fields = ["username", "object_repr", "request_id", "object_id"]
    date_hierarchy = "time"
    list_select_related = ["content_type"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyAdmin):
    list_display = ["time", "username", "success", "locked_out", "ip_address"]
    list_filter = ["success", "locked_out"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "time"
    list_per_page = 50
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "message", "read_at"]
    search_fields = ["user__username", "message"]
    list_select_related = ["user"]
    list_per_page = 50
    show_full_result_count = False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    """Which background workers are alive (the health check reads the same)."""

    list_display = ["hostname", "seen_at"]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    """API creates that may be retried with the same key (kept a day)."""

    list_display = ["created_at", "user", "key", "path", "status_code"]
    search_fields = ["user__username", "key"]
    list_select_related = ["user"]
    exclude = ["body"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Administrators see every token (never the key) and may revoke one, e.g. for
    a user who left."""

    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "prefix"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        from .api.authentication import token_revoke

        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token)
