"""API writes parsed from the browser's forms: what the form fills in (a count of 0,
a ticked box) need not be sent, and is then what the form would have saved."""

import pytest

from dispatch.models import Activity
from pairings.models import Pairing

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/v1/activities/"
COUNTS = ("lessons", "teacher_participants", "student_participants")


def activity_payload(w, **extra):
    return {
        "pairing": w["pA1"].pk,
        "kind": "lecture",
        "title": "教研讲座",
        "date": "2025-03-12",
        "host_side": "supporting",
        **extra,
    }


def test_a_create_without_counts_stores_what_the_form_fills_in(client, w):
    client.force_login(w["xian"])
    response = client.post(
        ACTIVITIES, activity_payload(w), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    activity = Activity.objects.get(pk=response.json()["id"])
    assert [getattr(activity, name) for name in COUNTS] == [0, 0, 0]
    assert activity.sessions == 1  # the model's default, as the form shows it


def test_counts_are_optional_in_the_schema_with_their_default(client, w):
    client.force_login(w["xian"])
    schema = client.get("/api/schema/?format=json").json()
    write = schema["components"]["schemas"]["ActivityWriteRequest"]
    assert not set(COUNTS + ("sessions",)) & set(write["required"])
    assert {name: write["properties"][name]["default"] for name in COUNTS} == {
        name: 0 for name in COUNTS
    }
    assert write["properties"]["sessions"]["default"] == 1
    # A box the form ticks is ticked when left out.
    pairing = schema["components"]["schemas"]["PairingWriteRequest"]
    assert pairing["properties"]["aid_teaching"]["default"] is True


def test_a_count_left_out_of_a_change_keeps_its_value(client, w):
    client.force_login(w["xian"])
    created = client.post(
        ACTIVITIES,
        activity_payload(w, lessons=4, teacher_participants=30),
        content_type="application/json",
    ).json()
    url = f"{ACTIVITIES}{created['id']}/"
    response = client.patch(url, {"title": "新题目"}, content_type="application/json")
    assert response.status_code == 200, response.content
    activity = Activity.objects.get(pk=created["id"])
    assert (activity.lessons, activity.teacher_participants) == (4, 30)


def test_a_refused_create_names_only_what_is_wrong(client, w):
    """Counts left out are filled in before the form checks the rest, so the
    answer does not call them missing."""
    client.force_login(w["xian"])
    response = client.post(
        ACTIVITIES,
        activity_payload(w, date="12.3.2025"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"date"}


def test_a_null_count_is_refused(client, w):
    client.force_login(w["xian"])
    response = client.post(
        ACTIVITIES, activity_payload(w, lessons=None), content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"lessons"}


def test_a_pairing_created_without_its_boxes_has_them_as_the_form_shows(client, w):
    """The page ticks "teaching" for a new pairing; leaving the box out of a create
    used to store it unticked."""
    client.force_login(w["xian"])
    existing = w["pA1"]
    response = client.post(
        "/api/v1/pairings/",
        {
            "programme": existing.programme_id,
            "name": "新结对",
            "status": "preparing",
            "start_date": existing.start_date.isoformat(),
            "end_date": existing.end_date.isoformat(),
            "supporting": [w["a1s"].pk],
            "receiving": [w["a1r"].pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pairing = Pairing.objects.get(pk=response.json()["id"])
    assert (pairing.aid_teaching, pairing.aid_management) == (True, False)
