"""Searching a large table as the user types: a model that may be searched declares
an ``autocomplete`` attribute (``Autocomplete``); the scoped endpoint
(``core.views.autocomplete``) and the searchable form fields
(``core.filters.make_searchable``) read it. Nothing here names a model."""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.db.models import Model


@dataclass(frozen=True)
class Autocomplete:
    kind: str  # the endpoint's name for the model: /autocomplete/<kind>/
    search: tuple[str, ...]  # fields matched with icontains
    order: str
    related: tuple[str, ...] = ()  # select_related for ``text``
    text: Callable[[Model], str] = field(default=str)


@cache
def kinds() -> dict[str, type[Model]]:
    """Every searchable model, by kind."""
    found = {}
    for model in apps.get_models():
        spec = getattr(model, "autocomplete", None)
        if isinstance(spec, Autocomplete):
            found[spec.kind] = model
    return found


def spec_of(model) -> Autocomplete | None:
    spec = getattr(model, "autocomplete", None)
    return spec if isinstance(spec, Autocomplete) else None
