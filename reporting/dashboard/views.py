"""The page users land on after login: the dashboard of a school year, by role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from core.scope import only_own_records, scope_of
from pairings import periods
from reporting.dashboard.figures import figures, opening, warnings

# The switcher offers at least this many years back from the current one.
YEARS_OFFERED = 5


@login_required
def home(request):
    """The dashboard of a school year: the one asked for, else the newest one with
    data in the user's scope (the current year may not have any yet)."""
    scope = scope_of(request.user)
    if only_own_records(request.user, scope=scope):  # a seconded teacher's pages
        return redirect("dispatch:teacher:home")
    context = {"scope": scope}
    if not scope.is_empty:
        current = periods.school_year_of(timezone.localdate())
        with_data, year = opening(request.user)
        asked = request.GET.get("year", "")
        if asked.isdigit() and 2000 <= int(asked) <= 2100:
            year = int(asked)
        oldest = min([current - YEARS_OFFERED + 1, year, *with_data])
        context.update(
            {
                "year": year,
                "years": [
                    {
                        "value": y,
                        "label": periods.school_year(y).label,
                        "has_data": y in with_data,
                    }
                    for y in range(max(current, year), oldest - 1, -1)
                ],
                "dash": figures(request.user, year),
                "warnings": warnings(request.user),
            }
        )
    return render(request, "core/home.html", context)
