"""Security headers on every kind of page: the Content-Security-Policy lets scripts
come only from the site's own files, and the templates hold nothing it would block
(no inline script, no event handler attribute, no style attribute)."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path, reverse

from reporting.models import SemesterReport

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def assert_secure(response, *, docs: bool = False):
    csp = policy(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    style = csp["style-src"]
    if docs:
        assert style == ["'self'", "'unsafe-inline'"]
    else:
        assert style[0] == "'self'" and len(style) == 2
        assert re.fullmatch(r"'nonce-[\w-]{20,}'", style[1])
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    permissions = {p.strip() for p in response.headers["Permissions-Policy"].split(",")}
    assert {"camera=()", "microphone=()", "geolocation=()"} <= permissions


def page_urls(w) -> dict[str, str]:
    report = w["in_A1"][SemesterReport]
    return {
        "home (dashboard)": reverse("home"),
        "list": reverse("pairings:pairing_list"),
        "detail": reverse("pairings:pairing_detail", args=[w["pA1"].pk]),
        "form": reverse("pairings:pairing_add"),
        "report": reverse("reporting:report_detail", args=[report.pk]),
        "review queue": reverse("reporting:review"),
        "admin": reverse("admin:index"),
        "admin form": reverse("admin:pairings_pairing_change", args=[w["pA1"].pk]),
        "API list": "/api/v1/pairings/",
        "API detail": f"/api/v1/pairings/{w['pA1'].pk}/",
        "API schema": "/api/schema/",
        "not found page": "/no-such-page/",
        "API not found": "/api/v1/pairings/999999999/",
    }


def test_every_kind_of_page_sends_the_headers(client, w):
    client.force_login(w["admin"])
    for name, url in page_urls(w).items():
        response = client.get(url)
        expected = 404 if "not found" in name else 200
        assert response.status_code == expected, name
        assert_secure(response)


def test_the_login_page_and_a_redirect_send_the_headers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_secure(response)
    response = client.get(reverse("pairings:pairing_list"))
    assert response.status_code == 302
    assert_secure(response)


def test_the_api_documentation_allows_inline_styles_but_no_inline_script(client, w):
    client.force_login(w["admin"])
    for url in (reverse("api:docs"), reverse("api:redoc")):
        response = client.get(url)
        assert response.status_code == 200
        assert_secure(response, docs=True)
        assert policy(response)["worker-src"] == ["'self'", "blob:"]
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
    # Swagger UI's start-up script comes from its own URL.
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_each_response_has_a_fresh_nonce(client, w):
    client.force_login(w["admin"])
    nonces = {policy(client.get(reverse("home")))["style-src"][1] for _ in range(3)}
    assert len(nonces) == 3


def boom(request):
    raise RuntimeError("boom")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [path("boom/", boom), path("forbidden/", forbidden)]


@pytest.mark.urls(__name__)
def test_error_pages_send_the_headers(settings):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "系统出错了" in response.content.decode()
    assert_secure(response)
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert_secure(response)


# The templates --------------------------------------------------------------------

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE)
# Redoc's page allows inline styles (its bundle writes them anyway).
STYLE_BLOCK_ALLOWED = {"drf_spectacular/redoc.html"}


def templates() -> list[tuple[str, str]]:
    return [
        (str(p.relative_to(TEMPLATES)), p.read_text())
        for p in sorted(TEMPLATES.rglob("*.html"))
    ]


def test_no_template_holds_an_inline_script_or_handler():
    found = [
        name
        for name, text in templates()
        if INLINE_HANDLER.search(text) or INLINE_SCRIPT.search(text)
    ]
    assert found == []


def test_no_template_holds_a_style_the_policy_would_block():
    found = [
        name
        for name, text in templates()
        if STYLE_ATTRIBUTE.search(text)
        or (STYLE_BLOCK.search(text) and name not in STYLE_BLOCK_ALLOWED)
    ]
    assert found == []


def test_the_checks_above_find_what_they_look_for():
    assert INLINE_HANDLER.search('<select name="x" onchange="this.form.submit()">')
    assert INLINE_SCRIPT.search("<script>\n  window.x = 1;\n</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js"></script>')
    assert STYLE_ATTRIBUTE.search('<div class="card" style="max-width: 40rem">')
    assert STYLE_BLOCK.search("<style>body {}</style>")
    assert not STYLE_BLOCK.search('<style nonce="{{ request.csp_nonce }}">')
