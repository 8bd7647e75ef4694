"""How reminders and their channels are placed in scope (``core.scope.Special``):
by the region or the school they belong to, not through pairings.

Channels hold the robots' addresses and secrets: only the bureau of the region (or
of the school's region, at any depth above) and administrators see them; school
staff and inspectors do not (a school asks its bureau). Reminders are seen by the
bureaus and inspectors above the place they address and by the addressed school."""

from django.db.models import Q

from core.scope import Scope, under


def _placed(paths, prefix: str = "") -> Q:
    return under(paths, f"{prefix}region") | under(paths, f"{prefix}school__region")


def channels(model, scope: Scope) -> Q:
    return _placed(scope.bureau_paths)


def reminders(model, scope: Scope, prefix: str = "") -> Q:
    q = _placed(scope.region_paths, prefix)
    if scope.school_ids:
        q |= Q(**{f"{prefix}school_id__in": sorted(scope.school_ids)})
    return q


def deliveries(model, scope: Scope) -> Q:
    return reminders(model, scope, "reminder__")


def bureaus_of_a_region(scope: Scope) -> bool:
    return bool(scope.bureau_paths)


def nobody(scope: Scope) -> bool:
    """Only the system writes them (and administrators, through the admin)."""
    return False
