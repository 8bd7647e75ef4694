"""``core.bulk.insert``: rows written together as ``bulk_create`` writes them (with
``COPY`` on PostgreSQL): each object gets its id, every field is stored as given
(or as its ``pre_save`` makes it), and a refused row inserts nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import bulk
from core.models import AuditEntry
from dispatch.models import Person, Secondment
from projects.models import Donation
from tests import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


def test_new_rows_get_their_ids_and_are_stored_as_given(w):
    people = [
        Person(
            name=f"批量{n}",
            gender="F",
            home_school=w["a1s"],
            subject="chinese",
            id_number=f"37010219900101{n:04d}",
            phone="",
            is_backbone=n % 2 == 0,
        )
        for n in range(3)
    ]
    before = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        bulk.insert(Person, people)
    written = [
        q["sql"]
        for q in queries
        if q["sql"].startswith(
            ('INSERT INTO "dispatch_person"', 'COPY "dispatch_person"')
        )
    ]
    assert len(written) == 1  # one statement for all of them
    assert all(p.pk and not p._state.adding for p in people)
    assert len({p.pk for p in people}) == 3
    for person in people:
        stored = Person.objects.get(pk=person.pk)
        assert (stored.name, stored.home_school, stored.id_number) == (
            person.name,
            w["a1s"],
            person.id_number,
        )
        assert stored.is_backbone is person.is_backbone
        assert stored.version == 1  # the model's default
        assert stored.created_at >= before  # auto_now_add, as save() sets it
    # The table's own ids go on after them: a row saved later does not collide.
    later = Person.objects.create(
        name="其后", gender="M", home_school=w["a1s"], subject="math"
    )
    assert later.pk > max(p.pk for p in people)


def test_json_text_decimals_and_dates_are_stored_exactly(w):
    person_type = ContentType.objects.get_for_model(Person)
    awkward = 'quote " backslash \\ tab\t newline\n 中文 {brace} ,comma'
    entries = [
        AuditEntry(
            username="xian",
            source="import",
            action="create",
            content_type=person_type,
            object_id=str(n),
            object_repr=awkward,
            changes={"name": [None, awkward], "n": [n, None], "list": [1, "二"]},
            region_paths="",
        )
        for n in range(2)
    ]
    bulk.insert(AuditEntry, entries)
    for entry in entries:
        stored = AuditEntry.objects.get(pk=entry.pk)
        assert stored.object_repr == awkward
        assert stored.changes == entry.changes
        assert stored.time is not None
    donation = Donation(
        pairing=w["pA1"],
        recipient_school=w["a1r"],
        donor_name="爱心企业",
        form="cash",
        amount=Decimal("12345.67"),
        date=dt.date(2024, 10, 8),
    )
    bulk.insert(Donation, [donation])
    stored = Donation.objects.get(pk=donation.pk)
    assert (stored.amount, stored.date) == (Decimal("12345.67"), dt.date(2024, 10, 8))


def test_a_refused_row_inserts_none_of_them(w):
    first = Person(name="甲", gender="F", home_school=w["a1s"], subject="chinese")
    bulk.insert(Person, [first])
    again = Person(
        pk=first.pk, name="乙", gender="F", home_school=w["a1s"], subject="chinese"
    )
    fine = Person(name="丙", gender="F", home_school=w["a1s"], subject="chinese")
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert(Person, [fine, again])
    assert not Person.objects.filter(name__in=["乙", "丙"]).exists()
    assert Person.objects.get(pk=first.pk).name == "甲"


def test_a_record_given_before_it_was_saved_is_referred_to_by_its_id(w):
    """A secondment given a person not yet stored (an import queues both) is
    stored with the person's id once the person is inserted; a person still
    unsaved is refused with Django's own words, and nothing is inserted."""
    person = Person(name="后存", gender="F", home_school=w["a1s"], subject="chinese")
    fields = {
        "person": person,
        "pairing": w["pA1"],
        "direction": "to_receiving",
        "kind": "teaching",
        "sending_school": w["a1s"],
        "host_school": w["a1r"],
        "planned_start": dt.date(2024, 9, 1),
        "planned_end": dt.date(2025, 1, 15),
        "subject": "chinese",
    }
    early = Secondment(**fields)
    with pytest.raises(ValueError, match="unsaved related object 'person'"):
        bulk.insert(Secondment, [early])
    assert not Secondment.objects.filter(person__name="后存").exists()

    secondment = Secondment(**fields)
    bulk.insert(Person, [person])
    bulk.insert(Secondment, [secondment])
    assert secondment.person_id == person.pk
    assert Secondment.objects.get(pk=secondment.pk).person == person


@pytest.mark.postgres
def test_every_column_of_every_model_is_sent_as_django_sends_it(w, monkeypatch):
    """The values ``insert`` writes without Django's per-value calls are the ones
    Django's ``get_db_prep_save`` gives, for every column of every model (read
    from the world's records, and for values of another type than the field's)."""
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)  # auto_now fields
    checked = 0
    for model in apps.get_models():
        fields = bulk._columns(model)
        if fields is None:
            continue
        values = bulk._values(model)
        for obj in model._base_manager.all()[:3]:
            expected = [
                f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields
            ]
            assert _sent(values(obj, connection)) == _sent(expected), model
            checked += 1
    assert checked > 40
    # A value typed otherwise than the field's own type is prepared by Django.
    person = Person(name=123, home_school_id="7", is_backbone=1, version="2")
    row = bulk._values(Person)(person, connection)
    sent = dict(zip(bulk._columns(Person), row, strict=True))
    by_name = {f.name: value for f, value in sent.items()}
    assert by_name["name"] == "123"
    assert by_name["home_school"] == 7
    assert by_name["is_backbone"] is True
    assert by_name["version"] == 2


def _sent(row):
    """A row's values, a JSON value (psycopg's ``Jsonb``, equal only to itself)
    as what it holds."""
    return [(type(v), v.obj) if type(v).__name__ == "Jsonb" else v for v in row]
