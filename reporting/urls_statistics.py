"""Statistics tables: the index and the HTML preview of one table."""

from django.urls import path

from . import views_statistics

urlpatterns = [
    path("statistics/", views_statistics.StatisticsIndex.as_view(), name="statistics"),
    path(
        "statistics/<slug:code>/",
        views_statistics.StatisticsTable.as_view(),
        name="statistics_table",
    ),
]
