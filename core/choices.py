"""Choices shared by several apps."""

from django.db import models
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
