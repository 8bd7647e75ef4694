"""The login log: every success and failure, with time and IP address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed


def client_ip(request) -> str | None:
    if request is None:
        return None
    # Behind the production proxy the client address is the first forwarded one.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    address = (
        forwarded.split(",")[0].strip()
        if forwarded
        else request.META.get("REMOTE_ADDR")
    )
    return address or None


def _user_agent(request) -> str:
    return (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[
        :300
    ]


def _logged_in(sender, request, user, **kwargs):
    from core.models import LoginEvent

    LoginEvent.objects.create(
        username=user.get_username(),
        user=user,
        success=True,
        ip_address=client_ip(request),
        user_agent=_user_agent(request),
    )


def _login_failed(sender, credentials, request=None, **kwargs):
    from core.models import LoginEvent

    username = (credentials or {}).get("username", "")[:150]
    LoginEvent.objects.create(
        username=username,
        user=get_user_model().objects.filter(username=username).first(),
        success=False,
        locked_out=bool(getattr(request, "axes_locked_out", False)),
        ip_address=client_ip(request),
        user_agent=_user_agent(request),
    )


def connect():
    user_logged_in.connect(_logged_in, dispatch_uid="login_log_success")
    user_login_failed.connect(_login_failed, dispatch_uid="login_log_failure")
