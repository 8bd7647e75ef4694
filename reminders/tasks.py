"""The worker's side of reminders: fan a reminder out, deliver to each target
with retries (each attempt a Delivery row), sweep what was never queued, and
escalate daily (Celery beat)."""

from celery import shared_task
from django.conf import settings

from core.audit import audit_context

from . import services


@shared_task(name="reminders.fan_out", acks_late=True)
def fan_out(reminder_id: int) -> int:
    with audit_context(source="task"):
        return services.fan_out(reminder_id)


@shared_task(name="reminders.send", bind=True, acks_late=True, max_retries=None)
def send(self, reminder_id: int, target: str, value) -> str:
    """One delivery. A network error, a timeout or a 5xx is tried again later
    (doubling waits, ``DUIKOU_REMINDER_MAX_ATTEMPTS`` attempts in all); a 4xx or a
    robot's refusal is final. Every attempt is recorded."""
    attempt = self.request.retries + 1
    with audit_context(source="task"):
        outcome = services.deliver(
            reminder_id=reminder_id,
            target=target,
            value=value,
            attempt=attempt,
            max_attempts=settings.DUIKOU_REMINDER_MAX_ATTEMPTS,
        )
    if outcome.retry:
        raise self.retry(countdown=services.backoff(attempt))
    return outcome.delivery.status if outcome.delivery else "skipped"


@shared_task(name="reminders.sweep")
def sweep() -> int:
    """Beat task: queue again the reminders whose fan-out never went out."""
    return services.sweep()


@shared_task(name="reminders.escalate")
def escalate() -> int:
    """Beat task, daily: escalate the reminders not acted on."""
    with audit_context(source="task"):
        return services.escalate()


@shared_task(name="reminders.produce")
def produce() -> dict:
    """Beat task, daily: remind host schools of the stints awaiting them, and the
    schools of pairings the forecast warns about."""
    with audit_context(source="task"):
        return {
            "stints": services.remind_pending_stints(),
            "warnings": services.remind_warnings(),
        }
