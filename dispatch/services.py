"""Writes for people, secondments and stints."""

from collections.abc import Iterable, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.choices import Direction, Side

from .models import Secondment, Stint


def overlapping_pairs(intervals: Iterable[tuple[date, date]]) -> list[tuple[int, int]]:
    """Indexes of intervals (inclusive dates) that overlap each other."""
    ordered = sorted(enumerate(intervals), key=lambda item: item[1][0])
    pairs = []
    for (i, (_s1, e1)), (j, (s2, _e2)) in zip(ordered, ordered[1:], strict=False):
        if s2 <= e1:
            pairs.append((i, j))
    return pairs


def stint_overlap_error(
    *, secondment: Secondment, start: date, end: date, exclude_pk: int | None = None
) -> ValidationError | None:
    """The stints of one secondment never overlap; say which stint is in the way."""
    clash = (
        Stint.objects.filter(secondment=secondment, start__lte=end, end__gte=start)
        .exclude(pk=exclude_pk)
        .order_by("start")
        .first()
    )
    if clash is None:
        return None
    return ValidationError(
        _("This stint overlaps the stint from %(start)s to %(end)s.")
        % {"start": clash.start.isoformat(), "end": clash.end.isoformat()},
        code="stint_overlap",
    )


@transaction.atomic
def stint_create(
    *, secondment: Secondment, start: date, end: date, note: str = ""
) -> Stint:
    """Record a continuous period on post."""
    stint = Stint(secondment=secondment, start=start, end=end, note=note)
    stint.full_clean()
    error = stint_overlap_error(secondment=secondment, start=start, end=end)
    if error:
        raise ValidationError({"start": error})
    try:
        with transaction.atomic():
            stint.save()
    except IntegrityError as exc:  # a concurrent write won the race
        if "stint_no_overlap" in str(exc):
            raise ValidationError(
                {
                    "start": _(
                        "This stint overlaps another stint of the same secondment."
                    )
                }
            ) from exc
        raise
    return stint


@transaction.atomic
def secondment_create(
    *, stints: Sequence[tuple[date, date]] = (), **fields
) -> Secondment:
    """Create a secondment with its stints; the stints may not overlap each other."""
    secondment = Secondment(**fields)
    secondment.full_clean()
    secondment_check_sides(secondment)
    pairs = overlapping_pairs(stints)
    if pairs:
        raise ValidationError(
            {"stints": _("Stints of the same secondment cannot overlap.")}
        )
    secondment.save()
    for start, end in stints:
        stint_create(secondment=secondment, start=start, end=end)
    return secondment


def secondment_check_sides(secondment: Secondment) -> None:
    """Sending and host school must be parties on the sides the direction says."""
    sides = dict(secondment.pairing.parties.values_list("school_id", "side"))
    wanted = (
        (Side.SUPPORTING, Side.RECEIVING)
        if secondment.direction == Direction.TO_RECEIVING
        else (Side.RECEIVING, Side.SUPPORTING)
    )
    errors = {}
    if sides.get(secondment.sending_school_id) != wanted[0]:
        errors["sending_school"] = _(
            "The sending school must be a party on the %(side)s of this pairing."
        ) % {"side": Side(wanted[0]).label}
    if sides.get(secondment.host_school_id) != wanted[1]:
        errors["host_school"] = _(
            "The host school must be a party on the %(side)s of this pairing."
        ) % {"side": Side(wanted[1]).label}
    if errors:
        raise ValidationError(errors)
