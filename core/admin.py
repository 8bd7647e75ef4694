"""The admin site's titles, and who is what in the system (memberships)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Membership

admin.site.site_header = _("Partner Assistance Management System")
admin.site.site_title = _("Partner Assistance")
admin.site.index_title = _("Administration")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "school", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "region", "school"]
    list_select_related = ["user", "region", "school"]
    ordering = ["user__username", "id"]
    list_per_page = 50
