"""Batch entry on a pairing's page: several secondments at once, each with its
person (found by ID number or by name at the sending school, or created) and a
first stint on post. Each row goes through the import's secondment type, the one
place where "a secondment with its person and stint from one row" is done, so the
same forms and services check it; the rows are saved together or not at all."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from core.choices import Side
from pairings.models import Pairing

from .jobs import process_rows
from .lookups import Lookups
from .records import Outcome, Row
from .types import SecondmentType

# The columns of the batch form, by the secondment type's column names.
FIELDS = (
    "name",
    "gender",
    "id_number",
    "subject",
    "direction",
    "sending_school",
    "host_school",
    "kind",
    "planned_start",
    "planned_end",
    "stint_start",
    "stint_end",
)
ROWS = 5
MAX_ROWS = 50


@dataclass
class BatchRow:
    number: int
    cells: dict
    errors: dict


def columns():
    by_name = {c.name: c for c in SecondmentType.all_columns()}
    return [by_name[name] for name in FIELDS]


def choices(pairing: Pairing) -> dict:
    """The options of the form's select cells: the pairing's schools by side, and
    the choice columns' labels."""
    found = {
        column.name: [(label, label) for label in column.choices]
        for column in columns()
        if column.choices
    }
    parties = sorted(
        pairing.parties.all(), key=lambda p: (p.side != Side.SUPPORTING, p.school.name)
    )
    schools = [(p.school.code, p.school.name) for p in parties]
    found["sending_school"] = found["host_school"] = schools
    return found


def rows_from(data, count: int) -> list[Row]:
    rows = []
    for n in range(count):
        cells = {name: (data.get(f"r{n}-{name}") or "").strip() for name in FIELDS}
        if any(cells.values()):
            rows.append(Row(n + 1, {k: v for k, v in cells.items() if v}))
    return rows


def save(*, user, pairing: Pairing, rows: list[Row]) -> tuple[int, bool]:
    """Save the rows, all or none; returns (secondments saved, whether all were
    valid). Each row's errors are on it, by column name."""
    importer = SecondmentType(user, Lookups(user))
    importer.pairing = pairing
    with transaction.atomic():
        done = [row for _n, row in process_rows(importer, rows)]
        valid = all(row.outcome.status != Outcome.ERROR for row in done)
        if not valid:
            transaction.set_rollback(True)
    saved = sum(row.outcome.status == Outcome.NEW for row in done) if valid else 0
    return saved, valid
