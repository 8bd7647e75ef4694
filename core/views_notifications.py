"""The user's in-app notifications: the list, marking read, and the unread count for
the navigation bar."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import notifications
from .models import Notification

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request):
    """The user's notifications, newest first."""
    page = Paginator(request.user.notifications.all(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    has_unread = request.user.notifications.filter(read_at__isnull=True).exists()
    return render(
        request, "core/notifications.html", {"page": page, "has_unread": has_unread}
    )


@login_required
@require_POST
def notification_read(request, pk):
    """Mark one of the user's notifications read and open what it points to."""
    notification = notifications.notification_read(
        notification=get_object_or_404(Notification, pk=pk, user=request.user)
    )
    url = notification.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request):
    notifications.notifications_read_all(user=request.user)
    return redirect("notifications")


def unread_count(request) -> dict:
    """Context processor: the signed-in user's unread notifications (cached)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": notifications.unread_count(user)}
