"""The yearly workbook as the worker builds it, outside a transaction: tables
computed in threads beside the writing (``reporting.exports.jobs._tables``). In a
module of its own: it commits, and the other export tests share one rolled-back
world."""

import io

import pytest
from openpyxl import load_workbook

from reporting.exports import jobs as exports
from reporting.models import ExportJob
from reporting.statistics import registry
from reporting.statistics.base import Spec

SPEC = Spec(span="calendar_year", year=2024, group="region")


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


@pytest.mark.django_db(transaction=True)
def test_a_workbook_computed_beside_its_writing_is_the_one_built_in_order(
    monkeypatch,
):
    """Outside a transaction (as the worker runs) the yearly workbook's tables are
    computed in threads while the streamed ones are written: the file has the
    sheets in table order and every cell, merge, width and print title of the
    workbook built one table after the other."""
    import threading

    from django.db import transaction
    from django.utils import translation

    from core.storage import exports as export_storage
    from tests import world

    w = world.build()
    threads, languages = set(), set()
    real = registry.build

    def recording(code, *, user, spec):
        threads.add(threading.get_ident())
        languages.add(translation.get_language())
        return real(code, user=user, spec=spec)

    monkeypatch.setattr(registry, "build", recording)

    def built(inside_transaction: bool):
        job = ExportJob.objects.create(
            user=w["sheng"], table=registry.YEARLY, filters=SPEC.as_dict()
        )
        exports.claim(job)
        with translation.override("zh-hans"):
            if inside_transaction:
                with transaction.atomic():
                    name = exports.build(job)
            else:
                name = exports.build(job)
        with export_storage().open(name) as handle:
            return load_workbook(io.BytesIO(handle.read()))

    beside = built(False)
    assert threads - {threading.get_ident()} and languages == {"zh-hans"}
    in_order = built(True)
    titles = [registry.available()[code] for code in registry.available()]
    assert beside.sheetnames == in_order.sheetnames == [str(t) for t in titles]
    for mine, theirs in zip(beside.worksheets, in_order.worksheets, strict=True):
        assert [[c.value for c in r] for r in mine.iter_rows()] == [
            [c.value for c in r] for r in theirs.iter_rows()
        ], mine.title
        assert sorted(map(str, mine.merged_cells.ranges)) == sorted(
            map(str, theirs.merged_cells.ranges)
        )
        assert mine.print_title_rows == theirs.print_title_rows
        assert mine.print_title_cols == theirs.print_title_cols
        assert {k: d.width for k, d in mine.column_dimensions.items()} == {
            k: d.width for k, d in theirs.column_dimensions.items()
        }


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_failed_check_beside_the_writing_stores_no_workbook(monkeypatch):
    """The checks between the tables are known only once every table is built,
    while the streamed sheets are already being written: a failed one still
    stops the build before the file is stored, and names the check; the sheets
    already written are closed then, not left to the garbage collector."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from core.storage import exports as export_storage
    from reporting.statistics import base
    from tests import world

    w = world.build()
    real = registry.build

    def build(code, *, user, spec):
        table = real(code, user=user, spec=spec)
        if code == "partner_assistance":
            table.checks.append(
                base.Check("表一与表四资金合计", "12.00", "9.50", False)
            )
        return table

    monkeypatch.setattr(registry, "build", build)
    job = ExportJob.objects.create(
        user=w["sheng"], table=registry.YEARLY, filters=SPEC.as_dict()
    )
    exports.claim(job)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as failed:
        exports.build(job)
    assert "表一与表四资金合计" in failed.value.messages[0]
    files = export_storage()
    assert not files.exists(exports.final_name(job))
