"""The host school's confirmation of stints on post: the list of stints waiting for
it, and its two answers (confirm, or send back for correction with a comment).
Both answers are the services' (``stint_confirm``, ``stint_send_back``), so the
audit log records them like every other write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.scope import visible

from . import services
from .models import Stint
from .selectors import stints_awaiting_confirmation

PER_PAGE = 50


@login_required
def pending(request):
    """待确认的在岗时段: the stints the user's school hosts (a bureau: its region's)
    that wait for confirmation, each with its two answers."""
    if not services.confirms_stints(request.user):
        raise PermissionDenied
    stints = stints_awaiting_confirmation(user=request.user)
    page = Paginator(stints, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dispatch/stints_pending.html",
        {"page": page, "stints": page.object_list, "back": request.get_full_path()},
    )


def _stint(request, pk) -> Stint:
    """The stint, if the user sees it (404 otherwise: nothing is said about what
    lies outside their scope), and may answer for its host school (403)."""
    stint = (
        visible(Stint.objects.select_related("secondment__person"), request.user)
        .filter(pk=pk)
        .first()
    )
    if stint is None:
        raise Http404
    if not services.may_confirm(request.user, stint):
        raise PermissionDenied
    return stint


def _back(request):
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect(reverse("dispatch:stint_pending"))


@require_POST
@login_required
def confirm(request, pk):
    stint = _stint(request, pk)
    services.stint_confirm(stint=stint, user=request.user)
    messages.success(
        request,
        _("Confirmed: %(person)s, %(stint)s.")
        % {"person": stint.secondment.person.name, "stint": stint},
    )
    return _back(request)


@require_POST
@login_required
def send_back(request, pk):
    stint = _stint(request, pk)
    try:
        services.stint_send_back(
            stint=stint, user=request.user, comment=request.POST.get("comment", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Sent back for correction: %(person)s, %(stint)s.")
            % {"person": stint.secondment.person.name, "stint": stint},
        )
    return _back(request)
