"""How regions and programmes are placed in scope (``core.scope.Special``): they
are not reached through schools but by their own region."""

from django.db.models import Q

from core.scope import Scope, ancestors, under, visible


def regions(model, scope: Scope) -> Q:
    """A user's regions, what lies below them and the regions above them (to name
    them), and the regions of their own schools and above."""
    q = Q()
    for path in scope.region_paths:
        q |= under([path], "") | Q(path__in=ancestors(path))
    if scope.school_ids:
        from .models import School

        own = School.objects.filter(pk__in=scope.school_ids).values_list(
            "region__path", flat=True
        )
        for path in own:
            q |= Q(path__in=[*ancestors(path), path])
    return q


def programmes(model, scope: Scope) -> Q:
    """Programmes of the user's regions, of the regions above them, and those of
    every pairing the user sees."""
    from .models import Pairing

    q = Q()
    for path in scope.region_paths:
        q |= under([path]) | Q(region__path__in=ancestors(path))
    q |= Q(pk__in=visible(Pairing.objects.all(), scope=scope).values("programme_id"))
    return q


def own_programmes(model, scope: Scope) -> Q:
    """A bureau changes the programmes issued in its own region (and below)."""
    return under(scope.bureau_paths)


def bureaus(scope: Scope) -> bool:
    return bool(scope.bureau_paths)


def nobody(scope: Scope) -> bool:
    """Only administrators."""
    return False
