from django.urls import include, path

app_name = "reporting"

urlpatterns = [
    path("", include("reporting.urls_board")),
    path("", include("reporting.urls_attachments")),
]
