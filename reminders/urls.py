from django.urls import path

from core.generic import crud_urls

from . import views
from .models import Channel, Reminder

app_name = "reminders"

urlpatterns = [
    *crud_urls(
        "reminders/channels",
        Channel,
        list_view=views.ChannelList,
        detail_view=views.ChannelDetail,
        edit_view=views.ChannelEdit,
        delete_view=views.ChannelDelete,
    ),
    path(
        "reminders/channels/<int:pk>/test/",
        views.ChannelTest.as_view(),
        name="channel_test",
    ),
    *crud_urls(
        "reminders/sent",
        Reminder,
        list_view=views.ReminderList,
        detail_view=views.ReminderDetail,
    ),
]
