"""Chinese by default, English on request, in the admin the demo users see."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_admin_is_chinese_by_default(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "结对帮扶" in page  # the pairings app's name
    assert 'lang="zh-hans"' in page


def test_language_switch_to_english_and_back(admin_client):
    response = admin_client.post(
        reverse("set_language"), {"language": "en", "next": reverse("admin:index")}
    )
    assert response.status_code == 302
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Pairings" in page
    assert 'lang="en"' in page
    admin_client.post(reverse("set_language"), {"language": "zh-hans"})
    assert "结对帮扶" in admin_client.get(reverse("admin:index")).content.decode()


def test_switch_offers_each_language_in_its_own_name(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "简体中文" in page
    assert "English" in page


def test_chinese_even_when_the_browser_asks_for_english(admin_client):
    page = admin_client.get(
        reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    ).content.decode()
    assert 'lang="zh-hans"' in page
