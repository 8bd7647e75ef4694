"""The page users land on after login: the dashboard of a school year, by role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from core.scope import scope_of
from pairings.periods import school_year_of
from reporting.dashboard.figures import figures


@login_required
def home(request):
    """The dashboard of a school year (default: the current one)."""
    scope = scope_of(request.user)
    current = school_year_of(timezone.localdate())
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else current
    context = {"scope": scope, "year": year, "years": range(current, current - 5, -1)}
    if not scope.is_empty:
        context["dash"] = figures(request.user, year)
    return render(request, "core/home.html", context)
