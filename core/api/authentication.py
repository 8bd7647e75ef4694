"""Token authentication for programs: ``Authorization: Token <key>`` (or
``Bearer <key>``). Keys are created and revoked by the user on the 接口令牌 page;
only their SHA-256 hash is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from core import audit
from core.models import ApiToken

KEY_BYTES = 30
# Writing last_used_at on every call would make every read a write.
TOUCH_EVERY = dt.timedelta(minutes=5)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it and the key, which is never shown again."""
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=key[:8], key_hash=hash_key(key)
    )
    return token, key


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if (
            not header
            or header[0].lower().decode(errors="replace") not in self.keywords
        ):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: give the key after the word Token.")
            )
        try:
            key = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # The audit middleware ran before DRF knew the user: attribute this
        # request's writes to the token's owner.
        audit.attribute_request(request, token.user)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(
                _(
                    "Token created on the API tokens page, sent as "
                    "“Authorization: Token <key>”."
                )
            ),
        }
