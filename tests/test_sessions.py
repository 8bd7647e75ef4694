"""Sessions (core/sessions.py): read through the cache, the row renewed at most once
a minute, every change written at once, and the database the truth when the cache
is away."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import sessions

from . import world

pytestmark = pytest.mark.django_db


def sign_in(client, username="xian"):
    response = client.post(
        reverse("login"), {"username": username, "password": world.PASSWORD}
    )
    assert response.status_code == 302
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def session_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, [q["sql"] for q in queries if "django_session" in q["sql"]]


@pytest.fixture
def clock(monkeypatch):
    """The sessions module's clock, moved by hand."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(sessions.time, "time", lambda: now[0])
    return now


def test_pages_neither_read_nor_write_the_session_row_within_a_minute(client, w, clock):
    sign_in(client)
    clock[0] += settings.SESSION_RENEW_SECONDS - 1
    response, queries = session_queries(client, reverse("home"))
    assert response.status_code == 200
    assert queries == []


def test_an_unchanged_session_is_renewed_after_a_minute(client, w, clock):
    before = sign_in(client).expire_date
    clock[0] += settings.SESSION_RENEW_SECONDS
    response, queries = session_queries(client, reverse("home"))
    assert response.status_code == 200
    assert any(q.startswith("UPDATE") for q in queries)
    after = Session.objects.get(session_key=client.cookies["sessionid"].value)
    assert after.expire_date > before


def test_sign_out_ends_the_session_at_once(client, w, clock):
    row = sign_in(client)
    signed_out = client.post(reverse("logout"))
    assert (signed_out.status_code, signed_out["Location"]) == (302, reverse("login"))
    assert not Session.objects.filter(session_key=row.session_key).exists()
    client.cookies["sessionid"] = row.session_key  # the old cookie, replayed
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_expired_row_signs_the_user_out_once_the_cache_lets_go(client, w):
    row = sign_in(client)
    Session.objects.filter(pk=row.pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    cache.delete(sessions.SessionStore.cache_key_prefix + row.session_key)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_cache_keeps_a_session_for_five_minutes_at_most(client, w):
    row = sign_in(client)
    store = sessions.SessionStore(row.session_key)
    store.load()
    assert 0 < store._cache_seconds() <= 5 * 60
    assert settings.SESSION_COOKIE_AGE > 5 * 60


def test_without_the_cache_sessions_live_in_the_database(client, w, monkeypatch):
    """Redis away: the cache answers as a miss and drops writes
    (core.resilience); users sign in, browse and sign out as before."""
    backend = type(caches["default"])
    monkeypatch.setattr(backend, "get", lambda self, key, default=None, **kw: default)
    monkeypatch.setattr(backend, "set", lambda self, *args, **kwargs: None)
    row = sign_in(client)
    response, queries = session_queries(client, reverse("home"))
    assert response.status_code == 200
    assert any(q.startswith("SELECT") for q in queries)
    assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=row.session_key).exists()
    assert client.get(reverse("home")).status_code == 302
