"""Channel configuration (bureau staff of the region, or of the school's region;
administrators) and the reminders sent, with every attempt to deliver them.

School staff and inspectors have no channel pages (404): a channel's address and
secret are credentials of the group. Reminders are read by whoever they are in
scope of (``reminders.scope_rules``); nobody edits them."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View

from core.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)
from core.scope import can_change, can_write_model, visible

from . import services
from .filtersets import ChannelFilterSet, ReminderFilterSet
from .forms import ChannelForm
from .models import Channel, Delivery, Reminder

RECENT_DELIVERIES = 20


class ChannelList(ObjectListView):
    """Bureau staff and administrators; others have no such page (404)."""

    model = Channel
    filterset_class = ChannelFilterSet
    default_ordering = ("name",)
    columns = [
        Column(gettext_lazy("name"), "name", sort="name", link=True),
        Column(gettext_lazy("kind"), "get_kind_display", sort="kind"),
        Column(gettext_lazy("region or school"), "place"),
        Column(gettext_lazy("enabled"), "enabled", sort="enabled", kind="bool"),
    ]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_write_model(request.user, Channel):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self):
        return Channel.objects.select_related("region", "school")


class ChannelDetail(ObjectDetailView):
    model = Channel
    template_name = "reminders/channel_detail.html"

    def base_queryset(self):
        return Channel.objects.select_related("region", "school")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        channel = self.object
        meta = Channel._meta
        rows = [
            (meta.get_field("kind").verbose_name, channel.get_kind_display()),
            (meta.get_field("name").verbose_name, channel.name),
            (_("region or school"), channel.place),
        ]
        if channel.kind == "email":
            rows.append((meta.get_field("emails").verbose_name, channel.emails))
        else:
            rows.append(
                (meta.get_field("webhook_url").verbose_name, channel.masked_url)
            )
            rows.append(
                (
                    meta.get_field("secret").verbose_name,
                    channel.masked_secret or _("none"),
                )
            )
        rows.append((meta.get_field("enabled").verbose_name, channel.enabled))
        context["field_rows"] = rows
        context["deliveries"] = (
            Delivery.objects.filter(channel=channel)
            .select_related("reminder", "channel")
            .order_by("-at", "-id")[:RECENT_DELIVERIES]
        )
        return context


class ChannelEdit(ObjectEditView):
    model = Channel
    form_class = ChannelForm


class ChannelDelete(ObjectDeleteView):
    model = Channel


class ChannelTest(LoginRequiredMixin, View):
    """POST: queue a test message to the channel (发送测试消息). The page does not
    wait for it: the result appears in the channel's deliveries."""

    def post(self, request, pk):
        channel = visible(Channel.objects.all(), request.user).filter(pk=pk).first()
        if channel is None:
            raise Http404
        if not can_change(request.user, channel):
            raise PermissionDenied
        services.test_message(channel=channel, user=request.user)
        messages.success(
            request,
            _(
                "A test message was queued; its result appears below in a moment "
                "(reload the page)."
            ),
        )
        return redirect(channel.get_absolute_url())


class ReminderList(ObjectListView):
    model = Reminder
    filterset_class = ReminderFilterSet
    default_ordering = ("-created_at",)
    columns = [
        Column(pgettext_lazy("reminder", "subject"), "subject", link=True),
        Column(gettext_lazy("kind"), "get_kind_display", sort="kind"),
        Column(gettext_lazy("addressed to"), "place"),
        Column(gettext_lazy("sent at"), "sent_on", sort="created_at", kind="date"),
        Column(gettext_lazy("done at"), "done_on", sort="acted_at", kind="date"),
        Column(gettext_lazy("escalation level"), "level", sort="level", kind="number"),
    ]

    def base_queryset(self):
        return Reminder.objects.select_related("region", "school")


class ReminderDetail(ObjectDetailView):
    model = Reminder
    template_name = "reminders/reminder_detail.html"
    fields = [
        "kind",
        "subject",
        "school",
        "region",
        "created_at",
        "due",
        "acted_at",
        "level",
        "escalated_from",
        "created_by",
    ]

    def base_queryset(self):
        return Reminder.objects.select_related(
            "region", "school", "escalated_from", "created_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["deliveries"] = self.object.deliveries.select_related("channel")
        escalation = Reminder.objects.filter(escalated_from=self.object)
        context["escalation"] = visible(escalation, self.request.user).first()
        return context
