"""Writes for regions, schools and pairings. Keyword-only, validated, atomic."""

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.choices import Side

from .choices import PairingMode, PairingStatus, RegionLevel
from .models import (
    Pairing,
    PairingParty,
    Programme,
    Region,
    School,
    SchoolRegionChange,
)


def region_create(*, code: str, name: str, level: int, parent: Region | None) -> Region:
    """Create a region below ``parent``; its path makes subtree queries one lookup."""
    if parent is not None and level <= parent.level:
        raise ValidationError(
            {"level": _("A region must lie below its parent's level.")}
        )
    if parent is None and level != RegionLevel.PROVINCE:
        raise ValidationError({"parent": _("Only a province has no parent region.")})
    prefix = parent.path if parent else ""
    region = Region(
        code=code, name=name, level=level, parent=parent, path=f"{prefix}{code}/"
    )
    region.full_clean()
    region.save()
    return region


def school_region_moved(
    *, school: School, former_region: Region | None, on: date | None = None
) -> SchoolRegionChange | None:
    """Keep the region a school leaves when it is moved, dated (default today), so
    that past periods' statistics still place it where it lay then. Call after the
    school was saved with its new region; nothing is kept when it did not move."""
    if former_region is None or former_region.pk == school.region_id:
        return None
    from django.utils import timezone

    return SchoolRegionChange.objects.create(
        school=school,
        former_region=former_region,
        changed_on=on or timezone.localdate(),
    )


def pairing_check_dates(
    *, programme: Programme, start_date: date, end_date: date
) -> None:
    """A pairing lies within its programme's cycle (a pairing that ends after the
    cycle would be counted in a round that does not exist)."""
    cycle = {
        "start": programme.cycle_start.isoformat(),
        "end": programme.cycle_end.isoformat(),
    }
    message = (
        _("A pairing lies within its programme's cycle (%(start)s to %(end)s).") % cycle
    )
    errors = {}
    if start_date and start_date < programme.cycle_start:
        errors["start_date"] = message
    if end_date and end_date > programme.cycle_end:
        errors["end_date"] = message
    if errors:
        raise ValidationError(errors)


def programme_check_cycle(*, programme: Programme) -> None:
    """A programme's cycle keeps its pairings inside: changing the cycle may not
    leave a pairing outside it."""
    if programme.pk is None or not (programme.cycle_start and programme.cycle_end):
        return
    outside = Pairing.objects.filter(programme=programme).filter(
        Q(start_date__lt=programme.cycle_start) | Q(end_date__gt=programme.cycle_end)
    )
    first = outside.order_by("start_date", "pk").first()
    if first is not None:
        raise ValidationError(
            _(
                "%(n)s pairing(s) of this programme would lie outside the cycle, "
                "e.g. %(name)s (%(start)s to %(end)s): change their dates first."
            )
            % {
                "n": outside.count(),
                "name": first.name,
                "start": first.start_date.isoformat(),
                "end": first.end_date.isoformat(),
            }
        )


@transaction.atomic
def programme_update(*, programme: Programme, **fields) -> Programme:
    """Change a programme; its cycle keeps its pairings inside."""
    for name, value in fields.items():
        setattr(programme, name, value)
    programme.full_clean()
    programme_check_cycle(programme=programme)
    programme.save()
    return programme


def validate_parties(
    *, supporting: Sequence[School], receiving: Sequence[School], lead: School | None
) -> None:
    """The structural rules of a pairing's parties, in a clerk's words."""
    errors = {}
    if not supporting:
        errors["supporting"] = _("A pairing needs at least one supporting school.")
    if not receiving:
        errors["receiving"] = _("A pairing needs at least one receiving school.")
    both = {s.pk for s in supporting} & {s.pk for s in receiving}
    if both:
        names = "、".join(sorted(s.name for s in supporting if s.pk in both))
        errors["receiving"] = _(
            "A school cannot be on both sides of the same pairing: %(names)s."
        ) % {"names": names}
    for side, schools in (("supporting", supporting), ("receiving", receiving)):
        if len({s.pk for s in schools}) != len(schools):
            errors[side] = _("A school is listed twice on the same side.")
    if lead is not None and lead.pk not in {s.pk for s in [*supporting, *receiving]}:
        errors["lead"] = _("The lead unit must be one of the pairing's schools.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def pairing_create(
    *,
    programme: Programme,
    name: str,
    supporting: Sequence[School],
    receiving: Sequence[School],
    start_date: date,
    end_date: date,
    mode: str | None = None,
    lead: School | None = None,
    status: str = PairingStatus.PREPARING,
    aid_teaching: bool = True,
    aid_management: bool = False,
    aid_funding: bool = False,
    note: str = "",
) -> Pairing:
    """Create a pairing with its parties in one transaction."""
    validate_parties(supporting=supporting, receiving=receiving, lead=lead)
    if mode is None:
        mode = _default_mode(len(supporting), len(receiving))
    if lead is None and len(supporting) > 1:
        lead = supporting[0]
    pairing = Pairing(
        programme=programme,
        name=name,
        mode=mode,
        start_date=start_date,
        end_date=end_date,
        status=status,
        aid_teaching=aid_teaching,
        aid_management=aid_management,
        aid_funding=aid_funding,
        note=note,
    )
    pairing.full_clean()
    pairing_check_dates(programme=programme, start_date=start_date, end_date=end_date)
    pairing.save()
    # One save per party (a handful), so each is in the audit trail.
    for side, schools in ((Side.SUPPORTING, supporting), (Side.RECEIVING, receiving)):
        for school in schools:
            PairingParty.objects.create(
                pairing=pairing, school=school, side=side, is_lead=school == lead
            )
    return pairing


def _default_mode(supporting: int, receiving: int) -> str:
    if supporting == 1 and receiving == 1:
        return PairingMode.ONE_TO_ONE
    if supporting == 1:
        return PairingMode.ONE_TO_MANY
    if receiving == 1:
        return PairingMode.MANY_TO_ONE
    return PairingMode.TEAM


@transaction.atomic
def pairing_update(
    *,
    pairing: Pairing,
    supporting: Sequence[School],
    receiving: Sequence[School],
    lead: School | None = None,
    **fields,
) -> Pairing:
    """Change a pairing and bring its parties in line with the given schools."""
    validate_parties(supporting=supporting, receiving=receiving, lead=lead)
    if lead is None and len(supporting) > 1:
        current = pairing.parties.filter(is_lead=True).values_list(
            "school_id", flat=True
        )
        keep = [s for s in supporting if s.pk in set(current)]
        lead = keep[0] if keep else supporting[0]
    for name, value in fields.items():
        setattr(pairing, name, value)
    pairing.full_clean()
    pairing_check_dates(
        programme=pairing.programme,
        start_date=pairing.start_date,
        end_date=pairing.end_date,
    )
    pairing.save()
    wanted = {s.pk: Side.SUPPORTING for s in supporting} | {
        s.pk: Side.RECEIVING for s in receiving
    }
    parties = {p.school_id: p for p in pairing.parties.all()}
    # Remove and clear leads first, so the unique rules hold at every step.
    for school_id, party in parties.items():
        if school_id not in wanted or party.side != wanted[school_id]:
            party.delete()
        elif party.is_lead and (lead is None or lead.pk != school_id):
            party.is_lead = False
            party.save()
    for school_id, side in wanted.items():
        party = parties.get(school_id)
        is_lead = lead is not None and lead.pk == school_id
        if party is None or party.side != side:
            PairingParty.objects.create(
                pairing=pairing, school_id=school_id, side=side, is_lead=is_lead
            )
        elif party.is_lead != is_lead:
            party.is_lead = is_lead
            party.save()
    return pairing
