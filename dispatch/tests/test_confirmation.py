"""Host confirmation of stints on post: every way a stint is written marks who
recorded it and whether it waits for the host school; the host school confirms
it or sends it back with a comment; editing a stint sent back puts it back in the
queue; the host school (not the sending school) enters the yearly appraisal.

The world (``tests/world.py``): in pairing A1, 历下实验小学 (a1s) sends a teacher
to 历下乡村小学 (a1r); ``xuexiao`` works at a1r (the host), ``xian`` is the A1
county bureau. The sending school's staff member is made here."""

import datetime as dt

import pytest
from django.urls import reverse

from core.models import AuditEntry
from dispatch.choices import StintConfirmation
from dispatch.models import Appraisal, Secondment, Stint
from dispatch.selectors import stints_awaiting_confirmation
from imports import batch
from imports.records import Row
from tests.world import user

pytestmark = pytest.mark.django_db

PENDING, CONFIRMED, CORRECTION = (
    StintConfirmation.PENDING,
    StintConfirmation.CONFIRMED,
    StintConfirmation.CORRECTION,
)
NEW = {"start": "2025-03-03", "end": "2025-04-11", "note": "第二段"}


@pytest.fixture
def sender(w):
    """Staff of the sending school (a1s) of the A1 secondment."""
    return user("paichu", "school", school_=w["a1s"])


def actor(w, role, sender):
    return {"sender": sender, "host": w["xuexiao"], "bureau": w["xian"]}.get(
        role, w.get(role)
    )


def field_value(bound):
    value = bound.value()
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def form_post(form) -> dict:
    """What a browser sends back for a form as shown (checkboxes left off when
    unticked)."""
    data = {}
    for bound in form:
        value = field_value(bound)
        if value is False:
            continue
        data[bound.html_name] = "on" if value is True else value
    return data


def formset_post(formset, new: dict) -> dict:
    """A shown formset sent back unchanged, with ``new`` typed in its first empty
    row."""
    data = form_post(formset.management_form)
    for item in formset.forms:
        data.update(form_post(item))
    blank = formset.forms[len(formset.initial_forms)]
    for name, value in new.items():
        data[blank.add_prefix(name)] = value
    return data


# The ways in --------------------------------------------------------------------


def by_stint_page(client, w, secondment):
    response = client.post(
        reverse("dispatch:stint_add"), {"secondment": secondment.pk, **NEW}
    )
    assert response.status_code == 302, response.content[:2000]


def by_secondment_page(client, w, secondment):
    url = reverse("dispatch:secondment_edit", args=[secondment.pk])
    shown = client.get(url).context
    data = form_post(shown["form"])
    data.update(formset_post(shown["formsets"]["stints"], NEW))
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors


def by_api(client, w, secondment):
    response = client.post(
        "/api/v1/stints/",
        {"secondment": secondment.pk, **NEW, "confirmation": "confirmed"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def by_api_nested(client, w, secondment):
    kept = [
        {"id": s.pk, "start": s.start.isoformat(), "end": s.end.isoformat()}
        for s in secondment.stints.all()
    ]
    response = client.patch(
        f"/api/v1/secondments/{secondment.pk}/",
        {"stints": [*kept, NEW]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def by_admin(client, w, secondment):
    response = client.post(
        reverse("admin:dispatch_stint_add"), {"secondment": secondment.pk, **NEW}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors


def by_admin_inline(client, w, secondment):
    url = reverse("admin:dispatch_secondment_change", args=[secondment.pk])
    shown = client.get(url).context
    data = form_post(shown["adminform"].form)
    for inline in shown["inline_admin_formsets"]:
        formset = inline.formset
        if formset.model is Stint:
            data.update(formset_post(formset, NEW))
        else:
            data.update(form_post(formset.management_form))
            for item in formset.forms:
                data.update(form_post(item))
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def by_batch_entry(client, w, secondment, acting):
    person = secondment.person
    row = Row(
        1,
        {
            "name": person.name,
            "id_number": person.id_number,
            "gender": person.get_gender_display(),
            "subject": person.get_subject_display(),
            "sending_school": secondment.sending_school.code,
            "host_school": secondment.host_school.code,
            "kind": secondment.get_kind_display(),
            "planned_start": "2025-03-01",
            "planned_end": "2025-06-30",
            "stint_start": NEW["start"],
            "stint_end": NEW["end"],
        },
    )
    saved, valid = batch.save(user=acting, pairing=secondment.pairing, rows=[row])
    assert valid, row.errors


# Who may use which way: school staff record stints on the stint page and the
# API; secondments (their page, nested stints, the import) are the bureau's; the
# Django admin is the administrator's.
WAYS = [
    ("sender", by_stint_page, PENDING),
    ("sender", by_api, PENDING),
    ("host", by_stint_page, CONFIRMED),
    ("host", by_api, CONFIRMED),
    ("bureau", by_stint_page, CONFIRMED),
    ("bureau", by_api, CONFIRMED),
    ("bureau", by_secondment_page, CONFIRMED),
    ("bureau", by_api_nested, CONFIRMED),
    ("bureau", by_batch_entry, CONFIRMED),
    ("admin", by_admin, CONFIRMED),
    ("admin", by_admin_inline, CONFIRMED),
]


@pytest.mark.parametrize(
    ("role", "way", "expected"),
    WAYS,
    ids=[f"{role}-{way.__name__}" for role, way, _e in WAYS],
)
def test_each_way_in_marks_who_recorded_the_stint(
    client, w, sender, role, way, expected
):
    acting = actor(w, role, sender)
    secondment = w["in_A1"][Secondment]
    client.force_login(acting)
    if way is by_batch_entry:
        way(client, w, secondment, acting)
    else:
        way(client, w, secondment)
    stint = Stint.objects.get(
        secondment__person=secondment.person, start=dt.date(2025, 3, 3)
    )
    assert stint.confirmation == expected
    assert stint.recorded_by == acting
    if expected == CONFIRMED:
        assert stint.confirmed_by == acting and stint.confirmed_at is not None
    else:
        assert stint.confirmed_by is None and stint.confirmed_at is None


def test_services_record_as_their_user(w, sender):
    from dispatch import services

    secondment = w["in_A1"][Secondment]
    by_sender = services.stint_create(
        secondment=secondment,
        start=dt.date(2025, 3, 3),
        end=dt.date(2025, 3, 20),
        user=sender,
    )
    by_system = services.stint_create(
        secondment=secondment, start=dt.date(2025, 4, 1), end=dt.date(2025, 4, 20)
    )
    assert (by_sender.confirmation, by_sender.recorded_by) == (PENDING, sender)
    assert (by_system.confirmation, by_system.recorded_by) == (CONFIRMED, None)
    fields = {
        f: getattr(secondment, f)
        for f in ("pairing", "direction", "kind", "sending_school", "host_school")
    }
    created = services.secondment_create(
        person=w["in_A1"][Secondment].person,
        planned_start=dt.date(2025, 5, 1),
        planned_end=dt.date(2025, 6, 30),
        subject="maths",
        stints=[(dt.date(2025, 5, 6), dt.date(2025, 5, 30))],
        user=sender,
        **fields,
    )
    assert [s.confirmation for s in created.stints.all()] == [PENDING]


# The confirm / correct loop ---------------------------------------------------------


@pytest.fixture
def waiting(w, sender):
    """A stint the sending school recorded, waiting for the host school."""
    from dispatch import services

    return services.stint_create(
        secondment=w["in_A1"][Secondment],
        start=dt.date(2025, 3, 3),
        end=dt.date(2025, 3, 20),
        user=sender,
    )


def test_the_host_school_sees_what_waits_for_it(client, w, sender, waiting):
    assert list(stints_awaiting_confirmation(user=w["xuexiao"])) == [waiting]
    assert list(stints_awaiting_confirmation(user=w["xian"])) == [waiting]
    assert list(stints_awaiting_confirmation(user=sender)) == []
    assert list(stints_awaiting_confirmation(user=w["school_b1"])) == []
    client.force_login(w["xuexiao"])
    page = client.get(reverse("dispatch:stint_pending"))
    assert page.status_code == 200
    assert list(page.context["stints"]) == [waiting]
    assert reverse("dispatch:stint_confirm", args=[waiting.pk]) in page.text
    client.force_login(w["duxue"])  # an inspector confirms nothing
    assert client.get(reverse("dispatch:stint_pending")).status_code == 403


def test_the_host_school_confirms(client, w, waiting):
    client.force_login(w["xuexiao"])
    response = client.post(reverse("dispatch:stint_confirm", args=[waiting.pk]))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.confirmation == CONFIRMED
    assert waiting.confirmed_by == w["xuexiao"]
    entry = AuditEntry.objects.filter(
        object_id=str(waiting.pk), user_id=w["xuexiao"].pk
    ).latest("pk")
    assert "confirmation" in str(entry.changes)


def test_a_school_that_is_not_the_host_may_not_confirm(client, w, sender, waiting):
    client.force_login(sender)  # sees the stint: its own school sent the teacher
    for name in ("dispatch:stint_confirm", "dispatch:stint_send_back"):
        response = client.post(reverse(name, args=[waiting.pk]), {"comment": "x"})
        assert response.status_code == 403
    client.force_login(w["school_b1"])  # another pairing's school: not found
    response = client.post(reverse("dispatch:stint_confirm", args=[waiting.pk]))
    assert response.status_code == 404
    client.force_login(w["xuexiao"])
    assert (
        client.get(reverse("dispatch:stint_confirm", args=[waiting.pk])).status_code
        == 405
    )
    waiting.refresh_from_db()
    assert waiting.confirmation == PENDING


def test_sent_back_with_a_comment_then_corrected(client, w, sender, waiting):
    client.force_login(w["xuexiao"])
    url = reverse("dispatch:stint_send_back", args=[waiting.pk])
    client.post(url, {"comment": "  "})  # a comment is required
    waiting.refresh_from_db()
    assert waiting.confirmation == PENDING
    client.post(url, {"comment": "离岗日期应为3月18日"})
    waiting.refresh_from_db()
    assert (waiting.confirmation, waiting.host_comment) == (
        CORRECTION,
        "离岗日期应为3月18日",
    )
    assert list(stints_awaiting_confirmation(user=w["xuexiao"])) == []

    # The sending school reads the comment on the secondment and the stint's page.
    client.force_login(sender)
    detail = client.get(
        reverse("dispatch:secondment_detail", args=[waiting.secondment_id])
    )
    assert "离岗日期应为3月18日" in detail.text
    assert reverse("dispatch:stint_confirm", args=[waiting.pk]) not in detail.text
    edit_url = reverse("dispatch:stint_edit", args=[waiting.pk])
    assert "离岗日期应为3月18日" in client.get(edit_url).text
    response = client.post(
        edit_url,
        {
            "secondment": waiting.secondment_id,
            "start": "2025-03-03",
            "end": "2025-03-18",
            "note": "",
            "version": waiting.version,
        },
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.confirmation, waiting.end) == (PENDING, dt.date(2025, 3, 18))
    assert list(stints_awaiting_confirmation(user=w["xuexiao"])) == [waiting]


def test_the_secondment_page_offers_the_answers_to_the_host_only(
    client, w, sender, waiting
):
    url = reverse("dispatch:secondment_detail", args=[waiting.secondment_id])
    confirm = reverse("dispatch:stint_confirm", args=[waiting.pk])
    client.force_login(w["xuexiao"])
    page = client.get(url)
    assert confirm in page.text
    assert page.context["can_confirm"] is True
    client.force_login(sender)
    assert confirm not in client.get(url).text


# The host school's appraisal ------------------------------------------------------


def appraisal_post(secondment, **extra):
    return {
        "secondment": secondment.pk,
        "year": 2025,
        "result": "competent",
        "self_appraisal": "",
        "sending_school_opinion": "",
        **extra,
    }


def test_the_host_school_enters_and_changes_the_appraisal(client, w):
    secondment = w["in_A1"][Secondment]
    client.force_login(w["xuexiao"])
    page = client.get(reverse("dispatch:secondment_detail", args=[secondment.pk]))
    assert page.context["can_add_appraisal"] is True
    response = client.post(
        reverse("dispatch:appraisal_add"), appraisal_post(secondment)
    )
    assert response.status_code == 302, response.context["form"].errors
    added = Appraisal.objects.get(secondment=secondment, year=2025)
    assert added.result == "competent"
    stored = w["in_A1"][Appraisal]  # 2024, excellent
    response = client.post(
        reverse("dispatch:appraisal_edit", args=[stored.pk]),
        appraisal_post(secondment, year=2024, result="basic", version=stored.version),
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.result == "basic"


def test_the_sending_school_may_not_appraise(client, w, sender):
    secondment = w["in_A1"][Secondment]
    stored = w["in_A1"][Appraisal]
    client.force_login(sender)
    page = client.get(reverse("dispatch:secondment_detail", args=[secondment.pk]))
    assert page.status_code == 200 and page.context["can_add_appraisal"] is False
    response = client.post(
        reverse("dispatch:appraisal_add"), appraisal_post(secondment)
    )
    assert response.status_code in (200, 403)
    assert not Appraisal.objects.filter(secondment=secondment, year=2025).exists()
    edit = reverse("dispatch:appraisal_edit", args=[stored.pk])
    assert client.get(edit).status_code == 403
    response = client.post(
        "/api/v1/appraisals/",
        appraisal_post(secondment),
        content_type="application/json",
    )
    assert response.status_code in (400, 403)
    assert not Appraisal.objects.filter(secondment=secondment, year=2025).exists()


def test_the_list_of_stints_to_confirm_reads_a_fixed_number_of_queries(
    client, w, sender
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dispatch import services

    secondment = w["in_A1"][Secondment]
    client.force_login(w["xuexiao"])
    url = reverse("dispatch:stint_pending")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    services.stint_create(
        secondment=secondment,
        start=dt.date(2025, 3, 3),
        end=dt.date(2025, 3, 9),
        user=sender,
    )
    queries()  # the first request of the session reads what later ones keep
    one = queries()
    for month in (4, 5, 6):
        services.stint_create(
            secondment=secondment,
            start=dt.date(2025, month, 2),
            end=dt.date(2025, month, 20),
            user=sender,
        )
    assert len(stints_awaiting_confirmation(user=w["xuexiao"])) == 4
    assert queries() == one
