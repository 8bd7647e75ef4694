"""Reusable reads of the dispatch app."""

from django.db.models import Q

from .choices import StintConfirmation


def counted_stints(prefix: str = "", *, include_unconfirmed: bool = False) -> Q:
    """The stints whose days on post count: those the host school confirmed (a
    stint the teacher or the sending school recorded waits for it), or every stint
    when ``include_unconfirmed``. ``prefix`` leads from the model queried to the
    stint ("stints__", "secondment__stints__"...; "" for stints themselves). The
    one definition used by the statistics, the compliance rules, the report
    prefill, the dashboard and the forecast."""
    if include_unconfirmed:
        return Q()
    return Q(**{f"{prefix}confirmation": StintConfirmation.CONFIRMED})


def stints_awaiting_confirmation(*, user):
    """The stints waiting for ``user`` to confirm them (待确认): at the schools the
    user works at as their host school, or for a bureau or an administrator, every
    one in their scope (``services.may_confirm``); oldest first, with what the page
    shows of each."""
    from core.scope import scope_of, visible

    from .models import Stint

    scope = scope_of(user)
    stints = Stint.objects.filter(confirmation=StintConfirmation.PENDING)
    if scope.is_admin or scope.bureau_paths:
        stints = visible(stints, scope=scope)
    elif scope.school_ids:
        stints = stints.filter(secondment__host_school_id__in=sorted(scope.school_ids))
    else:
        return Stint.objects.none()
    return stints.select_related(
        "secondment__person",
        "secondment__sending_school",
        "secondment__host_school",
        "recorded_by",
    ).order_by("start", "pk")


def work_log_of(secondment, *, user):
    """The work log entries of ``secondment`` that ``user`` may read, newest
    first, each with its photos: two queries for a page of entries, whatever the
    number of entries and photos."""
    from django.db.models import Prefetch

    from core.scope import visible

    from .models import WorkLog, WorkLogPhoto

    return (
        visible(WorkLog.objects.filter(secondment=secondment), user)
        .order_by("-date", "-id")
        .prefetch_related(
            Prefetch("photos", queryset=WorkLogPhoto.objects.order_by("id"))
        )
    )


def self_appraisals_of(secondment, *, user):
    """The self-appraisals of ``secondment`` that ``user`` may read, the latest
    year first."""
    from core.scope import visible

    from .models import SelfAppraisal

    return visible(SelfAppraisal.objects.filter(secondment=secondment), user).order_by(
        "-year"
    )
