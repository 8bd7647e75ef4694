"""The completeness board, the missing schools and reminders."""

from django.urls import path

from reporting.board import views as views_board

urlpatterns = [
    path("reports/board/", views_board.BoardView.as_view(), name="board"),
    path(
        "reports/board/missing/",
        views_board.MissingSchools.as_view(),
        name="board_missing",
    ),
    path(
        "reports/board/remind/",
        views_board.SendReminders.as_view(),
        name="board_remind",
    ),
]
