"""Concurrent clicks and partial updates (issue 15, item 4): two people saving the
same record, two reviewers acting on the same report, a repeated submit, a retried
create, a PATCH that mentions only some fields. The interleavings here are made
deterministic with stale objects and repeated requests; the same races with real
PostgreSQL transactions are in ``tests/reliability/test_concurrency.py``."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from dispatch.models import Activity, TrainingParticipation
from pairings.models import Pairing

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def parties(pairing):
    return sorted(pairing.parties.values_list("school_id", "side", "is_lead"), key=str)


# Partial updates keep what they do not mention ------------------------------------


def test_a_patch_of_a_pairings_name_keeps_its_schools(w):
    pairing = w["pA1"]
    before = parties(pairing)
    response = api(w["xian"]).patch(
        f"/api/v1/pairings/{pairing.pk}/", {"name": "历下结对（更名）"}, format="json"
    )
    assert response.status_code == 200, response.json()
    pairing.refresh_from_db()
    assert pairing.name == "历下结对（更名）"
    assert parties(pairing) == before
    assert len(before) == 2


def test_a_patch_that_empties_the_supporting_side_is_still_refused(w):
    pairing = w["pA1"]
    response = api(w["xian"]).patch(
        f"/api/v1/pairings/{pairing.pk}/", {"supporting": []}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["supporting"] == ["结对至少需要一所支援学校。"]
    assert Pairing.objects.get(pk=pairing.pk).parties.count() == 2


def test_the_pairing_edit_page_shows_the_pairings_schools(client, w):
    pairing = w["pA1"]
    client.force_login(w["xian"])
    page = client.get(reverse("pairings:pairing_edit", args=[pairing.pk]))
    form = page.context["form"]
    assert [int(v) for v in form["supporting"].value()] == [w["a1s"].pk]
    assert [int(v) for v in form["receiving"].value()] == [w["a1r"].pk]


def test_a_patch_of_a_trainings_title_keeps_its_trainees(w):
    activity = w["in_A1"][Activity]
    trainees = set(
        TrainingParticipation.objects.filter(activity=activity).values_list(
            "person_id", flat=True
        )
    )
    assert trainees
    response = api(w["xian"]).patch(
        f"/api/v1/activities/{activity.pk}/",
        {"title": "新标题", "teacher_participants": 5},
        format="json",
    )
    assert response.status_code == 200, response.json()
    kept = set(
        TrainingParticipation.objects.filter(activity=activity).values_list(
            "person_id", flat=True
        )
    )
    assert kept == trainees
