"""Concurrent clicks and partial updates (issue 15, item 4): two people saving the
same record, two reviewers acting on the same report, a repeated submit, a retried
create, a PATCH that mentions only some fields. The interleavings here are made
deterministic with stale objects and repeated requests; the same races with real
PostgreSQL transactions are in ``tests/reliability/test_concurrency.py``."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
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


# Two people editing the same record ------------------------------------------------


def posted(page) -> dict:
    """What the browser sends back for an edit page left as it is."""
    data = {}
    forms = [page.context["form"]]
    for formset in page.context["formsets"].values():
        data.update(
            {
                formset.management_form.add_prefix(name): value
                for name, value in formset.management_form.initial.items()
            }
        )
        forms += formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            data[key] = [str(v) for v in value] if isinstance(value, list) else value
    return data


class TestTwoEditsOfAPairingOnThePage:
    def open(self, client, user, pairing):
        client.force_login(user)
        return posted(client.get(reverse("pairings:pairing_edit", args=[pairing.pk])))

    def test_the_second_save_is_refused_and_shows_both_sides(self, client, w):
        pairing = w["pA1"]
        url = reverse("pairings:pairing_edit", args=[pairing.pk])
        mine = self.open(client, w["sheng"], pairing)
        theirs = self.open(client, w["xian"], pairing)
        theirs["name"] = "历下结对（县里改）"
        assert client.post(url, theirs).status_code == 302

        client.force_login(w["sheng"])
        mine["note"] = "省里补充的说明"
        refused = client.post(url, mine)
        assert refused.status_code == 409
        pairing.refresh_from_db()
        assert (pairing.name, pairing.note) == ("历下结对（县里改）", "")
        conflict = refused.context["conflict"]
        assert "他人" in conflict["message"]
        assert sorted(conflict["changes"]) == sorted(
            [
                ("名称", "历下结对（县里改）", "历下结对"),
                ("备注", "—", "省里补充的说明"),
            ]
        )
        # The form below is the record as it is now, at its new version.
        form = refused.context["form"]
        assert form["name"].value() == "历下结对（县里改）"
        assert form["version"].value() == pairing.version == 2
        page = refused.content.decode()
        assert "历下结对（县里改）" in page and "省里补充的说明" in page

        # "Save my values over theirs" sends this user's form at the new version.
        resend = {}
        for key, value in conflict["resend"]:
            resend.setdefault(key, []).append(str(value))
        assert resend["version"] == ["2"]
        assert client.post(url, resend).status_code == 302
        pairing.refresh_from_db()
        assert (pairing.name, pairing.note, pairing.version) == (
            "历下结对",
            "省里补充的说明",
            3,
        )

    def test_a_save_from_the_current_version_goes_through(self, client, w):
        pairing = w["pA1"]
        url = reverse("pairings:pairing_edit", args=[pairing.pk])
        data = self.open(client, w["xian"], pairing)
        data["note"] = "第一次"
        assert client.post(url, data).status_code == 302
        data = self.open(client, w["xian"], pairing)
        data["note"] = "第二次"
        assert client.post(url, data).status_code == 302
        pairing.refresh_from_db()
        assert (pairing.note, pairing.version) == ("第二次", 3)


class TestTwoEditsOfAPairingInTheAPI:
    def url(self, pairing):
        return f"/api/v1/pairings/{pairing.pk}/"

    def test_a_read_carries_the_version_as_etag(self, w):
        response = api(w["xian"]).get(self.url(w["pA1"]))
        assert response["ETag"] == '"1"'
        assert response.json()["version"] == 1

    def test_if_match_with_an_old_version_is_412_and_writes_nothing(self, w):
        pairing = w["pA1"]
        first, second = api(w["xian"]), api(w["sheng"])
        etag = first.get(self.url(pairing))["ETag"]
        saved = first.patch(
            self.url(pairing), {"note": "县里"}, format="json", HTTP_IF_MATCH=etag
        )
        assert saved.status_code == 200, saved.json()
        assert saved["ETag"] == '"2"'
        refused = second.patch(
            self.url(pairing), {"note": "省里"}, format="json", HTTP_IF_MATCH=etag
        )
        assert refused.status_code == 412
        assert "他人" in refused.json()["detail"]
        pairing.refresh_from_db()
        assert (pairing.note, pairing.version) == ("县里", 2)

    def test_a_version_in_the_body_that_is_old_is_409(self, w):
        pairing = w["pA1"]
        client = api(w["xian"])
        assert (
            client.patch(
                self.url(pairing), {"note": "一", "version": 1}, format="json"
            ).status_code
            == 200
        )
        refused = client.patch(
            self.url(pairing), {"note": "二", "version": 1}, format="json"
        )
        assert refused.status_code == 409
        assert set(refused.json()) == {"detail"}
        pairing.refresh_from_db()
        assert pairing.note == "一"

    def test_without_a_version_the_write_goes_through(self, w):
        pairing = w["pA1"]
        client = api(w["xian"])
        for note in ("一", "二"):
            assert (
                client.patch(self.url(pairing), {"note": note}, format="json")
            ).status_code == 200
        pairing.refresh_from_db()
        assert (pairing.note, pairing.version) == ("二", 3)


def test_of_two_saves_from_the_same_version_exactly_one_is_written(w):
    from core.versioning import StaleVersion

    first = Pairing.objects.get(pk=w["pA1"].pk)
    second = Pairing.objects.get(pk=w["pA1"].pk)
    first.note = "先"
    first.save()
    second.note = "后"
    with pytest.raises(StaleVersion) as stale, transaction.atomic():
        second.save()
    assert stale.value.current == 2
    assert second.version == 1  # unchanged: the caller may read again and retry
    assert Pairing.objects.get(pk=first.pk).note == "先"


# A create retried after a network error ---------------------------------------------


class TestIdempotentCreate:
    url = "/api/v1/donations/"

    def payload(self, w, **extra):
        return {
            "pairing": w["pA1"].pk,
            "donor_kind": "school",
            "donor_name": "历下实验小学",
            "donor_school": w["a1s"].pk,
            "recipient_school": w["a1r"].pk,
            "date": "2024-11-20",
            "form": "goods",
            "category": "books",
            "quantity": 120,
            "unit": "册",
            "amount": "1800.00",
            "currency": "CNY",
            **extra,
        }

    def count(self):
        from projects.models import Donation

        return Donation.objects.count()

    def test_a_retry_with_the_same_key_returns_the_first_answer(self, w):
        client = api(w["xian"])
        before = self.count()
        first = client.post(
            self.url, self.payload(w), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
        assert first.status_code == 201, first.json()
        again = client.post(
            self.url, self.payload(w), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
        assert again.status_code == 201
        assert again.json() == first.json()
        assert self.count() == before + 1

    def test_the_same_key_with_another_body_is_422(self, w):
        client = api(w["xian"])
        assert (
            client.post(
                self.url, self.payload(w), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
            ).status_code
            == 201
        )
        refused = client.post(
            self.url,
            self.payload(w, quantity=999),
            format="json",
            HTTP_IDEMPOTENCY_KEY="k-2",
        )
        assert refused.status_code == 422
        assert "Idempotency-Key" in refused.json()["detail"]
        assert "另一个" in refused.json()["detail"]

    def test_keys_are_per_user_and_without_a_key_each_post_creates(self, w):
        before = self.count()
        for user in ("xian", "sheng"):
            response = api(w[user]).post(
                self.url, self.payload(w), format="json", HTTP_IDEMPOTENCY_KEY="same"
            )
            assert response.status_code == 201
        client = api(w["xian"])
        for _ in range(2):
            assert (
                client.post(self.url, self.payload(w), format="json").status_code == 201
            )
        assert self.count() == before + 4

    def test_a_refused_create_keeps_no_key(self, w):
        client = api(w["xian"])
        bad = client.post(
            self.url,
            self.payload(w, quantity=-1),
            format="json",
            HTTP_IDEMPOTENCY_KEY="k-3",
        )
        assert bad.status_code == 400
        good = client.post(
            self.url, self.payload(w), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
        )
        assert good.status_code == 201

    def test_a_key_older_than_a_day_is_forgotten(self, w):
        import datetime as dt

        from core.models import IdempotencyKey

        client = api(w["xian"])
        client.post(self.url, self.payload(w), format="json", HTTP_IDEMPOTENCY_KEY="k")
        IdempotencyKey.objects.update(
            created_at=timezone.now() - dt.timedelta(hours=25)
        )
        before = self.count()
        again = client.post(
            self.url, self.payload(w), format="json", HTTP_IDEMPOTENCY_KEY="k"
        )
        assert again.status_code == 201
        assert self.count() == before + 1


def test_a_secondment_and_its_stints_edited_by_two_people(client, w):
    """The record's rows are versioned too: the second save is refused, and saving
    one's values again carries the rows' new versions."""
    from dispatch.models import Secondment, Stint

    secondment = w["in_A1"][Secondment]
    stint = w["in_A1"][Stint]
    url = reverse("dispatch:secondment_edit", args=[secondment.pk])
    client.force_login(w["sheng"])
    mine = posted(client.get(url))
    client.force_login(w["xian"])
    theirs = posted(client.get(url))
    row = next(
        k[: -len("id")]
        for k, v in theirs.items()
        if k.endswith("-id") and v == stint.pk
    )
    theirs[row + "end"] = "2024-10-20"
    assert client.post(url, theirs).status_code == 302

    client.force_login(w["sheng"])
    mine["subject"] = "physics"
    refused = client.post(url, mine)
    assert refused.status_code == 409
    stint.refresh_from_db()
    assert stint.end.isoformat() == "2024-10-20"
    resend = {}
    for key, value in refused.context["conflict"]["resend"]:
        resend.setdefault(key, []).append(str(value))
    assert resend[row + "version"] == [str(stint.version)] == ["2"]
    assert client.post(url, resend).status_code == 302
    secondment.refresh_from_db()
    stint.refresh_from_db()
    # Saved over theirs: this user's values, the stint's end as this user sent it.
    assert secondment.subject == "physics"
    assert stint.end.isoformat() == "2024-10-30"
