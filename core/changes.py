"""The audit log's stored changes as a clerk reads them: each field by its label,
each value as the forms show it (a choice by its label, yes/no, a related record by
its name, a time in local time as 2025年10月8日 14:05), never a field name, a code
or UTC. One reader serves the history pages, the audit log and its Excel export."""

import datetime as dt
import json
import mimetypes
from collections import defaultdict
from collections.abc import Iterable
from pathlib import PurePosixPath

from django.db import models
from django.utils import formats, timezone
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .choices import _labels

NOTHING = "—"


def local_time(value: dt.datetime) -> str:
    """A moment as the clerk's clock showed it, in the language's format."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


class ChangeReader:
    """Reads the changes of ``entries`` (audit entries): the related records they
    name are looked up once per model for all of them."""

    def __init__(self, entries: Iterable):
        self.entries = list(entries)
        wanted: dict[type, set] = defaultdict(set)
        own: dict = defaultdict(list)  # field -> the values its model reads itself
        for entry in self.entries:
            model = entry.content_type.model_class()
            fields = _fields_of(model)
            for name, pair in entry.changes.items():
                field = fields.get(name)
                values = pair if isinstance(pair, list) else [pair]
                if isinstance(field, models.ForeignKey):
                    wanted[field.related_model] |= {v for v in values if v is not None}
                elif field is not None and hasattr(model, "audit_values"):
                    own[field] += [v for v in values if v not in (None, "")]
        self.names: dict[type, dict] = {}
        for model, pks in wanted.items():
            found = model._default_manager.filter(pk__in=pks)
            self.names[model] = {str(obj.pk): str(obj) for obj in found}
        # A model may say how its own values read (a job's stored filters, say):
        # asked once per field for the values of all the entries.
        self.own: dict = {}
        for field, values in own.items():
            shown = field.model.audit_values(field, values)  # keyed by _key(value)
            self.own.update({(field, key): text for key, text in shown.items()})

    def rows(self, entry) -> list[tuple[str, str, str]]:
        """(field label, before, after) of one entry, in the order stored."""
        model = entry.content_type.model_class()
        fields = _fields_of(model)
        result = []
        for name, pair in entry.changes.items():
            field = fields.get(name)
            before, after = (
                (pair + [None, None])[:2]
                if isinstance(pair, list)
                else (
                    None,
                    pair,
                )
            )
            label = str(field.verbose_name) if field is not None else name
            result.append((label, self.value(field, before), self.value(field, after)))
        return result

    def text(self, entry) -> str:
        """One entry's changes on one line, as the Excel export writes them."""
        return "；".join(
            f"{label}：{before} → {after}" for label, before, after in self.rows(entry)
        )

    def value(self, field, value) -> str:
        if value is None or value == "":
            return NOTHING
        if field is None:
            return str(value)
        shown = self.own.get((field, _key(value)))
        if shown is not None:
            return shown
        if field.choices:
            return str(_labels(field, get_language()).get(make_hashable(value), value))
        if isinstance(field, models.BooleanField):
            return _("yes") if value else _("no")
        if isinstance(field, models.ForeignKey):
            name = self.names.get(field.related_model, {}).get(str(value))
            return name if name is not None else _("#%(id)s (deleted)") % {"id": value}
        if isinstance(field, models.DateTimeField):
            return _moment(value)
        if isinstance(field, models.DateField):
            return _day(value)
        if isinstance(field, models.FileField):
            return PurePosixPath(str(value)).name
        if field.name == "content_type" and "/" in str(value):
            # A file's MIME type, as the kind of file a clerk knows (PDF, DOCX).
            extension = mimetypes.guess_extension(str(value)) or ""
            return extension.lstrip(".").upper() or _("other file")
        if isinstance(value, list):
            return "、".join(str(v) for v in value) or NOTHING
        return str(value)


def _key(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _fields_of(model) -> dict:
    if model is None:
        return {}
    return {f.attname: f for f in model._meta.concrete_fields}


def _moment(value) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return local_time(moment)


def _day(value) -> str:
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return formats.date_format(day, "DATE_FORMAT")
