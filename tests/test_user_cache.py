"""The signed-in user's row is read through the cache (``core.users``): a page
does not ask the database for it again, and any change to the user (deactivated,
a new password, a new name) is seen by the very next request."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from . import world
from .test_login import login

pytestmark = pytest.mark.django_db

USERS_TABLE = f'"{get_user_model()._meta.db_table}"'


def _user_queries(client, path="/"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    reads = [q["sql"] for q in queries if f"FROM {USERS_TABLE}" in q["sql"]]
    return response, reads


def test_a_signed_in_users_row_is_read_once_for_many_pages(client, w):
    assert login(client, "xian", world.PASSWORD).status_code == 302
    response, reads = _user_queries(client)
    assert response.status_code == 200
    for _ in range(3):
        response, reads = _user_queries(client)
        assert response.status_code == 200
        assert reads == []
    assert response.context["user"] == w["xian"]


def test_a_deactivated_user_is_signed_out_at_the_next_request(client, w):
    assert login(client, "xian", world.PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    user = w["xian"]
    user.is_active = False
    user.save()
    response = client.get("/")
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_new_password_ends_the_users_other_sessions_at_once(w):
    phone, desk = Client(), Client()
    for client in (phone, desk):
        assert login(client, "xian", world.PASSWORD).status_code == 302
        assert client.get("/").status_code == 200
    user = get_user_model().objects.get(username="xian")
    user.set_password("another-pass-2026")
    user.save()
    response = desk.get("/")
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_renamed_user_is_shown_by_the_next_page(client, w):
    assert login(client, "xian", world.PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    user = w["xian"]
    user.first_name = "新名字"
    user.save()
    assert client.get("/").context["user"].first_name == "新名字"
