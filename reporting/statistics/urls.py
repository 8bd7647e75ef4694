"""Statistics tables: the index and the HTML preview of one table."""

from django.urls import path

from . import views

urlpatterns = [
    path("statistics/", views.StatisticsIndex.as_view(), name="statistics"),
    path(
        "statistics/<slug:code>/",
        views.StatisticsTable.as_view(),
        name="statistics_table",
    ),
]
