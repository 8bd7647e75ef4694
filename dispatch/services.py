"""Rules and writes for people, secondments and stints.

Every way in (the pages, the admin, the API through the pages' forms, the demo data,
the importer) asks these functions; none repeats a check. Each rule is one function
that returns or raises the clerk's message; the writes call the rules."""

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import savepoints
from core.choices import Direction, Side
from core.scope import scope_of

from .choices import StintConfirmation
from .models import Person, Secondment, Stint


@dataclass(frozen=True)
class Span:
    """A stint as it will be: its dates, and its id when it is already stored."""

    start: date
    end: date
    pk: int | None = None


def overlapping_pairs(intervals: Iterable[tuple[date, date]]) -> list[tuple[int, int]]:
    """Indexes of intervals (inclusive dates) that overlap each other, the earlier
    one first."""
    ordered = sorted(enumerate(intervals), key=lambda item: item[1][0])
    pairs = []
    for n, (i, (_s1, e1)) in enumerate(ordered):
        for j, (s2, _e2) in ordered[n + 1 :]:
            if s2 > e1:
                break
            pairs.append((i, j))
    return pairs


def _clash(stint: Stint | Span, secondment: Secondment | None = None) -> str:
    dates = {"start": stint.start.isoformat(), "end": stint.end.isoformat()}
    if secondment is None:
        return _("This stint overlaps the stint from %(start)s to %(end)s.") % dates
    return _(
        "This stint overlaps the person's stint from %(start)s to %(end)s at "
        "%(school)s (another secondment)."
    ) % {**dates, "school": secondment.host_school.name}


def stint_errors(
    *,
    secondment: Secondment,
    spans: Sequence[Span],
    whole: bool = False,
    stored: Iterable[Stint] | None = None,
) -> dict[int, str]:
    """The stint rule: a person is on post in one place at a time, so no stint
    overlaps another stint of the same person, of this secondment or another.

    ``spans`` are the stints being saved; with ``whole`` they are all of the
    secondment's stints (a form with every stint: the stored ones not listed are
    being deleted), otherwise they are added to or change the stored ones. Returns
    the message for each span that breaks the rule, by its index.

    ``stored``: the person's stored stints (each with its secondment and host
    school), when the caller holds them all (an import reads a chunk's people's
    stints at once); otherwise they are read here."""
    errors: dict[int, str] = {}
    for i, j in overlapping_pairs((s.start, s.end) for s in spans):
        errors.setdefault(j, _clash(spans[i]))
    if not spans or not secondment.person_id:
        return errors
    low, high = min(s.start for s in spans), max(s.end for s in spans)
    saving = {s.pk for s in spans if s.pk}
    replaced = secondment.pk if whole else None
    if stored is None:
        stored = (
            Stint.objects.filter(
                secondment__person_id=secondment.person_id,
                start__lte=high,
                end__gte=low,
            )
            .exclude(pk__in=saving)
            .select_related("secondment__host_school")
            .order_by("start")
        )
        if replaced:
            stored = stored.exclude(secondment_id=replaced)
    else:
        stored = sorted(
            (
                other
                for other in stored
                if other.start <= high
                and other.end >= low
                and other.pk not in saving
                and not (replaced and other.secondment_id == replaced)
            ),
            key=lambda other: other.start,
        )
    for other in stored:
        elsewhere = other.secondment_id != secondment.pk
        for index, span in enumerate(spans):
            meets = span.start <= other.end and other.start <= span.end
            if meets and index not in errors:
                errors[index] = _clash(other, other.secondment if elsewhere else None)
    return errors


def stint_check(
    *, secondment: Secondment, start: date, end: date, pk=None, stored=None
) -> None:
    """Raise the stint rule's message for one stint (on its start field)."""
    errors = stint_errors(
        secondment=secondment, spans=[Span(start, end, pk)], stored=stored
    )
    if errors:
        raise ValidationError({"start": errors[0]}, code="stint_overlap")


def secondment_check(*, secondment: Secondment) -> None:
    """The rules of a secondment across rows: sending and host school stand on the
    sides of the pairing that the direction says, and the planned dates lie within
    the pairing's dates."""
    pairing = secondment.pairing
    # The pairing's parties as read with it (an import reads them once per
    # pairing), or in one query.
    sides = {party.school_id: party.side for party in pairing.parties.all()}
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
    outside = _(
        "A secondment lies within its pairing's dates (%(start)s to %(end)s)."
    ) % {"start": pairing.start_date.isoformat(), "end": pairing.end_date.isoformat()}
    if secondment.planned_start and secondment.planned_start < pairing.start_date:
        errors["planned_start"] = outside
    if secondment.planned_end and secondment.planned_end > pairing.end_date:
        errors["planned_end"] = outside
    if errors:
        raise ValidationError(errors)


def person_prepare(**fields) -> Person:
    """A new person of ``fields`` checked by every rule (their fields'), not yet
    saved: a bulk writer inserts them."""
    person = Person(**fields)
    related_clean(person)
    return person


def secondment_prepare(**fields) -> Secondment:
    """A new secondment of ``fields`` checked by every rule, not yet saved (as
    ``stint_prepare``): its field rules (``related_clean``) and, when the fields
    they need are sound, the rules across rows (``secondment_check``), every
    error raised together as the page's form gathers them. A bulk writer
    inserts it (the database checks its check constraints then)."""
    secondment = Secondment(**fields)
    errors: dict = {}
    try:
        related_clean(secondment)
    except ValidationError as problem:
        errors = problem.update_error_dict(errors)
    if not errors.keys() & _ACROSS_ROWS.keys() and all(
        getattr(secondment, attname) for attname in _ACROSS_ROWS.values()
    ):
        try:
            secondment_check(secondment=secondment)
        except ValidationError as problem:
            errors = problem.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    return secondment


# The fields the rules across rows need (``secondment_check``), by name: their
# attribute (a foreign key's id).
_ACROSS_ROWS = {
    name: Secondment._meta.get_field(name).attname
    for name in ("pairing", "direction", "sending_school", "host_school")
}


def related_clean(record) -> None:
    """A record's field rules before it is saved, as the page's form checks them,
    but for the records its foreign keys are given (the database holds them; a
    record given unsaved, queued before it, has no id to look for yet) and its
    check constraints, which the database checks when the record is saved. Django
    would ask the database for each of them first, each in a savepoint. A
    foreign key left empty is still refused when it is required; the fields no
    form edits (timestamps, version) are the system's, as on the page; unique
    checks are made where the model has any besides its id."""
    model = type(record)
    relations, untouched, unique = _clean_plan(model)
    given = [
        f.name
        for f in relations
        if getattr(record, f.attname) is not None or f.is_cached(record)
    ]
    record.full_clean(
        exclude=[*untouched, *given],
        validate_unique=unique or record.pk is not None,
        validate_constraints=False,
    )


@functools.cache
def _clean_plan(model) -> tuple[list, list[str], bool]:
    """(relation fields, names of fields no form edits, whether the model has a
    unique check besides its id), once per model."""
    fields = model._meta.concrete_fields
    checks, dated = model()._get_unique_checks(include_meta_constraints=True)
    beyond_id = [c for c in checks if c[1] != (model._meta.pk.name,)]
    return (
        [f for f in fields if f.is_relation],
        [f.name for f in fields if not f.editable],
        bool(beyond_id or dated),
    )


def stint_clean(stint: Stint) -> None:
    """A stint's field rules before it is saved (``related_clean``): its check
    constraint (end not before start) is checked by the database when the stint
    is saved, and ``_save_stint`` answers a violation with the constraint's
    message."""
    related_clean(stint)


def _save_stint(stint: Stint) -> Stint:
    """Save in a savepoint (the caller's, where it holds one: ``core.savepoints``);
    a constraint's violation raised as its message."""
    try:
        with savepoints.own():
            stint.save()
    except IntegrityError as exc:
        text = str(exc)
        if "stint_no_overlap" in text:  # a concurrent write won the race
            message = _("This stint overlaps another stint of the same secondment.")
            raise ValidationError({"start": message}) from exc
        for constraint in Stint._meta.constraints:
            if constraint.name in text:
                raise ValidationError(constraint.get_violation_error_message()) from exc
        raise
    return stint


def stint_create(**fields) -> Stint:
    """Record a continuous period on post, as ``user`` records it (None: the
    system, which vouches for it): see ``stint_mark_recorded``. It writes one row,
    in its own savepoint. The fields are ``stint_prepare``'s; ``stored``: the
    person's stored stints, when the caller holds them (``stint_errors``)."""
    return _save_stint(stint_prepare(**fields))


def stint_prepare(
    *,
    secondment: Secondment,
    start: date,
    end: date,
    note: str = "",
    user=None,
    stored=None,
) -> Stint:
    """A stint of ``secondment`` from ``start`` to ``end``, recorded by ``user``
    and checked by every rule, not yet saved: ``stint_create`` saves it, a bulk
    writer inserts many together (the database checks its constraints then)."""
    stint = Stint(secondment=secondment, start=start, end=end, note=note)
    stint_mark_recorded(stint, user)
    stint_clean(stint)
    stint_check(secondment=secondment, start=start, end=end, stored=stored)
    return stint


@transaction.atomic
def secondment_create(
    *, stints: Sequence[tuple[date, date]] = (), user=None, **fields
) -> Secondment:
    """Create a secondment with its stints, as ``user`` records them (None: the
    system)."""
    secondment = Secondment(**fields)
    secondment.full_clean()
    secondment_check(secondment=secondment)
    errors = stint_errors(
        secondment=secondment, spans=[Span(start, end) for start, end in stints]
    )
    if errors:
        raise ValidationError({"stints": list(dict.fromkeys(errors.values()))})
    secondment.save()
    for start, end in stints:
        stint = Stint(secondment=secondment, start=start, end=end)
        stint_mark_recorded(stint, user)
        _save_stint(stint)
    return secondment


# Host confirmation ----------------------------------------------------------------


def stint_vouched_by(user, secondment: Secondment) -> bool:
    """Whether a stint ``user`` records for ``secondment`` counts as confirmed at
    once: the host school's own staff, a bureau or an administrator (or the system,
    with no user) vouch for it; the teacher and the sending school do not."""
    if user is None or not user.is_authenticated:
        return True
    scope = scope_of(user)
    return (
        scope.is_admin
        or bool(scope.bureau_paths)
        or secondment.host_school_id in scope.school_ids
    )


def stint_mark_recorded(stint: Stint, user) -> None:
    """Before any way in (page, admin, API, import, batch entry) saves ``stint``:
    who recorded it, and whether it now waits for the host school. A stint the
    teacher or the sending school records or re-dates waits (待确认); one whose
    dates they leave alone keeps its confirmation; the host school, a bureau or an
    administrator confirm what they record."""
    if stint.pk is None and user is not None and user.is_authenticated:
        stint.recorded_by = user
    if stint_vouched_by(user, stint.secondment):
        if stint.confirmation != StintConfirmation.CONFIRMED or stint.pk is None:
            stint.confirmation = StintConfirmation.CONFIRMED
            stint.confirmed_by = user if user is not None and user.pk else None
            stint.confirmed_at = timezone.now()
            stint.host_comment = ""
        return
    stored = (
        Stint.objects.filter(pk=stint.pk).values("start", "end").first()
        if stint.pk is not None
        else None
    )
    redated = stored is None or (stored["start"], stored["end"]) != (
        stint.start,
        stint.end,
    )
    if redated or stint.confirmation == StintConfirmation.CORRECTION:
        stint.confirmation = StintConfirmation.PENDING
        stint.confirmed_by, stint.confirmed_at = None, None


def may_appraise(user, secondment: Secondment) -> bool:
    """The host school appraises a seconded person every year (年度考核由对方学校
    负责): its staff enter and change the appraisal, as may a bureau or an
    administrator whose scope holds the secondment; the sending school may not."""
    scope = scope_of(user)
    if secondment.host_school_id in scope.school_ids:
        return True
    from core.scope import visible

    return (scope.is_admin or bool(scope.bureau_paths)) and visible(
        Secondment.objects.filter(pk=secondment.pk), user
    ).exists()


def confirms_stints(user) -> bool:
    """Whether the user's role confirms stints anywhere: school staff (for the
    stints their school hosts), bureaus and administrators; not an inspector."""
    scope = scope_of(user)
    return scope.is_admin or bool(scope.bureau_paths or scope.school_ids)


def may_confirm(user, stint: Stint) -> bool:
    """The host school's staff confirm or send back a stint (so may a bureau or an
    administrator whose scope holds the host school, from the paper record)."""
    scope = scope_of(user)
    if stint.secondment.host_school_id in scope.school_ids:
        return True
    from core.scope import visible

    return (scope.is_admin or bool(scope.bureau_paths)) and visible(
        Stint.objects.filter(pk=stint.pk), user
    ).exists()


@transaction.atomic
def stint_confirm(*, stint: Stint, user) -> Stint:
    """The host school vouches for the stint as recorded: it counts from now on."""
    if not may_confirm(user, stint):
        raise PermissionDenied(_("Only the host school confirms a stint."))
    stint.confirmation = StintConfirmation.CONFIRMED
    stint.confirmed_by, stint.confirmed_at = user, timezone.now()
    stint.host_comment = ""
    stint.save()
    return stint


@transaction.atomic
def stint_send_back(*, stint: Stint, user, comment: str) -> Stint:
    """The host school asks for a correction (补录/更正), saying what is wrong; the
    stint goes back to whoever recorded it and does not count meanwhile."""
    if not may_confirm(user, stint):
        raise PermissionDenied(_("Only the host school confirms a stint."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"host_comment": _("Say what should be corrected.")})
    stint.confirmation = StintConfirmation.CORRECTION
    stint.confirmed_by, stint.confirmed_at = None, None
    stint.host_comment = comment
    stint.save()
    return stint
