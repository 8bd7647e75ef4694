"""A few generic views that every list, detail, form and delete page is built from, as
in NetBox: a view is configured with a model, a selector, a FilterSet, columns and a
form. Every one of them reads through the data scope and writes only with the right."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import ProtectedError, Sum
from django.forms import BooleanField, HiddenInput
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from .choices import choice_label
from .scope import can_add_model, can_change, scope_of, visible
from .templatetags.duikou import cell
from .versioning import StaleVersion

PAGE_SIZE = 50


@dataclass
class Column:
    """One column of a list: a title, how to read the value, and how to sort by it."""

    title: str
    accessor: str  # dotted attribute path, or "get_x_display"
    sort: str | None = None  # ORM ordering key
    kind: str = "text"  # text | money | number | date | bool | link
    link: bool = False

    def value(self, obj):
        value = obj
        for part in self.accessor.split("."):
            display = DISPLAY.fullmatch(part)
            if display and value is not None:
                value = choice_label(value, display[1])
            else:
                value = getattr(value, part, None)
                if callable(value):
                    value = value()
            if value is None:
                return None
        return value


DISPLAY = re.compile(r"get_(\w+)_display")


def table_rows(columns, objects, detail_url) -> list[tuple]:
    """(object, its cells as HTML) for each row of a list page. Made here rather
    than by a template tag per cell, which cost more than the page's queries; each
    value escaped as ``conditional_escape`` would, without its per-call checks."""
    # data-label: the column's title, shown beside the value when a phone lays
    # each row out as a card (app.css, .list-cards).
    plan = [
        (
            f'<td class="{_cell_class(c)}" data-label="{html.escape(str(c.title))}">',
            c,
        )
        for c in columns
    ]
    return [
        (
            obj,
            mark_safe(
                "".join(
                    opening
                    + _html(cell(column, column.value(obj), obj, detail_url))
                    + "</td>"
                    for opening, column in plan
                )
            ),
        )
        for obj in objects
    ]


def _cell_class(column) -> str:
    if column.kind in ("money", "number"):
        return "num"
    return "date" if column.kind == "date" else ""


def _html(value) -> str:
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def url_name(model, action: str) -> str:
    return f"{model._meta.app_label}:{model._meta.model_name}_{action}"


class ScopedMixin(LoginRequiredMixin):
    model = None

    def base_queryset(self):
        return self.model._default_manager.all()

    def get_queryset(self):
        return visible(self.base_queryset(), self.request.user)

    def get_object(self):
        obj = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise Http404
        return obj

    @property
    def scope(self):
        return scope_of(self.request.user)

    def common_context(self):
        meta = self.model._meta
        return {
            "meta": meta,
            "model_name": meta.verbose_name,
            "model_name_plural": meta.verbose_name_plural,
            "list_url": self.list_url(),
            "can_add": can_add_model(self.request.user, self.model)
            and self._has_url("add"),
        }

    def list_url(self):
        """The list page, or for models listed only inside a parent, the parent."""
        from django.urls import NoReverseMatch

        try:
            return reverse(url_name(self.model, "list"))
        except NoReverseMatch:
            parent = getattr(self, "object", None)
            return (
                parent.get_absolute_url()
                if parent is not None and hasattr(parent, "get_absolute_url")
                else "/"
            )

    def _has_url(self, action):
        from django.urls import NoReverseMatch

        try:
            reverse(url_name(self.model, action))
        except NoReverseMatch:
            return False
        return True


def filtered(filterset_class, request, queryset):
    """(the FilterSet bound to the request's query, the rows it keeps). A filter
    value that is not valid lists nothing, and the form says why: a list that
    quietly ignored it would look filtered."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    if not filterset.is_bound:
        return filterset, queryset
    return filterset, (filterset.qs if filterset.is_valid() else queryset.none())


# The list pages whose filtered rows an app exports to Excel: model -> the name of
# the URL that takes the list's query string (the importer registers its record
# types in its AppConfig.ready(): the export is its template, filled).
LIST_EXPORTS: dict[type, tuple[str, tuple]] = {}


def list_export_url(model, query) -> str | None:
    found = LIST_EXPORTS.get(model)
    if found is None:
        return None
    name, args = found
    query = query.copy()
    query.pop("page", None)
    return reverse(name, args=args) + (f"?{query.urlencode()}" if query else "")


class ObjectListView(ScopedMixin, TemplateView):
    """A filtered, searchable, sortable, paginated list with totals of money columns."""

    template_name = "core/object_list.html"
    filterset_class = None
    columns: list[Column] = []
    totals: list[str] = []  # money fields summed over the filtered rows
    default_ordering: tuple[str, ...] = ("-pk",)

    def get_context_data(self, **kwargs):
        filterset, rows = filtered(
            self.filterset_class, self.request, self.get_queryset()
        )
        totals = {}
        if self.totals:
            sums = rows.order_by().aggregate(**{f: Sum(f) for f in self.totals})
            # SQLite sums decimals as floats: round back to fen.
            totals = {
                f: Decimal(sums[f] or 0).quantize(Decimal("0.01")) for f in self.totals
            }
        sort = self.request.GET.get("sort", "")
        allowed = {c.sort for c in self.columns if c.sort}
        ordering = (sort,) if sort.lstrip("-") in allowed else self.default_ordering
        # A tie-breaker in the same direction, so an index on (key, id) serves it.
        ordering = (*ordering, "-pk" if ordering[0].startswith("-") else "pk")
        page = Paginator(rows.order_by(*ordering), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context = super().get_context_data(**kwargs)
        context.update(self.common_context())
        context.update(
            {
                "filterset": filterset,
                "page": page,
                "columns": self.columns,
                "rows": table_rows(self.columns, page, url_name(self.model, "detail")),
                "totals": [
                    (column, totals.get(column.accessor)) for column in self.columns
                ]
                if totals
                else None,
                "sort": sort,
                "detail_url": url_name(self.model, "detail"),
                "excel_url": list_export_url(self.model, self.request.GET),
            }
        )
        return context


class ObjectDetailView(ScopedMixin, TemplateView):
    template_name = "core/object_detail.html"
    fields: list[str] | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        # Out of scope is 404 whatever the method, before anything else is said.
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        obj = self.object
        context = super().get_context_data(**kwargs)
        context.update(self.common_context())
        meta = self.model._meta
        names = self.fields or [
            f.name
            for f in meta.concrete_fields
            if not f.primary_key
            and f.name not in {"id_number", "path", "token", "version"}
        ]
        context.update(
            {
                "object": obj,
                "field_rows": [
                    (meta.get_field(n).verbose_name, _display(obj, n)) for n in names
                ],
                "can_change": can_change(self.request.user, obj),
                "edit_url": url_name(self.model, "edit")
                if self._has_url_with_pk("edit")
                else None,
                "delete_url": url_name(self.model, "delete")
                if self._has_url_with_pk("delete")
                else None,
            }
        )
        return context

    def _has_url_with_pk(self, action):
        from django.urls import NoReverseMatch

        try:
            reverse(url_name(self.model, action), args=[0])
        except NoReverseMatch:
            return False
        return True


def _display(obj, name):
    if obj._meta.get_field(name).choices:
        return choice_label(obj, name)
    return getattr(obj, name)


# A write that would place a record outside its writer's scope (the pages' forms,
# the Excel import): refused, and rolled back.
OUTSIDE_SCOPE = gettext_lazy(
    "This record would lie outside your area of responsibility: choose schools, "
    "regions or pairings in your own scope."
)


class ObjectEditView(ScopedMixin, TemplateView):
    """Create (no pk) or change an object with a form; formsets optional."""

    template_name = "core/object_form.html"
    form_class = None
    formsets: dict = {}  # name -> inline formset class

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object() if "pk" in kwargs else None
        if self.object is None and not can_add_model(request.user, self.model):
            raise PermissionDenied
        if self.object is not None and not can_change(request.user, self.object):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None, files=None):
        return self.form_class(
            data,
            files,
            instance=self.object,
            user=self.request.user,
            initial=self.get_initial(),
        )

    def get_initial(self):
        """On an add page, ?pairing=12 (or any form field) preselects that field."""
        if self.object is not None:
            return {}
        fields = getattr(self.form_class, "base_fields", {})
        return {
            name: value for name, value in self.request.GET.items() if name in fields
        }

    def get_formsets(self, data=None, files=None, instance=None):
        formsets = {}
        for name, formset_class in self.formsets.items():
            formset = formset_class(
                data,
                files,
                instance=instance or self.object,
                prefix=name,
                form_kwargs={"user": self.request.user},
            )
            formset.title = formset_class.model._meta.verbose_name_plural
            formsets[name] = formset
        return formsets

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.context(self.get_form(), self.get_formsets())
        )

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        formsets = self.get_formsets(
            request.POST, request.FILES, instance=form.instance
        )
        if form.is_valid() and all(f.is_valid() for f in formsets.values()):
            try:
                with transaction.atomic():
                    obj = self.save_checked(form, formsets)
            except StaleVersion as exc:
                return self.conflict(form, exc)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Saved: %(object)s") % {"object": obj})
                return redirect(self.success_url(obj))
        return self.render_to_response(self.context(form, formsets), status=200)

    def conflict(self, form, exc):
        """Someone else saved the record after this user opened it: nothing was
        written. The page shows the record as it is now, what differs from what
        this user sent (field by field: their value, yours), and a button that
        sends this user's values again on top of the current version."""
        self.object = self.get_object()
        current_form, current_formsets = self.get_form(), self.get_formsets()
        # The versions to send again: the record's, and each inline row's by the
        # id sent in the same row ("stints-0-id" -> "stints-0-version").
        now = {}
        for formset in current_formsets.values():
            for item in formset.forms:
                if item.instance.pk:
                    now[(formset.prefix, item.instance.pk)] = item.instance.version
        rows = {
            key[: -len("id")] + VERSION: (key.split("-", 1)[0], value)
            for key, value in form.data.items()
            if key.endswith("-id") and value.isdigit()
        }
        resend = []
        for key in form.data:
            if key == "csrfmiddlewaretoken":
                continue
            for value in form.data.getlist(key):
                if key == VERSION:
                    value = self.object.version
                elif key in rows:
                    prefix, pk = rows[key]
                    value = now.get((prefix, int(pk)), value)
                resend.append((key, value))
        context = self.context(current_form, current_formsets)
        context["conflict"] = {
            "message": exc.messages[0],
            "changes": differences(current_form, form),
            "resend": resend,
        }
        return self.render_to_response(context, status=409)

    def save_checked(self, form, formsets):
        """Save, then make sure the user may still change what was saved: a record
        placed outside the user's region (a school moved to another county, a
        person whose only school is a partner's) is refused and rolled back, so
        that nobody creates what they could not see. Call inside a transaction."""
        obj = self.save(form, formsets)
        if not can_change(self.request.user, obj):
            raise ValidationError(OUTSIDE_SCOPE)
        return obj

    def save(self, form, formsets):
        obj = form.save()
        for formset in formsets.values():
            formset.instance = obj
            formset.save()
        return obj

    def success_url(self, obj):
        return reverse(url_name(self.model, "detail"), args=[obj.pk])

    def context(self, form, formsets):
        context = self.get_context_data()
        context.update(self.common_context())
        context.update(
            {
                "form": form,
                "formsets": formsets,
                "formsets_have_errors": any(
                    f.total_error_count() for f in formsets.values() if f.is_bound
                ),
                "object": self.object,
                "cancel_url": reverse(
                    url_name(self.model, "detail"), args=[self.object.pk]
                )
                if self.object
                else self.list_url(),
            }
        )
        return context


VERSION = "version"


def differences(current_form, sent_form) -> list[tuple[str, str, str]]:
    """(field label, the value saved now, the value sent) for every field of the
    form where the two differ, in the words the form shows."""
    rows = []
    for name, field in current_form.fields.items():
        if name == VERSION or isinstance(field.widget, HiddenInput):
            continue
        now = current_form[name].value()
        sent = sent_form[name].value()
        try:
            differs = field.has_changed(now, sent_form[name].data)
        except ValidationError:
            differs = True
        if differs:
            rows.append((field.label or name, shown(field, now), shown(field, sent)))
    return rows


def shown(field, value) -> str:
    """A form value as the user reads it: choices by their label, yes or no."""
    if value in (None, "", [], ()):
        return "—"
    if isinstance(field, BooleanField):
        return _("yes") if value not in (False, "False", "false", "off") else _("no")
    values = value if isinstance(value, list | tuple) else [value]
    queryset = getattr(field, "queryset", None)
    if queryset is not None:
        wanted = [v for v in values if str(v).isdigit()]
        objects = {str(o.pk): o for o in queryset.filter(pk__in=wanted)}
        return "、".join(
            field.label_from_instance(objects[str(v)]) if str(v) in objects else str(v)
            for v in values
        )
    choices = {}
    for key, label in getattr(field, "choices", None) or []:
        if isinstance(label, list | tuple):  # a group of choices
            choices.update(label)
        else:
            choices[key] = label
    if choices:
        return "、".join(str(choices.get(v, choices.get(str(v), v))) for v in values)
    return "、".join(str(v) for v in values)


def errors_to_form(form, exc: ValidationError):
    """Put a service's ValidationError on the form: field errors on their fields."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ObjectDeleteView(ScopedMixin, TemplateView):
    template_name = "core/object_delete.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if not can_change(request.user, self.object):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.common_context())
        context["object"] = self.object
        return context

    def post(self, request, *args, **kwargs):
        name = str(self.object)
        try:
            with transaction.atomic():
                self.object.delete()
        except ProtectedError:
            messages.error(
                request,
                _("%(object)s cannot be deleted: other records still refer to it.")
                % {"object": name},
            )
            return redirect(
                reverse(url_name(self.model, "detail"), args=[self.object.pk])
            )
        messages.success(request, _("Deleted: %(object)s") % {"object": name})
        return redirect(self.after_delete_url())

    def after_delete_url(self):
        return self.list_url()


def crud_urls(
    prefix: str, model, *, list_view=None, detail_view, edit_view=None, delete_view=None
):
    """The usual five URLs of a model: list, detail, add, edit, delete."""
    from django.urls import path

    name = model._meta.model_name
    patterns = [
        path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail")
    ]
    if list_view:
        patterns.append(path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"))
    if edit_view:
        patterns += [
            path(f"{prefix}/add/", edit_view.as_view(), name=f"{name}_add"),
            path(f"{prefix}/<int:pk>/edit/", edit_view.as_view(), name=f"{name}_edit"),
        ]
    if delete_view:
        patterns.append(
            path(
                f"{prefix}/<int:pk>/delete/",
                delete_view.as_view(),
                name=f"{name}_delete",
            )
        )
    return patterns
