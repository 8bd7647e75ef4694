from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_tokens
from .forms import PasswordChangeForm

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            form_class=PasswordChangeForm,
            template_name="core/password_change.html",
        ),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="core/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("accounts/tokens/", views_tokens.token_list, name="api_tokens"),
    path(
        "accounts/tokens/<int:pk>/revoke/",
        views_tokens.token_revoke_view,
        name="api_token_revoke",
    ),
    path("users/", views.user_list, name="users"),
    path("users/add/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path(
        "memberships/<int:pk>/delete/",
        views.membership_delete,
        name="membership_delete",
    ),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
    path("audit/logins/", views.login_log, name="login_log"),
    path(
        "history/<str:app_label>/<str:model_name>/<int:pk>/",
        views.object_history,
        name="object_history",
    ),
    path("autocomplete/<str:kind>/", views.autocomplete, name="autocomplete"),
]
