"""API writes go through the browser's own forms.

A POST/PUT/PATCH is parsed by a serializer derived from the form (types, required
fields: the same fields the page shows), then turned into form data and validated
and saved by the very form class and inline formsets of the browser's edit page. So
the API and the browser share one set of rules, one scope for choices (a school the
user cannot see is "not a valid choice" in both) and one wording of every message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.datastructures import MultiValueDict
from rest_framework import serializers

# Ids are 64-bit in PostgreSQL (and SQLite): a larger number is not an id.
MAX_ID = 2**63 - 1
# Form field -> serializer field, most specific first.
_SIMPLE = [
    (forms.BooleanField, serializers.BooleanField),
    (forms.DateTimeField, serializers.DateTimeField),
    (forms.DateField, serializers.DateField),
    (forms.DecimalField, serializers.DecimalField),
    (forms.IntegerField, serializers.IntegerField),
]


def serializer_field(field: forms.Field) -> serializers.Field | None:
    """The serializer field that parses what ``field`` expects (None: not sent
    through the API, e.g. files)."""
    common = {
        "required": field.required,
        "label": field.label,
        "help_text": field.help_text or None,
    }
    if isinstance(field, forms.FileField):
        return None
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID), **common
        )
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(
            min_value=1, max_value=MAX_ID, allow_null=not field.required, **common
        )
    if isinstance(field, forms.ChoiceField):
        choices = [(value, label) for value, label in field.choices if value != ""]
        return serializers.ChoiceField(
            choices=choices, allow_blank=not field.required, **common
        )
    for form_type, serializer_type in _SIMPLE:
        if isinstance(field, form_type):
            kwargs = dict(common)
            if serializer_type is serializers.BooleanField:
                kwargs["required"] = False
            if serializer_type in (serializers.BooleanField, serializers.IntegerField):
                kwargs.update(_filled_in(field))
            if serializer_type is serializers.DecimalField:
                kwargs.update(
                    max_digits=field.max_digits,
                    decimal_places=field.decimal_places,
                    coerce_to_string=False,
                )
            if serializer_type in (serializers.DecimalField, serializers.IntegerField):
                kwargs.update(min_value=field.min_value, max_value=field.max_value)
            if serializer_type is not serializers.BooleanField:
                kwargs["allow_null"] = not field.required
            return serializer_type(**kwargs)
    return serializers.CharField(
        max_length=getattr(field, "max_length", None),
        allow_blank=not field.required,
        trim_whitespace=False,
        **common,
    )


def _filled_in(field: forms.Field) -> dict:
    """A box the form ticks or a number it fills in (a count of 0) need not be sent:
    left out, it is what the form would have saved (``default``; not on a partial
    change, which keeps the stored value)."""
    initial = field.initial
    if isinstance(field, forms.BooleanField) and isinstance(initial, bool):
        return {"default": initial}
    if isinstance(initial, int) and not isinstance(initial, bool):
        return {"required": False, "default": initial}
    return {}


def _form_fields(form_class) -> dict[str, forms.Field]:
    """The fields of an unbound form with no user: what its ``__init__`` makes of
    them (e.g. a field it makes optional), with choices limited to nothing."""
    try:
        return form_class(user=None).fields
    except TypeError:  # a plain form without the user argument
        return form_class().fields


def _fields_of(form_class, skip=()) -> dict[str, serializers.Field]:
    fields = {}
    for name, field in _form_fields(form_class).items():
        if name in skip:
            continue
        converted = serializer_field(field)
        if converted is not None:
            fields[name] = converted
    return fields


def write_serializer(model, form_class, formsets: dict | None = None):
    """A serializer class with the form's fields and, for each inline formset, a
    list of nested items (``id`` to keep or change an existing one)."""
    attrs = _fields_of(form_class)
    for name, formset_class in (formsets or {}).items():
        item_fields = _fields_of(
            formset_class.form, skip={formset_class.fk.name, "id", "DELETE"}
        )
        item_fields["id"] = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=MAX_ID,
            help_text="Existing item to keep or change; leave out for a new one.",
        )
        item = type(
            f"{model.__name__}{name.title().replace('_', '')}Item",
            (serializers.Serializer,),
            item_fields,
        )
        attrs[name] = item(
            many=True,
            required=False,
            label=formset_class.model._meta.verbose_name_plural,
        )
    return type(f"{model.__name__}Write", (serializers.Serializer,), attrs)


def as_form_value(value):
    """A parsed value as the text a browser would post."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    return value


def form_data(
    form_class, values: dict, *, instance=None, user=None, partial=False
) -> MultiValueDict:
    """Form data for ``values``; with ``partial``, fields not given keep the
    object's current values (read from the form's own initial values)."""
    data = MultiValueDict()
    if partial and instance is not None:
        current = form_class(instance=instance, user=user)
        for name in current.fields:
            value = current[name].value()
            if isinstance(value, list | tuple):
                data.setlist(name, [as_form_value(v) for v in value])
            elif value is not None and not isinstance(value, forms.Field):
                data[name] = as_form_value(value)
    for name, value in values.items():
        if isinstance(value, list):
            data.setlist(name, [as_form_value(v) for v in value])
        else:
            data[name] = as_form_value(value)
    return data


def formset_data(
    formset_class, prefix: str, items, existing: list[int]
) -> tuple[dict, set[int]]:
    """Management form and item data for an inline formset: listed items with an
    ``id`` change that item, items without one are added, existing items not
    listed are deleted."""
    listed = {item["id"]: item for item in items if item.get("id")}
    unknown = set(listed) - set(existing)
    data = {
        f"{prefix}-INITIAL_FORMS": str(len(existing)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    rows: list[tuple[int | None, dict]] = []
    for pk in existing:
        rows.append((pk, listed.get(pk)))
    rows += [(None, item) for item in items if not item.get("id")]
    for index, (pk, item) in enumerate(rows):
        key = f"{prefix}-{index}-"
        if pk is not None:
            data[key + "id"] = str(pk)
            if item is None:
                data[key + "DELETE"] = "on"
                # An untouched existing row still validates: give its values.
                continue
        for name, value in (item or {}).items():
            if name != "id":
                data[key + name] = as_form_value(value)
    data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
    return data, unknown
