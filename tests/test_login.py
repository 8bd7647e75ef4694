"""Login protection: lockout after repeated failures, the login log, sessions."""

import pytest
from django.conf import settings
from django.urls import reverse

from core.models import LoginEvent

from . import world

pytestmark = pytest.mark.django_db


def login(client, username, password, ip="203.0.113.7"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT="pytest-browser",
    )


def test_successful_login_is_logged_with_ip(client, w):
    response = login(client, "xian", world.PASSWORD)
    assert response.status_code == 302
    event = LoginEvent.objects.get(username="xian")
    assert event.success
    assert event.ip_address == "203.0.113.7"
    assert event.user == w["xian"]
    assert event.user_agent == "pytest-browser"


def test_failed_login_is_logged_and_says_so_in_chinese(client, w):
    response = login(client, "xian", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    event = LoginEvent.objects.get(username="xian")
    assert not event.success


def test_lockout_after_repeated_failures(client, w):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        login(client, "xian", "wrong-password")
    response = login(client, "xian", world.PASSWORD)
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not locked out by these failures.
    assert login(client, "xian", world.PASSWORD, ip="198.51.100.2").status_code == 302


def test_login_log_lists_events_for_user_managers_only(client, w):
    login(client, "xuexiao", "wrong-password")
    login(client, "school_b1", "wrong-password")
    client.force_login(w["xian"])
    page = client.get(reverse("login_log")).content.decode()
    assert "xuexiao" in page
    assert "school_b1" not in page
    client.force_login(w["duxue"])
    assert client.get(reverse("login_log")).status_code == 404


def test_sessions_expire_after_inactivity():
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 60 * 60


def test_pages_need_login(client, w):
    for name in ("home", "users", "audit_log"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_csrf_is_enforced(w):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("login"), {"username": "xian", "password": world.PASSWORD}
    )
    assert response.status_code == 403


def test_out_of_scope_pages_say_not_found_without_naming_the_object(
    client, w, settings
):
    settings.DEBUG = False
    client.force_login(w["xian"])
    report = w["in_B1"]
    school = w["b1r"]
    response = client.get(f"/history/pairings/school/{school.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert school.name not in page
    assert report  # the other county's world exists, it is just not shown
