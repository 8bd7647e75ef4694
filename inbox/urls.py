from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [path("todo/", views.inbox, name="index")]
