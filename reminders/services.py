"""Writes of the reminders app: reminders made by the producers (the board's 催报,
later stints to confirm and early warnings), their delivery by the worker, the
daily escalation, and the test message of a channel.

Pages only write rows: a reminder is saved (with the staff's in-app notices) in the
page's transaction, and its sending is queued on commit through
``core.resilience.wake``; a broker that is down costs nothing but a log line, and
the sweeper queues the reminder again."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import Membership
from core.notifications import notify
from core.resilience import wake
from core.scope import ancestors, region_model

from . import senders
from .choices import (
    ChannelKind,
    DeliveryStatus,
    DeliveryTarget,
    ReminderKind,
)
from .models import Channel, Delivery, Reminder

logger = logging.getLogger(__name__)

SEND = "reminders.send"
FAN_OUT = "reminders.fan_out"


# Producers -----------------------------------------------------------------------


@transaction.atomic
def remind(
    *,
    kind: str,
    key: str,
    subject: str,
    link: str = "",
    school=None,
    region=None,
    due: dt.datetime | None = None,
    user=None,
    to_staff: bool = True,
    escalated_from: Reminder | None = None,
    now: dt.datetime | None = None,
) -> Reminder:
    """Remind ``school`` (or the bureau of ``region``: exactly one) of ``subject``.

    ``key`` names what is to be done (``done(kind, key)`` closes it), ``link`` the
    page where it is done. The staff of the school (or the region's bureau) get an
    in-app notice now and, with ``to_staff``, an e-mail; the channels of the school
    and of its region (or of the region) get the message from the worker."""
    reminder = Reminder(
        kind=kind,
        key=key,
        subject=subject[:300],
        link=link[:300],
        school=school,
        region=region,
        due=due,
        created_by=user if getattr(user, "pk", None) else None,
        to_staff=to_staff,
        created_at=now or timezone.now(),
        escalated_from=escalated_from,
        level=escalated_from.level + 1 if escalated_from else 0,
    )
    reminder.full_clean(validate_unique=False)
    reminder.save()
    _notify_staff(reminder)
    _queue(reminder)
    return reminder


def _open(kind: str, key: str) -> bool:
    return Reminder.objects.filter(kind=kind, key=key, acted_at__isnull=True).exists()


def remind_pending_stints(*, now: dt.datetime | None = None) -> int:
    """Daily: each host school with stints awaiting its confirmation gets one
    reminder (how many, and where to confirm them), while none is open already; a
    school with none left has its reminder closed, which stops its escalation.
    Two queries and one per school reminded, whatever the number of stints."""
    from django.db.models import Count
    from django.urls import reverse

    from dispatch.choices import StintConfirmation
    from dispatch.models import Stint
    from pairings.models import School

    waiting = dict(
        Stint.objects.filter(confirmation=StintConfirmation.PENDING)
        .values_list("secondment__host_school_id")
        .annotate(n=Count("pk"))
    )
    open_keys = set(
        Reminder.objects.filter(
            kind=ReminderKind.STINT_CONFIRMATION, acted_at__isnull=True
        ).values_list("key", flat=True)
    )
    for key in open_keys:
        school_id = int(key.rsplit(":", 1)[-1])
        if school_id not in waiting:
            done(ReminderKind.STINT_CONFIRMATION, key, now=now)
    made = 0
    link = reverse("dispatch:stint_pending")
    for school in School.objects.filter(pk__in=waiting).order_by("pk"):
        key = stints_key(school.pk)
        if key in open_keys:
            continue
        remind(
            kind=ReminderKind.STINT_CONFIRMATION,
            key=key,
            subject=_("%(school)s: %(count)s stint(s) on post await your confirmation.")
            % {"school": school.name, "count": waiting[school.pk]},
            link=link,
            school=school,
            now=now,
        )
        made += 1
    return made


def stints_key(school_id: int) -> str:
    """What a stint confirmation reminder is about: a host school's waiting stints."""
    return f"stints:{school_id}"


def remind_warnings(*, today: dt.date | None = None, now=None) -> int:
    """Daily, in the last ``DUIKOU_WARNING_DAYS`` of a semester: each receiving
    school of a pairing with a rule projected to fail gets one reminder for the
    semester (its staff, its group robot and its region's), naming the rules."""
    from django.urls import reverse

    from core.choices import Side
    from pairings.choices import PairingStatus
    from pairings.models import Pairing, PairingParty
    from reporting.compliance import forecast as forecasts

    today = today or timezone.localdate()
    semester = forecasts.current_semester(today)
    if semester is None or (semester.end - today).days > forecasts.warning_days():
        return 0
    running = Pairing.objects.filter(
        status=PairingStatus.ACTIVE,
        start_date__lte=today,
        end_date__gte=today,
    ).values_list("pk", "name")
    failing = forecasts.forecast(
        dict(running), semester, today=today, failing_only=True
    )
    texts = forecasts.Texts()
    by_pairing: dict[int, list] = {}
    for item in failing:
        warning = item.warning(today, texts)
        by_pairing.setdefault(warning.pairing.id, []).append(warning)
    parties = PairingParty.objects.filter(
        pairing_id__in=by_pairing, side=Side.RECEIVING
    ).select_related("school")
    prefix = f"warning:{semester.pk}:"
    sent = set(
        Reminder.objects.filter(
            kind=ReminderKind.WARNING, key__startswith=prefix
        ).values_list("key", flat=True)
    )
    made = 0
    for party in parties:
        key = f"{prefix}{party.pairing_id}:{party.school_id}"
        if key in sent:
            continue
        warnings = by_pairing[party.pairing_id]
        subject = _("Early warning for %(pairing)s: %(what)s") % {
            "pairing": warnings[0].pairing.name,
            "what": "；".join(w.message for w in warnings[:3]),
        }
        remind(
            kind=ReminderKind.WARNING,
            key=key,
            subject=subject,
            link=reverse("pairings:pairing_detail", args=[party.pairing_id]),
            school=party.school,
            now=now,
        )
        made += 1
    return made


def done(kind: str, target_key: str, *, now: dt.datetime | None = None) -> int:
    """Mark every open reminder of ``kind`` about ``target_key`` done (escalated
    ones included): none of them escalates any more. Returns how many."""
    now = now or timezone.now()
    open_ = Reminder.objects.filter(kind=kind, key=target_key, acted_at__isnull=True)
    count = 0
    for reminder in open_:
        reminder.acted_at = now
        reminder.save(update_fields=["acted_at"])
        count += 1
    return count


def report_key(period_id: int, school_id: int) -> str:
    """What a report deadline reminder is about: one school's report for a period."""
    return f"period-{period_id}/school-{school_id}"


def board_reminded(*, user, period, school_ids, link: str = "", **kwargs) -> int:
    """The board's 催报 (``reporting.board.selectors.reminded``): a reminder to each
    school, for its channels and escalation (the board sends the staff's notices
    and e-mails itself)."""
    from pairings.models import School

    values = {
        "period": period,
        "deadline": date_format(period.deadline, "DATE_FORMAT"),
    }
    subject = _("Please submit your report for %(period)s by %(deadline)s.") % values
    due = timezone.make_aware(dt.datetime.combine(period.deadline, dt.time(23, 59, 59)))
    schools = School.objects.filter(pk__in=list(school_ids)).select_related("region")
    made = 0
    for school in schools:
        remind(
            kind=ReminderKind.REPORT_DEADLINE,
            key=report_key(period.pk, school.pk),
            subject=f"{school.name}：{subject}",
            link=link,
            school=school,
            due=due,
            user=user,
            to_staff=False,
        )
        made += 1
    return made


def report_event_saved(sender, instance, created, **kwargs) -> None:
    """A semester report submitted (a ReportEvent to ``submitted``): its deadline
    reminders are done."""
    if created and instance.to_status == "submitted":
        report = instance.report
        done(
            ReminderKind.REPORT_DEADLINE,
            report_key(report.period_id, report.school_id),
        )


def test_message(*, channel: Channel, user) -> Reminder:
    """Queue a test message to ``channel`` alone (发送测试消息)."""
    now = timezone.now()
    with transaction.atomic():
        reminder = Reminder.objects.create(
            kind=ReminderKind.TEST,
            key=f"channel-{channel.pk}",
            subject=_("Test message from the partner-assistance system: %(name)s")
            % {"name": channel.name},
            school=channel.school,
            region=channel.region,
            created_by=user,
            created_at=now,
            acted_at=now,  # nothing to do: never escalated
            fanned_out_at=now,  # only this channel: the sweeper leaves it
            to_staff=False,
        )
        transaction.on_commit(
            partial(wake, SEND, reminder.pk, DeliveryTarget.CHANNEL, channel.pk),
            robust=True,
        )
    return reminder


# Fan-out and delivery (the worker) -------------------------------------------------


def _queue(reminder: Reminder) -> None:
    transaction.on_commit(partial(wake, FAN_OUT, reminder.pk), robust=True)


def staff_of(reminder: Reminder):
    """The active users the reminder addresses: the school's staff, or the bureau
    staff of the region."""
    users = get_user_model().objects.filter(is_active=True)
    if reminder.school_id:
        return users.filter(
            memberships__role=Membership.Role.SCHOOL,
            memberships__school_id=reminder.school_id,
        ).distinct()
    return users.filter(
        memberships__role=Membership.Role.BUREAU,
        memberships__region_id=reminder.region_id,
    ).distinct()


def channels_of(reminder: Reminder):
    """The enabled channels of the addressed school and of the region it lies in
    (or of the addressed region)."""
    if reminder.school_id:
        place = Q(school_id=reminder.school_id) | Q(region_id=reminder.school.region_id)
    else:
        place = Q(region_id=reminder.region_id)
    return Channel.objects.filter(place, enabled=True).order_by("pk")


def _notify_staff(reminder: Reminder) -> None:
    if not reminder.to_staff:
        return
    users = list(staff_of(reminder).values_list("pk", flat=True))
    count = notify(users, reminder.subject, reminder.link)
    Delivery.objects.create(
        reminder=reminder,
        target=DeliveryTarget.IN_APP,
        address=_("users notified: %(count)s") % {"count": count},
        status=DeliveryStatus.SENT,
        at=reminder.created_at,
    )


def fan_out(reminder_id: int) -> int:
    """Queue one delivery per target of the reminder, once (the first caller
    claims it); returns how many were queued."""
    claimed = Reminder.objects.filter(
        pk=reminder_id, fanned_out_at__isnull=True
    ).update(fanned_out_at=timezone.now())
    if not claimed:
        return 0
    reminder = Reminder.objects.select_related("school").get(pk=reminder_id)
    targets = [
        (DeliveryTarget.CHANNEL, pk)
        for pk in channels_of(reminder).values_list("pk", flat=True)
    ]
    if reminder.to_staff:
        emails = staff_of(reminder).exclude(email="").values_list("email", flat=True)
        targets += [(DeliveryTarget.EMAIL, email) for email in sorted(set(emails))]
    queued = 0
    for target, value in targets:
        queued += wake(SEND, reminder_id, target, value)
    if queued < len(targets):
        # Let the sweeper try the whole reminder again rather than lose a target.
        Reminder.objects.filter(pk=reminder_id).update(fanned_out_at=None)
    return queued


def sweep(*, now: dt.datetime | None = None, older_than: int = 120) -> int:
    """Queue again the reminders whose fan-out was never queued or taken (a broker
    down when the page saved them)."""
    now = now or timezone.now()
    stale = Reminder.objects.filter(
        fanned_out_at__isnull=True,
        created_at__lte=now - dt.timedelta(seconds=older_than),
        created_at__gte=now - dt.timedelta(days=2),
    ).values_list("pk", flat=True)
    return sum(wake(FAN_OUT, pk) for pk in stale)


@dataclass
class Outcome:
    delivery: Delivery | None
    retry: bool = False


def backoff(attempt: int) -> int:
    """Seconds before attempt ``attempt + 1``: doubling from the configured base,
    at most an hour."""
    return min(settings.DUIKOU_REMINDER_RETRY_SECONDS * 2 ** (attempt - 1), 3600)


def absolute(link: str) -> str:
    if link.startswith("/") and settings.DUIKOU_SITE_URL:
        return settings.DUIKOU_SITE_URL.rstrip("/") + link
    return link


def message_of(reminder: Reminder) -> tuple[str, str, str]:
    """(title, markdown text, plain text) of a reminder, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        title = str(reminder.get_kind_display())
        lines = [reminder.subject]
        place = reminder.place
        if place is not None:
            lines.append(_("To: %(place)s") % {"place": place})
        if reminder.due:
            due = date_format(timezone.localtime(reminder.due), "DATE_FORMAT")
            lines.append(_("Due: %(date)s") % {"date": due})
        link = absolute(reminder.link)
        plain = "\n".join([*lines, link] if link else lines)
        markdown = "\n\n".join(
            [*lines, f"[{_('Open')}]({link})"] if link.startswith("http") else lines
        )
    return title, markdown, plain


def deliver(
    *,
    reminder_id: int,
    target: str,
    value,
    attempt: int = 1,
    max_attempts: int | None = None,
) -> Outcome:
    """Make one attempt to deliver the reminder to one target and record it (a
    Delivery row). ``retry`` says whether the worker should try again later."""
    max_attempts = max_attempts or settings.DUIKOU_REMINDER_MAX_ATTEMPTS
    reminder = (
        Reminder.objects.select_related("school", "region")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:
        return Outcome(None)
    channel = None
    if target == DeliveryTarget.CHANNEL:
        channel = Channel.objects.filter(pk=value).first()
        if channel is None or not channel.enabled:
            return Outcome(None)  # removed or switched off meanwhile
        address = channel.name
    else:
        address = str(value)
    title, markdown, plain = message_of(reminder)
    row = Delivery(
        reminder=reminder,
        target=target,
        channel=channel,
        address=address[:254],
        attempt=attempt,
    )
    try:
        if channel is None:
            answer = senders.send_email(address, title + "：" + reminder.subject, plain)
        elif channel.kind == ChannelKind.EMAIL:
            with translation.override(settings.LANGUAGE_CODE):
                subject = f"{title}：{reminder.subject}"
            for email in channel.addresses:
                answer = senders.send_email(email, subject, plain)
        elif channel.kind == ChannelKind.DINGTALK:
            url = senders.dingtalk_url(channel.webhook_url, channel.secret)
            answer = senders.post_json(url, senders.dingtalk_payload(title, markdown))
        else:
            answer = senders.post_json(
                channel.webhook_url, senders.wecom_payload(title, markdown)
            )
    except senders.SendError as exc:
        row.status = DeliveryStatus.FAILED
        row.http_status = exc.http_status
        row.response = senders.trim(str(exc))
        row.will_retry = isinstance(exc, senders.Transient) and attempt < max_attempts
        logger.warning(
            "reminder %s to %s %s, attempt %s failed: %s",
            reminder_id,
            target,
            value,
            attempt,
            exc,
        )
    else:
        row.status = DeliveryStatus.SENT
        row.http_status = answer.http_status
        row.response = answer.text
    row.save()
    return Outcome(row, retry=row.will_retry)


# Escalation ----------------------------------------------------------------------


def places_above(reminder: Reminder) -> list[str]:
    """The paths of the regions a reminder may escalate to, nearest first: a
    school's region and the regions above it; a region's parents."""
    if reminder.school_id:
        path = reminder.school.region.path
        return [path, *reversed(ancestors(path))]
    return list(reversed(ancestors(reminder.region.path)))


def receiving_regions(paths) -> set[str]:
    """Of the regions at ``paths``, the ones with someone to receive a reminder:
    an enabled channel of their own, or an active bureau staff user. Two
    queries, whatever the number of regions."""
    staffed = Membership.objects.filter(
        role=Membership.Role.BUREAU, user__is_active=True, region__path__in=paths
    ).values_list("region__path", flat=True)
    channelled = Channel.objects.filter(
        enabled=True, region__path__in=paths
    ).values_list("region__path", flat=True)
    return set(staffed) | set(channelled)


def escalate(*, now: dt.datetime | None = None) -> int:
    """Escalate, once each, the open reminders sent (or due) more than
    ``DUIKOU_REMINDER_ESCALATE_DAYS`` days ago: a reminder to the bureau of the
    nearest level above with someone to receive it (a level with no channel and
    no staff is passed over; when none has, the top), ``escalated_from`` the one
    not done. Returns how many were made."""
    now = now or timezone.now()
    days = settings.DUIKOU_REMINDER_ESCALATE_DAYS
    cutoff = now - dt.timedelta(days=days)
    overdue = list(
        Reminder.objects.filter(
            acted_at__isnull=True,
            escalation__isnull=True,
            created_at__lte=cutoff,
        )
        .filter(Q(due__isnull=True) | Q(due__lte=cutoff))
        .exclude(kind=ReminderKind.TEST)
        .select_related("school__region", "region")
        .order_by("pk")
    )
    chains = {reminder.pk: places_above(reminder) for reminder in overdue}
    paths = {path for chain in chains.values() for path in chain}
    regions = {r.path: r for r in region_model().objects.filter(path__in=paths)}
    receiving = receiving_regions(paths)
    made = 0
    for reminder in overdue:
        chain = [path for path in chains[reminder.pk] if path in regions]
        if not chain:
            continue
        target = regions[next((p for p in chain if p in receiving), chain[-1])]
        subject = _("Not done after %(days)s days: %(subject)s") % {
            "days": days,
            "subject": reminder.subject,
        }
        if reminder.school_id and reminder.school.name not in subject:
            subject = f"{subject}（{reminder.school.name}）"
        try:
            with transaction.atomic():
                remind(
                    kind=reminder.kind,
                    key=reminder.key,
                    subject=subject,
                    link=reminder.link,
                    region=target,
                    escalated_from=reminder,
                    now=now,
                )
        except IntegrityError:
            continue  # escalated meanwhile by another run (escalated_from is unique)
        made += 1
    return made
