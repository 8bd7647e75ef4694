"""Security headers on every response: a Content-Security-Policy and a
Permissions-Policy (Django's SecurityMiddleware adds Referrer-Policy and
X-Content-Type-Options, from SECURE_REFERRER_POLICY and SECURE_CONTENT_TYPE_NOSNIFF).

The policy (CONTENT_SECURITY_POLICY, a dict of directives) lets scripts come only
from the site's own files: no inline script, no event handler attribute, no eval.
Styles come from the site's files too; a page that needs a ``<style>`` block of its
own (the printed page's translated footer) marks it with ``nonce="{{ request.
csp_nonce }}"``. A view that needs more (the API documentation, whose bundles write
their styles at run time) says so with ``@csp_update``."""

import secrets
from functools import wraps

from django.conf import settings

NONCE = "'nonce-{nonce}'"


def policy_text(directives: dict[str, str], nonce: str) -> str:
    return "; ".join(
        f"{name} {value.replace(NONCE, NONCE.format(nonce=nonce))}".strip()
        for name, value in directives.items()
    )


def csp_update(**directives):
    """Widen the policy of one view: ``@csp_update(style_src="'self'
    'unsafe-inline'")`` replaces that directive for the view's responses."""
    changes = {name.replace("_", "-"): value for name, value in directives.items()}

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.csp_update = changes
            return response

        return wrapped

    return decorator


class SecurityHeadersMiddleware:
    """Gives each request a fresh nonce (``request.csp_nonce``) and each response
    the policy with that nonce, unless the response set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        directives = dict(settings.CONTENT_SECURITY_POLICY)
        directives.update(getattr(response, "csp_update", {}))
        response.headers.setdefault(
            "Content-Security-Policy", policy_text(directives, request.csp_nonce)
        )
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
