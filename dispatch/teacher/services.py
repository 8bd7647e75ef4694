"""A seconded teacher's own records: the account a bureau opens for them, the stints
they record (which wait for the host school), their work log and self-appraisal,
and their days on post per semester.

Every write here checks the data scope (``core.scope``) and calls the same stint
rule as every other way in (``dispatch.services``)."""

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import IdempotencyKey, Membership
from core.scope import can_add_model, can_change, may_manage_account_of, visible
from pairings import periods

from ..choices import StintConfirmation
from ..models import Person, Secondment, SelfAppraisal, Stint, WorkLog, WorkLogPhoto
from ..services import _save_stint, stint_check, stint_clean, stint_mark_recorded
from .photos import checked_photo

# Letters and digits a teacher can copy from a sheet of paper without confusing
# them (no 0/O, 1/l/I).
PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 10


# Accounts -------------------------------------------------------------------------


def initial_password() -> str:
    return "".join(secrets.choice(PASSWORD_LETTERS) for _ in range(PASSWORD_LENGTH))


@transaction.atomic
def account_open(*, person: Person, by, username: str) -> tuple[object, str]:
    """Open (or open again) the account of a seconded teacher: a user with a
    teacher membership, linked to ``person``, and an initial password returned to
    be shown once. Only a bureau whose region holds the person, or an
    administrator."""
    if not may_manage_account_of(by, person):
        raise PermissionDenied(_("Only the bureau of this person's region may."))
    User = get_user_model()
    person = Person.objects.select_for_update().get(pk=person.pk)
    password = initial_password()
    user = person.account
    if user is not None and user.is_active:
        raise ValidationError(_("This person already has an account."))
    if user is None:
        username = username.strip()
        if not username:
            raise ValidationError({"username": _("Choose a username.")})
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("This username is already taken.")})
        user = User(username=username, last_name=person.name)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        person.account = user
        person.save(update_fields=["account"])
    else:
        user.is_active = True
        user.set_password(password)
        user.save(update_fields=["is_active", "password"])
    Membership.objects.get_or_create(user=user, role=Membership.Role.TEACHER)
    return user, password


@transaction.atomic
def account_close(*, person: Person, by) -> None:
    """Close the teacher's account (the secondment ended, the person left): it can
    no longer sign in; the link stays, so the bureau can open it again."""
    if not may_manage_account_of(by, person):
        raise PermissionDenied(_("Only the bureau of this person's region may."))
    user = person.account
    if user is None or not user.is_active:
        return
    user.is_active = False
    user.save(update_fields=["is_active"])
    Membership.objects.filter(user=user, role=Membership.Role.TEACHER).delete()


# The teacher's own records ------------------------------------------------------


def own_secondments(user):
    """The secondments of the person whose account ``user`` is, through the data
    scope (a teacher who is also staff sees only their own here)."""
    return visible(Secondment.objects.all(), user).filter(person__account=user)


def may_record_for(user, secondment: Secondment) -> bool:
    return (
        can_add_model(user, Stint)
        and own_secondments(user).filter(pk=secondment.pk).exists()
    )


def replayed(user, key: str, path: str) -> bool:
    """Whether a form with this client-made key was already taken (a queued form
    sent again after the answer was lost): remembered with the write, in its
    transaction, so a replay never writes twice."""
    key = (key or "").strip()[:255]
    if not key:
        return False
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(
                user=user, key=key, path=path, fingerprint="form", status_code=200
            )
    except IntegrityError:
        return True
    return False


@transaction.atomic
def stint_record(
    *, user, secondment: Secondment, start: dt.date, end: dt.date | None, note=""
) -> Stint:
    """A teacher records a stint: arrival and, when known, departure. An arrival
    alone is stored as a stint of that one day (the only day the record shows),
    completed when the departure is recorded. It waits for the host school."""
    if not may_record_for(user, secondment):
        raise PermissionDenied
    stint = Stint(
        secondment=secondment,
        start=start,
        end=end or start,
        note=note,
        open=end is None,
    )
    stint_mark_recorded(stint, user)
    stint_clean(stint)
    stint_check(secondment=secondment, start=stint.start, end=stint.end)
    return _save_stint(stint)


@transaction.atomic
def stint_update(
    *, user, stint: Stint, start: dt.date, end: dt.date | None, note=""
) -> Stint:
    """A teacher corrects or completes a stint the host school has not confirmed
    (a confirmed one is refused): it waits for the host school again."""
    if not can_change(user, stint):
        raise PermissionDenied(_("A confirmed stint is changed by the host school."))
    stint.start, stint.end, stint.note = start, end or start, note
    stint.open = end is None
    stint_mark_recorded(stint, user)
    stint_clean(stint)
    stint_check(
        secondment=stint.secondment, start=stint.start, end=stint.end, pk=stint.pk
    )
    return _save_stint(stint)


@transaction.atomic
def stint_delete(*, user, stint: Stint) -> None:
    if not can_change(user, stint):
        raise PermissionDenied(_("A confirmed stint is changed by the host school."))
    stint.delete()


@transaction.atomic
def work_log_create(*, user, secondment: Secondment, photos=(), **fields) -> WorkLog:
    """A work log entry with its photos (JPEG or PNG, each checked)."""
    if not (
        can_add_model(user, WorkLog)
        and own_secondments(user).filter(pk=secondment.pk).exists()
    ):
        raise PermissionDenied
    checked = [checked_photo(upload) for upload in photos]
    log = WorkLog(secondment=secondment, recorded_by=user, **fields)
    log.full_clean()
    log.save()
    for upload, kind in checked:
        photo = WorkLogPhoto(
            work_log=log,
            original_name=upload.name[:255],
            content_type=kind.content_type,
            size=upload.size,
        )
        photo.file.save(f"{secrets.token_hex(16)}{kind.extension}", upload, False)
        photo.save()
    return log


@transaction.atomic
def self_appraisal_save(
    *, user, secondment: Secondment, year: int, text: str
) -> SelfAppraisal:
    """Write or rewrite the self-appraisal of a year."""
    if not (
        can_add_model(user, SelfAppraisal)
        and own_secondments(user).filter(pk=secondment.pk).exists()
    ):
        raise PermissionDenied
    appraisal = SelfAppraisal.objects.filter(secondment=secondment, year=year).first()
    if appraisal is None:
        appraisal = SelfAppraisal(secondment=secondment, year=year)
    appraisal.text = text
    appraisal.full_clean()
    appraisal.save()
    return appraisal


# Days on post --------------------------------------------------------------------


@dataclass
class SemesterDays:
    """One semester of a secondment: days on post the host school confirmed
    (these count), days awaiting it or sent back (not yet), and the rule."""

    semester: periods.Period
    confirmed: int = 0
    waiting: int = 0
    needed: int = 0

    @property
    def missing(self) -> int:
        return max(self.needed - self.confirmed, 0)

    @property
    def met(self) -> bool:
        return self.confirmed >= self.needed

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.confirmed / self.needed)) if self.needed else 0


@dataclass
class SecondmentDays:
    secondment: Secondment
    semesters: list[SemesterDays] = field(default_factory=list)


def days_by_semester(secondments) -> list[SecondmentDays]:
    """Per secondment (stints prefetched, pairing's programme selected) and per
    semester it touches: the days on post inside the semester, confirmed apart
    from awaiting confirmation, against the programme's days per semester. One
    query for the semesters, whatever the number of secondments."""
    secondments = list(secondments)
    spans = []
    for secondment in secondments:
        stints = list(secondment.stints.all())
        spans.append(
            (
                min([secondment.planned_start, *(s.start for s in stints)]),
                max([secondment.planned_end, *(s.end for s in stints)]),
            )
        )
    if not spans:
        return []
    semesters = periods.semesters_between(
        min(s for s, _e in spans), max(e for _s, e in spans)
    )
    result = []
    for secondment, (start, end) in zip(secondments, spans, strict=True):
        needed = secondment.pairing.programme.min_days_on_post
        rows = []
        for semester in semesters:
            if semester.end < start or semester.start > end:
                continue
            row = SemesterDays(semester, needed=needed)
            for stint in secondment.stints.all():
                days = periods.clipped_days(stint.start, stint.end, semester)
                if stint.confirmation == StintConfirmation.CONFIRMED:
                    row.confirmed += days
                else:
                    row.waiting += days
            rows.append(row)
        result.append(SecondmentDays(secondment, rows))
    return result


def today() -> dt.date:
    return timezone.localdate()
