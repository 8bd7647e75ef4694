"""Administrators and bureau user managers manage accounts in the browser, scoped."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db
User = get_user_model()


def new_user(client, **data):
    payload = {
        "username": "zhangsan",
        "last_name": "张",
        "first_name": "三",
        "email": "",
        "password": "Kx7-lesson-plan",
        "role": "school",
        "region": "",
        "school": "",
    }
    payload.update(data)
    return client.post(reverse("user_create"), payload)


def test_county_manager_creates_a_school_user_for_its_own_school(client, w):
    client.force_login(w["xian"])
    response = new_user(client, school=w["a1r"].pk)
    assert response.status_code == 302
    user = User.objects.get(username="zhangsan")
    assert user.check_password("Kx7-lesson-plan")
    membership = user.memberships.get()
    assert (membership.role, membership.school) == ("school", w["a1r"])
    assert not user.is_staff


def test_county_manager_cannot_create_users_for_another_county(client, w):
    client.force_login(w["xian"])
    response = new_user(client, school=w["b1r"].pk)
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not User.objects.filter(username="zhangsan").exists()
    # What was typed is kept.
    assert 'value="zhangsan"' in response.content.decode()


def test_county_manager_cannot_create_administrators(client, w):
    client.force_login(w["xian"])
    response = new_user(client, role="admin")
    assert response.status_code == 200
    assert not User.objects.filter(username="zhangsan").exists()


def test_weak_password_is_refused_in_chinese(client, w):
    client.force_login(w["xian"])
    response = new_user(client, school=w["a1r"].pk, password="12345678")
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    assert not User.objects.filter(username="zhangsan").exists()


def test_non_managers_have_no_user_pages(client, w):
    for name in ("shi", "duxue", "xuexiao"):
        client.force_login(w[name])
        assert client.get(reverse("users")).status_code == 404
        assert new_user(client, school=w["a1r"].pk).status_code == 404


def test_user_list_shows_only_managed_accounts(client, w):
    client.force_login(w["xian"])
    names = {u.username for u in client.get(reverse("users")).context["page"]}
    assert names == {"xian", "duxue", "xuexiao"}


def test_admin_grants_a_bureau_membership_with_user_management(client, w):
    client.force_login(w["admin"])
    response = client.post(
        reverse("user_detail", args=[w["shi"].pk]),
        {
            "form": "grant",
            "role": "bureau",
            "region": w["B"].pk,
            "can_manage_users": "on",
        },
    )
    assert response.status_code == 302
    assert w["shi"].memberships.filter(region=w["B"], can_manage_users=True).exists()


def test_bureau_needs_a_region(client, w):
    client.force_login(w["admin"])
    response = client.post(
        reverse("user_detail", args=[w["shi"].pk]),
        {"form": "grant", "role": "bureau", "region": "", "school": ""},
    )
    assert "教育局工作人员和督学需要选择行政区划" in response.content.decode()
    assert w["shi"].memberships.count() == 1


class TestChoicesAndAutocomplete:
    def test_membership_form_offers_only_managed_schools(self, client, w):
        client.force_login(w["xian"])
        form = client.get(reverse("user_create")).context["form"]
        schools = set(form.fields["school"].queryset)
        assert schools == {w["a1s"], w["a1r"], w["a1t"]}
        regions = set(form.fields["region"].queryset)
        assert regions == {w["A1"]}

    @pytest.mark.parametrize(
        ("role", "kind", "expected"),
        [
            (
                "xian",
                "school",
                {"历下实验小学", "历下乡村小学", "历下第二实验小学", "龙山山区小学"},
            ),
            ("xuexiao", "school", {"历下实验小学", "历下乡村小学"}),
            ("xian_b1", "school", {"市南实验小学", "市南乡村小学"}),
            ("xian", "pairing", {"历下结对", "济南—龙山东西部协作"}),
            ("xian_l", "pairing", {"龙山结对", "济南—龙山东西部协作"}),
            ("xian_b1", "pairing", {"市南结对"}),
            ("xuexiao", "person", {"A1老师", "A1学员"}),
        ],
    )
    def test_autocomplete_offers_only_in_scope_rows(
        self, client, w, role, kind, expected
    ):
        client.force_login(w[role])
        results = client.get(reverse("autocomplete", args=[kind])).json()["results"]
        names = {r["text"].split("（")[0] for r in results}
        assert names == expected

    def test_autocomplete_searches_by_name_and_code(self, client, w):
        client.force_login(w["sheng"])
        by_name = client.get(reverse("autocomplete", args=["school"]), {"q": "市南"})
        assert {r["id"] for r in by_name.json()["results"]} == {
            w["b1s"].pk,
            w["b1r"].pk,
        }
        by_code = client.get(
            reverse("autocomplete", args=["school"]), {"q": w["a1r"].code}
        )
        assert [r["id"] for r in by_code.json()["results"]] == [w["a1r"].pk]

    def test_unknown_autocomplete_is_404(self, client, w):
        client.force_login(w["admin"])
        assert client.get("/autocomplete/user/").status_code == 404
