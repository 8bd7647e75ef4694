"""New rows of one model written together, as ``bulk_create`` writes them, faster
on PostgreSQL.

Django's ``bulk_create`` on PostgreSQL sends each column as an array that the
driver quotes element by element in Python (``INSERT … SELECT * FROM UNNEST``):
about 90 µs a row for an audit entry. ``insert`` writes the same rows with
``COPY … FROM STDIN``, whose rows the driver formats in C, after taking their
ids from the table's sequence in one statement: each object ends with its id,
as after ``bulk_create``. Elsewhere (SQLite), and for a model whose columns
``COPY`` cannot fill as Django would (a database default, a generated column),
it is ``bulk_create``."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.db import NotSupportedError, connections, router
from django.db import models as m
from django.db.models import NOT_PROVIDED


def insert(model, objs: list) -> list:
    """Insert ``objs``, new instances of ``model`` (no signals, as
    ``bulk_create``); each is given its id. A row the database refuses raises
    Django's ``IntegrityError`` and nothing is inserted."""
    if not objs:
        return objs
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = _columns(model)
    if connection.vendor != "postgresql" or fields is None:
        return model._base_manager.using(alias).bulk_create(objs)
    meta = model._meta
    _take_related_ids(model, objs)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    values = _values(model)
    with connection.cursor() as cursor:
        _give_ids(cursor, meta, [obj for obj in objs if obj.pk is None])
        started = time.monotonic()
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for obj in objs:
                copy.write_row(values(obj, connection))
        if connection.queries_logged:  # as Django logs its own statements
            connection.queries_log.append(
                {
                    "sql": f"{sql} -- {len(objs)} rows",
                    "time": "%.3f" % (time.monotonic() - started),
                }
            )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
    return objs


def _take_related_ids(model, objs: list) -> None:
    """Each foreign key given a record takes its id, as Django's own
    ``_prepare_related_fields_for_save`` does before ``bulk_create`` (a record
    queued before this one has its id by now), and a record still unsaved is
    refused with Django's words; with the model's relations listed once rather
    than every field of every object asked whether it is one."""
    relations = _RELATIONS.get(model)
    if relations is None:
        meta = model._meta
        if any(f.is_relation for f in meta.private_fields):
            relations = None  # a generic relation: Django's own way
        else:
            relations = [f for f in meta.concrete_fields if f.is_relation]
        _RELATIONS[model] = relations
    if relations is None:
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        return
    for obj in objs:
        for field in relations:
            if not field.is_cached(obj):
                continue
            other = field.get_cached_value(obj)
            if other is None:
                continue
            if other.pk is None:
                obj._prepare_related_fields_for_save(operation_name="bulk_create")
            if getattr(obj, field.attname) in field.empty_values:
                setattr(obj, field.name, other)  # saved since it was given
            elif getattr(other, field.target_field.attname) != getattr(
                obj, field.attname
            ):
                field.delete_cached_value(obj)  # its id was changed since


_RELATIONS: dict = {}


def _give_ids(cursor, meta, objs: list) -> None:
    """Ids for ``objs`` from the table's sequence, in one statement."""
    if not objs:
        return
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [meta.db_table, meta.pk.column, len(objs)],
    )
    ids = [row[0] for row in cursor.fetchall()]
    if len(ids) != len(objs) or None in ids:
        raise NotSupportedError(f"{meta.db_table} has no sequence for its ids")
    for obj, pk in zip(objs, ids, strict=True):
        setattr(obj, meta.pk.attname, pk)


_COLUMNS: dict = {}


def _columns(model):
    """The columns ``COPY`` fills for ``model`` (every concrete field of its
    table, the id included), or None when ``bulk_create`` must write it."""
    if model not in _COLUMNS:
        meta = model._meta
        fields = list(meta.local_concrete_fields)
        plain = (
            not meta.parents
            and meta.pk.get_internal_type() in ("AutoField", "BigAutoField")
            and not any(
                getattr(f, "generated", False) or f.db_default is not NOT_PROVIDED
                for f in fields
            )
        )
        _COLUMNS[model] = fields if plain else None
    return _COLUMNS[model]


# Fields whose value Django sends to PostgreSQL as it is when it already has the
# type the field stores (``get_db_prep_save`` gives it back unchanged): such a
# value is written without the half-dozen calls Django makes for each. Any other
# field, or a value of another type, goes Django's way.
_AS_IS: dict[type, tuple[type, ...]] = {
    **dict.fromkeys((m.CharField, m.TextField, m.SlugField), (str,)),
    **dict.fromkeys(
        (
            m.AutoField,
            m.BigAutoField,
            m.IntegerField,
            m.BigIntegerField,
            m.SmallIntegerField,
            m.PositiveIntegerField,
            m.PositiveSmallIntegerField,
            m.PositiveBigIntegerField,
        ),
        (int,),
    ),
    m.BooleanField: (bool,),
    m.DateField: (dt.date,),
    m.DecimalField: (Decimal,),
}
_VALUES: dict = {}


def _values(model):
    """``(obj, connection) -> [value of each column]``, as Django's
    ``f.get_db_prep_save(f.pre_save(obj, True), connection)`` gives them."""
    if model in _VALUES:
        return _VALUES[model]
    ways = []
    for f in _columns(model):
        kind = type(f)
        if isinstance(f, m.ForeignKey):
            kind = type(f.target_field)
        # Django's own ``pre_save`` reads the attribute; a date field's (auto_now)
        # and any other field's own is asked.
        own_pre_save = type(f).pre_save is not m.Field.pre_save
        ways.append((f, f.attname, own_pre_save, _AS_IS.get(kind, ())))

    def values(obj, connection):
        row = []
        for f, attname, own_pre_save, plain in ways:
            value = f.pre_save(obj, True) if own_pre_save else getattr(obj, attname)
            if value is not None and type(value) not in plain:
                value = f.get_db_prep_save(value, connection)
            row.append(value)
        return row

    _VALUES[model] = values
    return values
