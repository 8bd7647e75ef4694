"""What a seconded teacher writes about their time on post, read by everyone whose
data scope covers the secondment (its bureaus, the host and sending schools, the
inspectors): the whole work log, newest first, with its photos, and the
self-appraisals. Read-only: only the teacher writes them (``dispatch.teacher``).
Out of scope is 404."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from core.scope import visible

from .models import Secondment, WorkLogPhoto
from .selectors import self_appraisals_of, work_log_of
from .teacher.photos import served

# The secondment's page shows the latest entries; its work log page all of them.
RECENT = 5
PER_PAGE = 20


def recent(secondment, *, user) -> dict:
    """The secondment page's panel: the latest entries of the work log (with
    their photos), how many there are when more, and the self-appraisals. Four
    queries at most, whatever the number of entries and photos."""
    entries = list(work_log_of(secondment, user=user)[: RECENT + 1])
    more = len(entries) > RECENT
    return {
        "work_logs": entries[:RECENT],
        "work_log_count": work_log_of(secondment, user=user).count() if more else 0,
        "self_appraisals": list(self_appraisals_of(secondment, user=user)),
    }


@login_required
@require_safe
def secondment_work_log(request, pk):
    """工作日志 of one secondment: every entry, newest first, a page at a time,
    and the self-appraisals in full."""
    secondment = get_object_or_404(
        visible(
            Secondment.objects.select_related("person", "host_school"), request.user
        ),
        pk=pk,
    )
    page = Paginator(work_log_of(secondment, user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "dispatch/secondment_work_log.html",
        {
            "secondment": secondment,
            "page": page,
            "work_logs": page.object_list,
            "self_appraisals": self_appraisals_of(secondment, user=request.user),
        },
    )


@login_required
@require_safe
def photo(request, pk):
    """A work log photo (``?size=small``: its small copy), for anyone whose scope
    covers its secondment."""
    return served(
        get_object_or_404(visible(WorkLogPhoto.objects.all(), request.user), pk=pk),
        request.GET.get("size", ""),
    )
