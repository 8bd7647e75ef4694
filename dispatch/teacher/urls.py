"""A seconded teacher's pages under /me/, and the bureau's opening of their
account from the person's page. Included by ``dispatch.urls``."""

from django.urls import path

from . import views

app_name = "teacher"

urlpatterns = [
    path("me/", views.home, name="home"),
    path("me/sw.js", views.service_worker, name="service_worker"),
    path("me/stints/add/", views.stint_add, name="stint_add"),
    path("me/stints/<int:pk>/edit/", views.stint_edit, name="stint_edit"),
    path("me/stints/<int:pk>/delete/", views.stint_delete, name="stint_delete"),
    path("me/log/add/", views.log_add, name="log_add"),
    path("me/photos/<int:pk>/", views.photo, name="photo"),
    path("me/self-appraisal/", views.appraisal, name="appraisal"),
    path("people/<int:pk>/account/", views.account_open, name="account_open"),
    path("people/<int:pk>/account/close/", views.account_close, name="account_close"),
]
