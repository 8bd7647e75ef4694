"""Choices shared by several apps, and a choice's label read quickly."""

from functools import lru_cache, partialmethod

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Approximation(models.TextChoices):
    """How exact a figure is: sources write "29万余元", "近10万元", "约300册"."""

    EXACT = "", _("exact")
    MORE_THAN = "more", _("more than (余/多)")
    ABOUT = "about", _("about (约)")
    NEARLY = "nearly", _("nearly (近)")
    AT_LEAST = "at_least", _("at least (以上)")


class Currency(models.TextChoices):
    CNY = "CNY", _("Renminbi (CNY)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")


class Side(models.TextChoices):
    """The role a school plays in one pairing."""

    SUPPORTING = "supporting", _("supporting side")
    RECEIVING = "receiving", _("receiving side")


class Direction(models.TextChoices):
    """Which way people or activities move within a pairing."""

    TO_RECEIVING = "to_receiving", _("supporting → receiving")
    TO_SUPPORTING = "to_supporting", _("receiving → supporting")


def choice_label(obj, name: str):
    """What ``obj.get_<name>_display()`` gives, from a label table made once per
    field and language (Django's builds a dictionary of every choice on each call,
    which cost more than the rest of a list's cells)."""
    try:
        field = obj._meta.get_field(name)
    except (AttributeError, FieldDoesNotExist):
        field = None
    method = _class_attribute(type(obj), f"get_{name}_display")
    if field is None or not field.choices or not isinstance(method, partialmethod):
        # Not a choice field, or a model that wrote its own get_<name>_display
        # (Django's own is a partialmethod): that one decides.
        return getattr(obj, f"get_{name}_display")()
    value = getattr(obj, field.attname)
    return _labels(field, get_language()).get(make_hashable(value), value)


def _class_attribute(cls, name):
    """The attribute as the class (or the nearest base) defines it, unbound."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


@lru_cache(maxsize=1024)
def _labels(field, language) -> dict:
    return {make_hashable(value): str(label) for value, label in field.flatchoices}
