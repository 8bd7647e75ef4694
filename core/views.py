import tempfile
from itertools import islice

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook

from . import health, services
from .audit import is_audited
from .autocomplete import kinds as autocomplete_kinds
from .changes import ChangeReader, local_time
from .excel import column_width, header_cells, new_sheet, text_cell
from .forms import AuditFilterForm, MembershipForm, UserCreateForm, UserUpdateForm
from .generic import errors_to_form
from .models import AuditEntry, LoginEvent, Membership
from .scope import label, region_model, school_model, scope_of, under, visible

User = get_user_model()
PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


@never_cache
@require_GET
def healthz(request):
    """The database, the cache, the broker and the worker heartbeat, reported
    separately as JSON: 200 when every required one is fine, else 503.
    ``?require=database`` (names separated by commas; ``db`` for short) narrows
    what decides the status; the report always holds all four."""
    names = [n.strip() for n in request.GET.get("require", "").split(",") if n]
    names = ["database" if n == "db" else n for n in names]
    unknown = sorted(set(names) - set(health.CHECKS))
    if unknown:
        return JsonResponse(
            {"detail": _("Unknown check."), "unknown": unknown, "known": health.CHECKS},
            status=400,
        )
    body, healthy = health.report(tuple(names) or health.CHECKS)
    response = JsonResponse(body, status=200 if healthy else 503)
    # A 503 here is a report, not a server error: Django would log each one (a
    # monitor polling while the worker is down) as an error.
    response._has_been_logged = True
    return response


def page_of(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# Users and memberships -------------------------------------------------------------


def _require_user_manager(request):
    scope = scope_of(request.user)
    if not (scope.is_admin or scope.manager_paths):
        raise Http404
    return scope


def _grantable_regions(scope):
    regions = region_model().objects.all()
    if scope.is_admin:
        return regions
    return regions.filter(under(scope.manager_paths, ""))


def _grantable_schools(scope):
    schools = school_model().objects.all()
    if scope.is_admin:
        return schools
    return schools.filter(under(scope.manager_paths))


@login_required
def user_list(request):
    scope = _require_user_manager(request)
    users = services.manageable_users(scope).order_by("username")
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    role = request.GET.get("role", "")
    if role in Membership.Role.values:
        users = users.filter(memberships__role=role).distinct()
    page = page_of(
        request,
        users.prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("region", "school"),
            )
        ),
    )
    return render(
        request,
        "core/user_list.html",
        {"page": page, "query": query, "role": role, "roles": Membership.Role.choices},
    )


def _membership_form(request, scope, data=None, form_class=MembershipForm):
    return form_class(
        data,
        scope=scope,
        regions=_grantable_regions(scope),
        schools=_grantable_schools(scope),
    )


@login_required
def user_create(request):
    scope = _require_user_manager(request)
    form = _membership_form(request, scope, request.POST or None, UserCreateForm)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(scope=scope, **data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("User %(name)s created.") % {"name": user})
            return redirect("user_detail", pk=user.pk)
    return render(request, "core/user_form.html", {"form": form})


@login_required
def user_detail(request, pk):
    scope = _require_user_manager(request)
    user = get_object_or_404(services.manageable_users(scope), pk=pk)
    edit = UserUpdateForm(
        request.POST if request.POST.get("form") == "edit" else None,
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "is_active": user.is_active,
        },
    )
    grant = _membership_form(
        request, scope, request.POST if request.POST.get("form") == "grant" else None
    )
    if request.method == "POST":
        form = edit if request.POST.get("form") == "edit" else grant
        if form.is_valid():
            try:
                if form is edit:
                    services.user_update(scope=scope, user=user, **form.cleaned_data)
                    messages.success(request, _("Saved."))
                else:
                    services.membership_add(scope=scope, user=user, **form.cleaned_data)
                    messages.success(request, _("Membership added."))
            except ValidationError as exc:
                errors_to_form(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("user_detail", pk=user.pk)
    memberships = user.memberships.select_related("region", "school")
    return render(
        request,
        "core/user_detail.html",
        {"account": user, "edit": edit, "grant": grant, "memberships": memberships},
    )


@login_required
@require_POST
def membership_delete(request, pk):
    scope = _require_user_manager(request)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "region", "school").filter(
            user__in=services.manageable_users(scope)
        ),
        pk=pk,
    )
    try:
        services.membership_remove(scope=scope, membership=membership)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Membership removed."))
    return redirect("user_detail", pk=membership.user_id)


# Audit log -------------------------------------------------------------------------


def _audited_models():
    return [m for m in apps.get_models() if is_audited(m)]


def audit_entries(user):
    """The audit entries a user may read: all for administrators; for bureau staff
    the entries about objects in their region."""
    scope = scope_of(user)
    entries = AuditEntry.objects.select_related("content_type")
    if scope.is_admin:
        return entries
    if not scope.bureau_paths:
        raise Http404
    q = Q(pk__in=[])
    for path in scope.bureau_paths:
        q |= Q(region_paths__contains=f" {path}")
    return entries.filter(q)


def audit_filter(user, data):
    """The audit entries ``user`` may read, narrowed by the audit page's filters
    in ``data``: (the bound filter form, the entries). Invalid filters are not
    applied; the form says why."""
    models = _audited_models()
    choices = sorted(
        ((label(m).lower(), str(m._meta.verbose_name)) for m in models),
        key=lambda c: c[1],
    )
    form = AuditFilterForm(data or None, model_choices=choices)
    entries = audit_entries(user)
    if form.is_valid():
        cleaned = form.cleaned_data
        if cleaned["user"]:
            entries = entries.filter(username__icontains=cleaned["user"])
        if cleaned["model"]:
            app_label, model_name = cleaned["model"].split(".")
            entries = entries.filter(
                content_type__app_label=app_label, content_type__model=model_name
            )
        if cleaned["action"]:
            entries = entries.filter(action=cleaned["action"])
        if cleaned["date_from"]:
            entries = entries.filter(time__date__gte=cleaned["date_from"])
        if cleaned["date_to"]:
            entries = entries.filter(time__date__lte=cleaned["date_to"])
        if cleaned["request_id"]:
            entries = entries.filter(request_id=cleaned["request_id"].strip())
    return form, entries


def _filtered_audit(request):
    return audit_filter(request.user, request.GET)


@login_required
def audit_log(request):
    form, entries = _filtered_audit(request)
    page = page_of(request, entries)
    reader = ChangeReader(page)
    rows = [{"entry": entry, "changes": reader.rows(entry)} for entry in page]
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": page, "rows": rows, "query": request.GET.urlencode()},
    )


@login_required
def audit_export(request):
    """The filtered audit log as an Excel workbook (streamed, write-only)."""
    _form, entries = _filtered_audit(request)
    workbook = Workbook(write_only=True)
    sheet = new_sheet(workbook, _("Audit log"))
    titles = [
        _("time"),
        _("user"),
        _("source"),
        _("action"),
        _("object type"),
        _("object"),
        _("changes"),
        _("request id"),
    ]
    widths = [20, 14, 10, 8, 16, 30, 80, 34]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = max(
            width, column_width(titles[index])
        )
    sheet.append(header_cells(sheet, titles))
    sources = dict(AuditEntry.Source.choices)
    actions = dict(AuditEntry.Action.choices)
    rows = entries[:EXPORT_LIMIT].iterator(chunk_size=2000)
    while batch := list(islice(rows, 2000)):
        reader = ChangeReader(batch)
        for entry in batch:
            sheet.append(_audit_row(sheet, entry, reader, sources, actions))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    filename = f"audit-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename)


def _audit_row(sheet, entry, reader, sources, actions) -> list:
    model = entry.content_type.model_class()
    return [
        local_time(entry.time),
        text_cell(sheet, entry.username),
        str(sources.get(entry.source, entry.source)),
        str(actions.get(entry.action, entry.action)),
        str(model._meta.verbose_name) if model else entry.content_type.model,
        text_cell(sheet, entry.object_repr),
        text_cell(sheet, reader.text(entry)),
        entry.request_id,
    ]


@login_required
def login_log(request):
    scope = scope_of(request.user)
    if not (scope.is_admin or scope.manager_paths):
        raise Http404
    events = LoginEvent.objects.all()
    if not scope.is_admin:
        names = services.manageable_users(scope).values("username")
        events = events.filter(username__in=names)
    query = request.GET.get("q", "").strip()
    if query:
        events = events.filter(Q(username__icontains=query) | Q(ip_address=query))
    if request.GET.get("failed"):
        events = events.filter(success=False)
    return render(
        request,
        "core/login_log.html",
        {"page": page_of(request, events), "query": query},
    )


@login_required
def object_history(request, app_label, model_name, pk):
    """The history tab of any object the user can see."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as exc:
        raise Http404 from exc
    if not is_audited(model):
        raise Http404
    obj = get_object_or_404(visible(model._default_manager.all(), request.user), pk=pk)
    content_type = ContentType.objects.get_for_model(model)
    entries = AuditEntry.objects.filter(
        content_type=content_type, object_id=str(obj.pk)
    )
    page = page_of(request, entries.select_related("content_type"))
    reader = ChangeReader(page)
    rows = [{"entry": entry, "changes": reader.rows(entry)} for entry in page]
    scope = scope_of(request.user)
    return render(
        request,
        "core/object_history.html",
        {
            "object": obj,
            # A record named only by its kind (培训参训记录) is not named twice.
            "named": str(obj) != str(model._meta.verbose_name),
            "model": model._meta,
            "page": page,
            "rows": rows,
            "can_audit": bool(scope.is_admin or scope.bureau_paths),
        },
    )


# Autocomplete ----------------------------------------------------------------------


@login_required
@require_GET
def autocomplete(request, kind):
    """Search a large table within the user's scope, 20 matches at a time."""
    model = autocomplete_kinds().get(kind)
    if model is None:
        raise Http404
    spec = model.autocomplete
    queryset = visible(model._default_manager.all(), request.user)
    query = request.GET.get("q", "").strip()
    if query:
        q = Q()
        for field in spec.search:
            q |= Q(**{f"{field}__icontains": query})
        queryset = queryset.filter(q)
    if spec.related:
        queryset = queryset.select_related(*spec.related)
    results = [
        {"id": obj.pk, "text": spec.text(obj)}
        for obj in queryset.order_by(spec.order)[:20]
    ]
    return JsonResponse({"results": results})
