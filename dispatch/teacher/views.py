"""A seconded teacher's pages (/me/), made for a phone: their secondments with the
days on post per semester, the stints they record, the work log and the
self-appraisal. A form sent by the page's offline queue (``static/js/offline.js``,
header ``X-Duikou-Queue``) is answered in JSON; the browser's own submit gets the
page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.generic import errors_to_form
from core.scope import can_change, may_manage_account_of, scope_of, visible

from ..choices import StintConfirmation
from ..models import Person, SelfAppraisal, Stint, WorkLog, WorkLogPhoto
from . import photos, services
from .forms import (
    AccountForm,
    SelfAppraisalForm,
    StintEditForm,
    StintForm,
    WorkLogForm,
)

QUEUE_HEADER = "X-Duikou-Queue"
RECENT_LOGS = 5


def _teacher(request):
    """The teacher's own secondments; 404 for anyone who is not a seconded
    teacher (the pages do not exist for them)."""
    if not scope_of(request.user).teacher:
        raise Http404
    return services.own_secondments(request.user)


def _queued(request) -> bool:
    return bool(request.headers.get(QUEUE_HEADER))


def _saved(request, message):
    """The answer to a form taken (or taken before, for a replay)."""
    if _queued(request):
        return JsonResponse({"ok": True, "message": message})
    messages.success(request, message)
    return redirect("dispatch:teacher:home")


def _refused(request, form, template, context, status=200):
    if _queued(request):
        errors = {name: list(e) for name, e in form.errors.items()}
        return JsonResponse({"ok": False, "errors": errors}, status=400)
    return render(request, template, {**context, "form": form}, status=status)


@login_required
def home(request):
    secondments = (
        _teacher(request)
        .select_related("pairing__programme", "host_school", "sending_school", "person")
        .prefetch_related(
            Prefetch("stints", queryset=Stint.objects.order_by("start")),
            Prefetch(
                "work_logs",
                queryset=WorkLog.objects.order_by("-date", "-id").prefetch_related(
                    "photos"
                ),
            ),
            Prefetch("self_appraisals", queryset=SelfAppraisal.objects.all()),
        )
        .order_by("-planned_start")
    )
    cards = services.days_by_semester(secondments)
    for card in cards:
        card.logs = list(card.secondment.work_logs.all())[:RECENT_LOGS]
        card.log_count = len(card.secondment.work_logs.all())
    return render(
        request,
        "dispatch/teacher/home.html",
        {"cards": cards, "Confirmation": StintConfirmation},
    )


def _stint_form_page(request, form, stint=None):
    return {
        "form": form,
        "stint": stint,
        "title": _("Change the stint") if stint else _("Record arrival or departure"),
    }


def _write_once(request, form, write) -> bool:
    """Call ``write(cleaned_data)`` unless this form's client key was used already
    (a form queued offline and sent again), in one transaction with the key. A
    refusal goes under the form's fields; True when the write held (or was done)."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            if not services.replayed(request.user, data["client_key"], request.path):
                write(data)
    except ValidationError as exc:
        errors_to_form(form, exc)
        return False
    return True


@login_required
def stint_add(request):
    secondments = _teacher(request)
    initial = {"start": services.today()}
    form = StintForm(request.POST or None, initial=initial, secondments=secondments)
    context = _stint_form_page(request, form)
    if (
        request.method == "POST"
        and form.is_valid()
        and _write_once(
            request,
            form,
            lambda data: services.stint_record(
                user=request.user,
                secondment=data["secondment"],
                start=data["start"],
                end=data["end"],
                note=data["note"],
            ),
        )
    ):
        return _saved(
            request, _("Recorded: it now awaits the host school's confirmation.")
        )
    if request.method == "POST":
        return _refused(request, form, "dispatch/teacher/stint_form.html", context)
    return render(request, "dispatch/teacher/stint_form.html", context)


def _own_stint(request, pk):
    secondments = _teacher(request)
    stint = get_object_or_404(
        visible(Stint.objects.select_related("secondment__host_school"), request.user),
        pk=pk,
        secondment__in=secondments,
    )
    return secondments, stint


@login_required
def stint_edit(request, pk):
    secondments, stint = _own_stint(request, pk)
    if not can_change(request.user, stint):  # confirmed, and not an open arrival
        return render(
            request,
            "dispatch/teacher/stint_confirmed.html",
            {"stint": stint},
            status=403,
        )
    initial = {
        "start": stint.start,
        "end": None if stint.open else stint.end,
        "note": stint.note,
        "version": stint.version,
    }
    form = StintEditForm(request.POST or None, initial=initial, secondments=secondments)
    context = _stint_form_page(request, form, stint)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data.get("version") is not None:
            stint.version = form.cleaned_data["version"]
        try:
            held = _write_once(
                request,
                form,
                lambda data: services.stint_update(
                    user=request.user,
                    stint=stint,
                    start=data["start"],
                    end=data["end"],
                    note=data["note"],
                ),
            )
        except PermissionDenied:  # the host school confirmed it meanwhile
            return render(
                request,
                "dispatch/teacher/stint_confirmed.html",
                {"stint": stint},
                status=403,
            )
        if held:
            return _saved(
                request, _("Saved: it now awaits the host school's confirmation.")
            )
    if request.method == "POST":
        return _refused(request, form, "dispatch/teacher/stint_form.html", context)
    return render(request, "dispatch/teacher/stint_form.html", context)


@login_required
@require_POST
def stint_delete(request, pk):
    _secondments, stint = _own_stint(request, pk)
    try:
        services.stint_delete(user=request.user, stint=stint)
    except PermissionDenied:
        return render(
            request,
            "dispatch/teacher/stint_confirmed.html",
            {"stint": stint},
            status=403,
        )
    messages.success(request, _("The stint was removed."))
    return redirect("dispatch:teacher:home")


@login_required
def log_add(request):
    secondments = _teacher(request)
    form = WorkLogForm(
        request.POST or None,
        request.FILES or None,
        initial={"date": services.today()},
        secondments=secondments,
    )
    context = {"form": form}
    if (
        request.method == "POST"
        and form.is_valid()
        and _write_once(
            request,
            form,
            lambda data: services.work_log_create(
                user=request.user,
                secondment=data["secondment"],
                photos=data["photos"],
                date=data["date"],
                kind=data["kind"],
                taught=data["taught"],
                activities=data["activities"],
            ),
        )
    ):
        return _saved(request, _("The work log entry was saved."))
    if request.method == "POST":
        return _refused(request, form, "dispatch/teacher/log_form.html", context)
    return render(request, "dispatch/teacher/log_form.html", context)


@login_required
def appraisal(request):
    secondments = _teacher(request)
    form = SelfAppraisalForm(request.POST or None, secondments=secondments)
    if request.method != "POST":
        # Open with the text already written for the year shown, if any.
        first = form.fields["secondment"].queryset.first()
        stored = (
            SelfAppraisal.objects.filter(
                secondment=first, year=form.fields["year"].initial
            ).first()
            if first
            else None
        )
        if stored:
            form.initial["text"] = stored.text
    context = {
        "form": form,
        "written": SelfAppraisal.objects.filter(secondment__in=secondments)
        .select_related("secondment__host_school")
        .order_by("-year"),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.self_appraisal_save(
                user=request.user,
                secondment=data["secondment"],
                year=data["year"],
                text=data["text"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return _saved(request, _("The self-appraisal was saved."))
    return render(request, "dispatch/teacher/appraisal_form.html", context)


@login_required
def photo(request, pk):
    secondments = _teacher(request)
    photo = get_object_or_404(
        visible(WorkLogPhoto.objects.all(), request.user),
        pk=pk,
        work_log__secondment__in=secondments,
    )
    return photos.served(photo, request.GET.get("size", ""))


@never_cache
def service_worker(request):
    """The offline queue's service worker, served under /me/ so that its scope
    covers the teacher's pages (a script's scope is the folder it is served
    from)."""
    path = finders.find("js/sw.js")
    with open(path, encoding="utf-8") as handle:
        script = handle.read()
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("dispatch:teacher:home")
    return response


# Opening an account, by the bureau -------------------------------------------------


def _person_for_accounts(request, pk):
    person = get_object_or_404(
        visible(Person.objects.select_related("account", "home_school"), request.user),
        pk=pk,
    )
    if not may_manage_account_of(request.user, person):
        raise PermissionDenied
    return person


@login_required
@never_cache
def account_open(request, pk):
    person = _person_for_accounts(request, pk)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.account_open(
                person=person, by=request.user, username=form.cleaned_data["username"]
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            # The password is shown on this answer only: never stored in clear.
            return render(
                request,
                "dispatch/teacher/account_opened.html",
                {"person": person, "account": user, "password": password},
            )
    return render(
        request, "dispatch/teacher/account_form.html", {"person": person, "form": form}
    )


@login_required
@require_POST
def account_close(request, pk):
    person = _person_for_accounts(request, pk)
    services.account_close(person=person, by=request.user)
    messages.success(
        request,
        _("The account of %(name)s was closed: it can no longer sign in.")
        % {"name": person.name},
    )
    return redirect("dispatch:person_detail", pk=person.pk)
