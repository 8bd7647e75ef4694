"""What an importable record type is: its columns (header, how a cell is read,
what the 说明 sheet says about it, how a stored record fills it), how a row finds
the record it updates, and how it is saved: through the same form as the page,
whose ``clean`` calls the domain's services, so that an imported row meets every
rule a typed one does.

The record types themselves are in ``imports.types``."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import CheckConstraint
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import audit, bulk, savepoints
from core.generic import OUTSIDE_SCOPE
from core.scope import can_change, changeable, visible

from . import cleaning
from .cleaning import Unreadable


@dataclass
class Row:
    """One row of the file as read: its sheet row number, the cells by column name
    (what the clerk wrote), and the values read from them."""

    number: int
    cells: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    # Column name (or "" for the whole row) -> message.
    errors: dict[str, str] = field(default_factory=dict)
    was_read: bool = False
    outcome: Any = None

    def forget(self) -> None:
        """Once counted: only the row's number, status and errors are kept (a
        file of 20,000 rows does not hold 20,000 rows of records in memory)."""
        self.cells, self.values = {}, {}
        if self.outcome is not None:
            self.outcome = Outcome(self.outcome.status)

    def error(self, column: str, message: str) -> None:
        if column in self.errors:
            if message not in self.errors[column]:
                self.errors[column] += "；" + message
        else:
            self.errors[column] = message


@dataclass(frozen=True)
class Column:
    """A column of the template. ``read`` turns a non-empty cell into its value (or
    raises ``Unreadable``); ``show`` gives a stored record's cell for a pre-filled
    template or a list export."""

    name: str
    header: str
    read: Callable[[Any, Any], Any]  # (cell, context) -> value
    show: Callable[[Any], Any] = lambda obj: None
    required: bool = False
    aliases: tuple[str, ...] = ()
    note: str = ""
    choices: tuple[str, ...] = ()  # the labels offered in the template's dropdown
    number_format: str = ""
    width: int = 14
    # An amount of money: a file may head it in 万元 (金额（万元）), and then its bare
    # numbers are 万元 (``Sheet.units``).
    money: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


# A money column's unit when its header names none.
YUAN = Decimal(1)

# Readers: (cell, context) -> value. ``context`` is the record type's import
# context (the lookups of the user's scope).


def read_text(cell, context):
    return cleaning.text(cell)


def read_code(cell, context):
    """A number kept as text (a school code typed as a number loses nothing)."""
    return cleaning.text(cell).upper()


def read_date(cell, context):
    return cleaning.date(cell)


def read_int(cell, context):
    return cleaning.whole_number(cell)


def read_decimal(cell, context):
    return cleaning.decimal(cell)


def read_bool(cell, context):
    return cleaning.yes_no(cell)


def read_school(cell, context):
    return context.lookups.school(cell)


def read_schools(cell, context):
    """Several schools in one cell (names or codes, 、 between them)."""
    return [context.lookups.school(name) for name in cleaning.names(cell)]


def read_region(cell, context):
    return context.lookups.region(cell)


def read_programme(cell, context):
    return context.lookups.programme(cell)


def read_money(cell, context):
    """(yuan, approximation), in the unit the file heads the column with."""
    return cleaning.amount(cell, unit=context.unit)


def read_choice(choices: type[models.TextChoices] | list[tuple[str, str]]):
    """A choice by its Chinese label (as the dropdown offers it), its English label
    or its code; the labels as compared are made once per language."""
    pairs = choices.choices if hasattr(choices, "choices") else choices
    known: dict[str, list[tuple[str, str, str, str]]] = {}

    def options():
        language = get_language()
        if language not in known:
            known[language] = [
                (code, str(label), cleaning.key(label), cleaning.key(code))
                for code, label in pairs
            ]
        return known[language]

    def read(cell, context):
        written = cleaning.key(cleaning.text(cell))
        for code, _label, label_key, code_key in options():
            if written in (label_key, code_key):
                return code
        # "高级教师", "中学一级" name the label 高级, 一级: one label inside the text.
        inside = {
            code
            for code, _label, label_key, _code_key in options()
            if code and len(label_key) > 1 and label_key in written
        }
        if len(inside) == 1:
            return inside.pop()
        labels = "、".join(label for code, label, _l, _c in options() if code)
        raise Unreadable(
            _("“%(value)s” is not one of: %(labels)s.")
            % {"value": cleaning.text(cell), "labels": labels}
        )

    return read


def choice_labels(choices) -> tuple[str, ...]:
    pairs = choices.choices if hasattr(choices, "choices") else choices
    return tuple(str(label) for code, label in pairs if code)


def shown_choice(name: str):
    def show(obj):
        return getattr(obj, f"get_{name}_display")() if getattr(obj, name) else ""

    return show


def shown(path: str):
    """A stored record's attribute along a dotted path ("home_school.code")."""

    def show(obj):
        value = obj
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                return ""
        if isinstance(value, bool):
            return "是" if value else "否"
        return value

    return show


@dataclass
class Outcome:
    """What a row did (or would do): new, updated, unchanged, or refused."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ERROR = "error"

    status: str
    # (object, "create" | "update", its values before) for each record written.
    written: list = field(default_factory=list)


class WriteNow(Exception):
    """Raised while a row's writes are queued (``Inserts``) by a row that must
    write at once: it changes a stored record, or names a record that a row
    before it queued. The caller inserts the queue and processes the row again
    the ordinary way, in its savepoint."""


class Refused(Exception):
    """The database refused a queued insert (a constraint a row broke): the
    chunk is processed again row by row, so that the row at fault gets its
    message."""


class Inserts:
    """The new records of a chunk's rows, inserted together (one statement per
    model) when the chunk ends or a row needs them stored. A row that fails
    takes its own back (``mark``, ``drop_since``); nothing is written until
    ``flush``. Each record is audited as its ``save()`` would have been."""

    def __init__(self):
        self.items: list = []  # (record, what to do once it has its id, or None)

    def add(self, obj, then=None) -> None:
        self.items.append((obj, then))

    def mark(self) -> int:
        return len(self.items)

    def drop_since(self, position: int) -> None:
        del self.items[position:]

    def clear(self) -> None:
        self.items = []

    def flush(self) -> None:
        items, self.items = self.items, []
        by_model: dict = {}
        for obj, _then in items:
            by_model.setdefault(type(obj), []).append(obj)
        for model in _in_key_order(by_model):
            try:
                with transaction.atomic():
                    bulk.insert(model, by_model[model])
            except IntegrityError as error:
                raise Refused(str(error)) from error
            audit.created(by_model[model])
        for _obj, then in items:
            if then is not None:
                then()


def _in_key_order(by_model: dict) -> list:
    """The models so that each comes after those its foreign keys point to (a
    secondment after its new person, a stint after its new secondment)."""
    waiting, ordered = list(by_model), []
    while waiting:
        ready = [
            model
            for model in waiting
            if not any(
                f.related_model in waiting and f.related_model is not model
                for f in model._meta.concrete_fields
                if f.is_relation
            )
        ]
        ready = ready or waiting[:1]  # a cycle cannot arise among import models
        ordered += ready
        waiting = [model for model in waiting if model not in ready]
    return ordered


# The id column every template carries: filled in a pre-filled template and a list
# export, so that an edited row updates the record it came from.
ID_COLUMN = Column(
    "id",
    "系统编号",
    read=read_int,
    show=lambda obj: obj.pk,
    note="由系统填写，用于修改已有记录；新增记录时留空。",
    width=10,
)


class RecordType:
    """An importable kind of record. Subclasses name the model, the page's form
    and the columns, and say how a row finds its stored record."""

    slug = ""
    title = ""
    do_not_call_in_templates = True  # templates read the class's attributes
    model: type[models.Model]
    form_class = None
    columns: list[Column] = []
    ID = ID_COLUMN.name

    # Whether the type's new records may be queued and inserted together
    # (``Inserts``): its ``save`` raises ``WriteNow`` before any direct write.
    queues = False

    def __init__(self, user, lookups, *, units=None, inserts=None):
        self.user = user
        self.lookups = lookups
        self.saved: list = []
        self.inserts = inserts if inserts is not None else Inserts()
        self._forms: dict = {}  # ``quiet_form``
        # Processing a row the ordinary way (``WriteNow``): nothing is queued.
        self.at_once = False
        # The unit of each money column as the file heads it, and of the cell
        # being read (``read_money``).
        self.units = units or {}
        self.unit = YUAN

    @classmethod
    def all_columns(cls) -> tuple[Column, ...]:
        """The type's columns and the id column, made once per type (every row's
        reading walks them)."""
        made = cls.__dict__.get("_all_columns")
        if made is None:
            made = (*cls.columns, ID_COLUMN)
            cls._all_columns = made
        return made

    @classmethod
    def queryset(cls, user):
        return visible(cls.model.objects.all(), user)

    # A row, step by step.
    def read_chunk(self, rows: list[Row]) -> None:
        """``read`` for each row, the schools the rows name found first in one
        query."""
        named = []
        for column in self.all_columns():
            if column.read not in (read_school, read_schools):
                continue
            for row in rows:
                cell = row.cells.get(column.name)
                if cell is None:
                    continue
                named += [cell] if column.read is read_school else cleaning.names(cell)
        if named:
            self.lookups.prefetch_schools(named)
        for row in rows:
            self.read(row)

    def read(self, row: Row) -> None:
        """Every cell into its value; every unreadable or missing cell an error."""
        row.was_read = True
        for column in self.all_columns():
            cell = row.cells.get(column.name)
            if cell is None or cleaning.text(cell) == "":
                if column.required:
                    row.error(column.name, _("This column must be filled in."))
                continue
            self.unit = self.units.get(column.name, YUAN)
            try:
                row.values[column.name] = column.read(cell, self)
            except Unreadable as problem:
                row.error(column.name, str(problem))

    def prepare(self, rows: list[Row]) -> None:
        """Before a chunk of read rows is processed: find what they name in a few
        queries rather than a few per row."""

    def stored(self, row: Row):
        """The record this row updates, or None for a new one. By the id column
        first (a record outside the scope is not found), then ``natural``."""
        if row.values.get(self.ID):
            found = self.queryset(self.user).filter(pk=row.values[self.ID]).first()
            if found is None:
                row.error(self.ID, _("No such record in your area."))
            return found
        return self.natural(row)

    def natural(self, row: Row):
        """The stored record with this row's natural key, if any."""
        return None

    def form_values(self, row: Row) -> dict:
        """The values the page's form receives, by form field."""
        return {k: v for k, v in row.values.items() if k != self.ID}

    def process(self, row: Row) -> Outcome:
        """Read, validate and save one row (inside the caller's transaction; the
        caller rolls back a dry run). A row with errors writes nothing."""
        if not row.was_read:
            self.read(row)
        if row.errors:
            self.keep_stored_values(row)
        if row.errors:
            return Outcome(Outcome.ERROR)
        try:
            return self.save(row)
        except ValidationError as problem:
            self.errors_to_row(row, problem)
            return Outcome(Outcome.ERROR)

    def keep_stored_values(self, row: Row) -> None:
        """A row of an exported list names its record by id; a related record it
        shows as the record has it (a partner school's county, outside the
        user's region) is that record's, as it is, whether or not the lookups may
        find it: the row does not change it."""
        if not row.values.get(self.ID) or set(row.errors) - self.related_columns():
            return
        stored = self.queryset(self.user).filter(pk=row.values[self.ID]).first()
        if stored is None:
            return
        for name in list(row.errors):
            column = next(c for c in self.all_columns() if c.name == name)
            written = cleaning.text(row.cells.get(name))
            if written and written == cleaning.text(column.show(stored)):
                row.values[name] = getattr(stored, name)
                del row.errors[name]

    @classmethod
    def related_columns(cls) -> set[str]:
        """The columns that name a related record of the model itself."""
        fields = {
            f.name
            for f in cls.model._meta.get_fields()
            if f.is_relation and f.many_to_one
        }
        return {c.name for c in cls.all_columns() if c.name in fields}

    def save(self, row: Row) -> Outcome:
        instance = self.stored(row)
        values = self.form_values(row)
        if row.errors:
            return Outcome(Outcome.ERROR)
        return self.save_form(row, instance, values)

    def save_form(
        self, row: Row, instance, values: dict, column_of=None, form_class=None
    ) -> Outcome:
        """Save through the page's form: what the row does not mention keeps its
        stored value. Unchanged rows write nothing. While rows are queued, a new
        record is queued once its form is valid, and a change to a stored one
        raises ``WriteNow``."""
        if instance is not None and instance.pk is None:
            raise WriteNow  # queued by a row before: stored first
        if instance is None and form_class is None and self.prepare_new:
            return self.save_prepared(
                row, lambda: self.prepare_new(**values), column_of
            )
        if instance is not None and _as_stored(instance, values):
            return Outcome(Outcome.UNCHANGED)
        before = snapshot(instance) if instance is not None else None
        form = self.form(instance, values, form_class or self.form_class)
        if instance is not None and not form.has_changed():
            # Nothing to write: the stored record stays as it is, even where it
            # breaks a rule made after it was entered.
            return Outcome(Outcome.UNCHANGED)
        if instance is not None and self.queueing:
            raise WriteNow
        if not form.is_valid():
            self.form_errors_to_row(row, form, column_of)
            return Outcome(Outcome.ERROR)
        if self.queueing:
            obj = form.save(commit=False)
            self.inserts.add(obj, then=lambda: self.inserted(obj))
            self.check_scope(obj)
            return Outcome(Outcome.NEW, [(obj, "create", None)])
        obj = save_or_constraint_message(form)
        self.check_scope(obj)
        if instance is None:
            return Outcome(Outcome.NEW, [(obj, "create", None)])
        return Outcome(Outcome.UPDATED, [(obj, "update", before)])

    # The service that makes a new record of this type checked by every rule the
    # page's form checks, not yet saved (fields by name -> record; it raises the
    # rules' errors), where there is one: a new record is made by it rather than
    # through the form, which builds and cleans every field again from its text.
    prepare_new: Callable[..., models.Model] | None = None

    def save_prepared(
        self, row: Row, prepare: Callable[[], models.Model], column_of=None
    ) -> Outcome:
        """Save a new record that ``prepare`` makes (``prepare_new``), as
        ``save_form`` saves a form's: queued while rows are queued, else saved
        at once."""
        try:
            obj = prepare()
        except ValidationError as problem:
            self.errors_to_row(row, problem, column_of)
            return Outcome(Outcome.ERROR)
        if self.queueing:
            self.inserts.add(obj, then=lambda: self.inserted(obj))
        else:
            obj = save_or_constraint_message(obj)
        self.check_scope(obj)
        return Outcome(Outcome.NEW, [(obj, "create", None)])

    # Whether each saved record's scope is checked at once (a chunk found to hold
    # a record outside the scope is processed again so); otherwise the records
    # are gathered in ``saved`` and checked together (``outside_scope``).
    careful = False
    # The list page's FilterSet: a list export keeps the rows the page shows.
    filterset = None

    def inserted(self, obj) -> None:
        """A record a row queued has been inserted (it has its id now)."""

    def settle(self) -> None:
        """A chunk is done and kept (``Lookups.settle``)."""
        self.lookups.settle()

    def helper(self, cls: type[RecordType]) -> RecordType:
        """Another type's importer saving a related record of this one's rows (a
        secondment's person): the same lookups, queue, scope check and mode."""
        other = cls(self.user, self.lookups, inserts=self.inserts)
        other._forms = self._forms
        other.saved, other.careful, other.at_once = (
            self.saved,
            self.careful,
            self.at_once,
        )
        return other

    @property
    def queueing(self) -> bool:
        return self.queues and not self.careful and not self.at_once

    def flush(self) -> None:
        """Insert what the rows queued (``Inserts.flush``)."""
        self.inserts.flush()

    def check_scope(self, obj) -> None:
        """Nobody creates what they could not see (as on the pages: a record that
        would lie outside the user's scope is refused)."""
        if self.careful:
            if not can_change(self.user, obj, scope=self.lookups.scope):
                raise ValidationError(OUTSIDE_SCOPE)
        else:
            self.saved.append(obj)

    def outside_scope(self) -> bool:
        """Whether a record saved since the last call lies outside the scope:
        one query per model."""
        by_model: dict = {}
        for obj in self.saved:
            by_model.setdefault(type(obj), set()).add(obj.pk)
        self.saved = []
        return any(
            pks - changeable(self.user, model, pks, scope=self.lookups.scope)
            for model, pks in by_model.items()
        )

    def form(self, instance, values: dict, form_class):
        """The page's form, bound to the row's values over the stored ones. A
        record the row names was found in the user's scope by the lookups: its
        field takes it as it is, without asking the database again."""
        form_class = self.quiet_form(form_class)
        if instance is None:
            data = {
                name: plain(values.get(name, initial))
                for name, initial in defaults(form_class).items()
            }
        else:
            unbound = form_class(instance=instance, user=self.user)
            data = {
                name: plain(values[name] if name in values else unbound[name].value())
                for name in unbound.fields
            }
        form = form_class(data, instance=instance, user=self.user)
        for name, value in values.items():
            field = form.fields.get(name)
            if (
                isinstance(value, models.Model)
                and type(field) is forms.ModelChoiceField
            ):
                form.fields[name] = Found.of(field, value)
        return form

    def quiet_form(self, form_class):
        """The import's form for this page's form (``quiet``). For a type that
        queues (its forms set no field's state but the user's scope, which is
        the same for every row), the fields are made once for this import and
        shared by every row's form, rather than copied for each."""
        if not self.queues:
            return quiet(form_class)
        made = self._forms.get(form_class)
        if made is None:
            base = quiet(form_class)
            made = type(base.__name__, (base,), {})
            fields = copy.deepcopy(base.base_fields)
            for field in fields.values():
                if isinstance(field, forms.ChoiceField) and not isinstance(
                    field, forms.ModelChoiceField
                ):
                    # Listed once: Django's lazy choices are made again, label
                    # by label, each time a row's value is checked against them.
                    field.choices = list(field.choices)
            made.base_fields = _Shared(fields)
            self._forms[form_class] = made
        return made

    def form_errors_to_row(self, row: Row, form, column_of=None) -> None:
        names = {c.name for c in self.all_columns()}
        column_of = column_of or {}
        for name, messages in form.errors.items():
            column = column_of.get(name, name)
            label = form.fields[name].label if name in form.fields else ""
            if column not in names:
                column = ""
                messages = [f"{label}：{m}" if label else m for m in messages]
            for message in messages:
                row.error(column, message)

    def errors_to_row(self, row: Row, problem: ValidationError, column_of=None) -> None:
        names = {c.name for c in self.all_columns()}
        column_of = column_of or {}
        if hasattr(problem, "error_dict"):
            for name, errors in problem.message_dict.items():
                column = column_of.get(name, name)
                for message in errors:
                    row.error(column if column in names else "", message)
        else:
            for message in problem.messages:
                row.error("", message)

    @classmethod
    def export_row(cls, obj) -> list:
        return [column.show(obj) for column in cls.all_columns()]


_QUIET: dict[type, type] = {}
_DEFAULTS: dict[type, dict] = {}


class _Quiet:
    """The page's form as the import uses it, with the same rules, asked of the
    database fewer times:
    - never rendered;
    - a related record the lookups found (a ``Found`` field) is not asked for again
      in the model's field validation: it was read in this transaction, in the
      user's scope, and the database's foreign key holds it;
    - the model's check constraints are left to the database, which checks them
      when the row is saved (Django would ask it first, once per constraint, each
      in a savepoint); a violation is answered with the constraint's own message
      (``save_or_constraint_message``). Unique constraints and the model's
      ``clean`` are checked as on the page."""

    rendered = False

    def _clean_fields(self):
        """Django's own, without a bound field made for each field of each row
        (nothing is rendered): a field cleaned as Django's bound field would
        clean it, from the same widget's reading of the data; a disabled field
        or one that cleans its bound field its own way goes Django's way."""
        plain_way = forms.Field._clean_bound_field
        for name, one in self.fields.items():
            try:
                if one.disabled or type(one)._clean_bound_field is not plain_way:
                    value = one._clean_bound_field(self[name])
                else:
                    value = one.clean(
                        one.widget.value_from_datadict(
                            self.data, self.files, self.add_prefix(name)
                        )
                    )
                self.cleaned_data[name] = value
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except ValidationError as error:
                self.add_error(name, error)

    def _post_clean(self):
        found = {n for n, field in self.fields.items() if isinstance(field, Found)}
        instance = self.instance
        model = type(instance)

        def clean_fields(exclude=None):
            return model.clean_fields(instance, exclude={*(exclude or ()), *found})

        def get_constraints():
            return [
                (owner, [c for c in constraints if not isinstance(c, CheckConstraint)])
                for owner, constraints in model.get_constraints(instance)
            ]

        instance.clean_fields = clean_fields
        instance.get_constraints = get_constraints
        try:
            super()._post_clean()
        finally:
            instance.__dict__.pop("clean_fields", None)
            instance.__dict__.pop("get_constraints", None)


def _as_stored(instance, values: dict) -> bool:
    """Whether every value the row gives is the one stored (for a related record,
    the same record): then the row changes nothing, and no form is needed to say
    so (a secondment row names its person, who is most often as stored). Any
    other value, or one that is not a plain field of the model, is left to the
    form."""
    meta = instance._meta
    for name, value in values.items():
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if not field.concrete or field.many_to_many:
            return False
        if field.is_relation:
            value = getattr(value, "pk", value)
        if getattr(instance, field.attname) != value:
            return False
    return True


def save_or_constraint_message(form_or_record):
    """``save()`` of a form or a record, a check constraint's violation answered
    in its words."""
    model = form_or_record._meta.model  # a form's options and a record's say it
    checks = [c for c in model._meta.constraints if isinstance(c, CheckConstraint)]

    def save():
        if isinstance(form_or_record, models.Model):
            form_or_record.save()
            return form_or_record
        return form_or_record.save()

    if not checks:
        return save()
    try:
        with savepoints.own():
            return save()
    except IntegrityError as error:
        text = str(error)
        for constraint in checks:
            if constraint.name in text:
                raise ValidationError(
                    constraint.get_violation_error_message()
                ) from None
        raise


def quiet(form_class):
    if form_class not in _QUIET:
        made = type(f"Import{form_class.__name__}", (_Quiet, form_class), {})
        made.base_fields = _CheapFields(made.base_fields)
        _QUIET[form_class] = made
    return _QUIET[form_class]


class _CheapFields(dict):
    """An import form's fields, copied for each row's form as Django copies them
    (each field, its widget, its attributes, messages and validators its own)
    but for the choices, which are shared: Django deep-copies every choice and
    its lazy label for every form (a row of secondments builds three forms), and
    an import's forms never change a choice in place (a form that narrows one
    assigns a new list)."""

    def __deepcopy__(self, memo):
        fields = {}
        for name, original in self.items():
            if not isinstance(original, forms.ChoiceField):
                fields[name] = copy.deepcopy(original, memo)
                continue
            copied = copy.copy(original)
            copied.widget = copy.copy(original.widget)
            copied.widget.attrs = dict(original.widget.attrs)
            copied.error_messages = dict(original.error_messages)
            copied.validators = list(original.validators)
            if getattr(original, "queryset", None) is not None:
                copied.queryset = original.queryset.all()  # as Django's own copy
            fields[name] = copied
        return fields


class _Shared(dict):
    """One import's form fields, the same objects in every row's form."""

    def __deepcopy__(self, memo):
        return dict(self)


def defaults(form_class) -> dict:
    """A new record's form values before the row's: each field's initial value."""
    if form_class not in _DEFAULTS:
        _DEFAULTS[form_class] = {
            name: field.initial() if callable(field.initial) else field.initial
            for name, field in form_class.base_fields.items()
        }
    return _DEFAULTS[form_class]


class Found(forms.ModelChoiceField):
    """A choice field whose record the lookups found (in scope), or a row before
    queued (``Inserts``: it has no id yet): cleaned to it."""

    record = None

    @classmethod
    def of(cls, original: forms.ModelChoiceField, record) -> Found:
        """The original field as a ``Found`` one: a shallow copy (its widget,
        queryset and messages shared), which is all ``clean`` needs."""
        found = copy.copy(original)
        found.__class__ = cls
        found.record = record
        return found

    def clean(self, value):
        if value in self.empty_values and self.record.pk is not None:
            return super().clean(value)
        return self.record


def plain(value):
    """A value as a bound form takes it: a record as its id, lists likewise."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return [plain(v) for v in items]
    return "" if value is None else value


def snapshot(obj) -> dict:
    """A record's stored values (for undo), as JSON."""
    values = {}
    for f in obj._meta.concrete_fields:
        if f.primary_key:
            continue
        values[f.attname] = (
            f.value_to_string(obj) if getattr(obj, f.attname) is not None else None
        )
    return values
