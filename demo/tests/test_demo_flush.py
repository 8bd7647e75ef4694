"""``demo_data --flush`` deletes every domain row: it refuses on a database that
holds records the demo generator did not make, and under production settings,
unless the user adds --i-know-this-deletes-real-data."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from core.audit import audit_context
from demo.writer import record_load, records_not_from_the_demo
from pairings.models import School
from tests import world

pytestmark = pytest.mark.django_db


def flush():
    call_command("demo_data", "--flush", "--scale=small", stdout=io.StringIO())


@pytest.fixture
def loaded():
    """A database as a demo load left it: the fixture's records, then the load's
    record of what it wrote."""
    w = world.build()
    record_load(scale="small", seed=1, anchor="2026-09-01")
    return w


def test_an_unchanged_demo_load_may_be_flushed(loaded):
    assert records_not_from_the_demo() == []


def test_records_without_a_demo_load_are_not_flushed():
    world.build()
    with pytest.raises(CommandError, match="非演示数据") as exc:
        flush()
    assert "--i-know-this-deletes-real-data" in str(exc.value)
    assert School.objects.exists()


def test_a_record_added_after_the_load_stops_the_flush(loaded):
    School.objects.create(name="新建学校", code="3701020099", region=loaded["A1"])
    with pytest.raises(CommandError, match="pairings_school"):
        flush()
    assert School.objects.filter(name="新建学校").exists()


def test_an_edit_after_the_load_stops_the_flush(loaded):
    school = loaded["a1r"]
    with audit_context(user=loaded["xian"], source="web"):
        school.address = "历下区文化东路 1 号"
        school.save()
    reasons = records_not_from_the_demo()
    assert any("修改" in reason for reason in reasons), reasons
    with pytest.raises(CommandError):
        flush()


@override_settings(DEMO_FLUSH_ALLOWED=False)
def test_production_settings_refuse_the_flush_even_of_demo_data(loaded):
    with pytest.raises(CommandError, match="生产环境"):
        flush()
    assert School.objects.exists()


def test_the_explicit_flag_overrides_the_refusal():
    world.build()
    call_command(
        "demo_data",
        "--flush",
        "--i-know-this-deletes-real-data",
        "--scale=small",
        stdout=io.StringIO(),
    )
    assert not School.objects.filter(name="历下乡村小学").exists()
    assert records_not_from_the_demo() == []
