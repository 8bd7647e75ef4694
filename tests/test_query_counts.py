"""What a signed-in page costs before its own work (issue 15): the session comes from
the cache, the user's memberships (scope and the label of their roles) are one query
read afresh on every request, the menu is built once per kind of user."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Membership
from core.scope import scope_of
from core.services import membership_add, membership_remove

pytestmark = pytest.mark.django_db

ROLES = ("admin", "sheng", "xian", "duxue", "xuexiao")


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured]


@pytest.mark.parametrize("username", ROLES)
def test_the_session_scope_and_menu_cost_one_query_per_page(client, w, username):
    client.force_login(w[username])
    client.get(reverse("home"))
    queries = queries_of(client, reverse("home"))
    assert [q for q in queries if "django_session" in q] == []
    assert len([q for q in queries if 'FROM "core_membership"' in q]) == 1
    assert not any(
        q.startswith('SELECT 1 AS "a" FROM "pairings_region"') for q in queries
    )


@pytest.mark.parametrize(
    ("url", "most"),
    [
        ("home", 3),
        ("pairings:pairing_list", 6),
        ("dispatch:activity_list", 5),
        ("reporting:statistics", 6),
        ("notifications", 5),
    ],
)
def test_pinned_page_counts(client, w, django_assert_max_num_queries, url, most):
    """Each page's count for a county bureau, its own work done once (the
    dashboard's figures cached). Each was 6 higher while the session was read and
    written on every page and the scope and the roles' label took three queries."""
    client.force_login(w["xian"])
    client.get(reverse(url))
    with django_assert_max_num_queries(most):
        client.get(reverse(url))


def test_a_changed_membership_takes_effect_on_the_next_request(client, w):
    user, admin = w["xian_b1"], scope_of(w["admin"])
    client.force_login(user)
    in_a1 = reverse("pairings:pairing_detail", args=[w["pA1"].pk])
    in_b1 = reverse("pairings:pairing_detail", args=[w["pB1"].pk])
    assert client.get(in_a1).status_code == 404
    assert client.get(in_b1).status_code == 200

    membership_add(scope=admin, user=user, role="bureau", region=w["A1"])
    assert client.get(in_a1).status_code == 200
    membership_remove(
        scope=admin, membership=Membership.objects.get(user=user, region=w["B1"])
    )
    assert client.get(in_b1).status_code == 404
    assert client.get(in_a1).status_code == 200


def test_the_menu_and_label_follow_the_memberships(client, w):
    user, admin = w["xian_b1"], scope_of(w["admin"])
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "市南区" in page
    assert reverse("reporting:my_reports") not in page
    assert reverse("reporting:statistics") in page

    membership_add(scope=admin, user=user, role="school", school=w["a1r"])
    membership_remove(
        scope=admin, membership=Membership.objects.get(user=user, region=w["B1"])
    )
    page = client.get(reverse("home")).content.decode()
    assert w["a1r"].name in page
    assert "市南区" not in page
    assert reverse("reporting:my_reports") in page
    assert reverse("reporting:statistics") not in page
