from django.urls import include, path

from core.generic import crud_urls

from . import confirmation, views, work_log
from .models import Activity, Appraisal, Person, Secondment, Stint

app_name = "dispatch"

urlpatterns = [
    # A seconded teacher's pages (/me/) and the opening of their account.
    path("", include("dispatch.teacher.urls")),
    # The host school's confirmation of stints (before the stints' own pages).
    path("stints/pending/", confirmation.pending, name="stint_pending"),
    path("stints/<int:pk>/confirm/", confirmation.confirm, name="stint_confirm"),
    path("stints/<int:pk>/send-back/", confirmation.send_back, name="stint_send_back"),
    # The teacher's work log and self-appraisals, read by the bureaus and schools.
    path(
        "secondments/<int:pk>/work-log/",
        work_log.secondment_work_log,
        name="secondment_work_log",
    ),
    path("work-log-photos/<int:pk>/", work_log.photo, name="work_log_photo"),
    *crud_urls(
        "people",
        Person,
        list_view=views.PersonList,
        detail_view=views.PersonDetail,
        edit_view=views.PersonEdit,
        delete_view=views.PersonDelete,
    ),
    *crud_urls(
        "secondments",
        Secondment,
        list_view=views.SecondmentList,
        detail_view=views.SecondmentDetail,
        edit_view=views.SecondmentEdit,
        delete_view=views.SecondmentDelete,
    ),
    *crud_urls(
        "activities",
        Activity,
        list_view=views.ActivityList,
        detail_view=views.ActivityDetail,
        edit_view=views.ActivityEdit,
        delete_view=views.ActivityDelete,
    ),
    *crud_urls(
        "appraisals",
        Appraisal,
        detail_view=views.AppraisalDetail,
        edit_view=views.AppraisalEdit,
        delete_view=views.AppraisalDelete,
    ),
    *crud_urls(
        "stints",
        Stint,
        detail_view=views.StintDetail,
        edit_view=views.StintEdit,
        delete_view=views.StintDelete,
    ),
]
