"""The REST API's generic viewset: the browser's list, FilterSet, ordering, data scope,
write rights and forms, behind DRF.

A viewset names the browser's list view (queryset with its joins, FilterSet, sortable
columns, default order) and edit view (form, inline formsets, save), so nothing is
configured twice. Out of scope is 404 (the object is looked up through ``visible``);
a write without the right is 403; bad input is 400 with the form's field errors in
the request's language; a write is one transaction, so nothing is half-saved."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import (
    exceptions,
    filters,
    permissions,
    serializers,
    status,
    viewsets,
)
from rest_framework.fields import empty
from rest_framework.response import Response

from core.audit import PERSONAL_FIELDS, SECRET_FIELDS
from core.scope import can_add_model, can_change, visible
from core.versioning import StaleVersion, VersionedModel

from .forms import form_data, formset_data, write_serializer
from .idempotency import once
from .pagination import Pagination


class ScopePermission(permissions.BasePermission):
    """Reads for every signed-in user (the queryset is already scoped); creating
    needs the role's right on the model, changing and deleting the right on the
    object, exactly as the browser's edit and delete pages."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) == "create":
            return can_add_model(request.user, view.model)
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return view.may_change(request.user, obj)


class Ordering(filters.OrderingFilter):
    ordering_description = (
        "排序字段，前加“-”为倒序 (field to sort by, “-” for descending)"
    )

    def get_default_ordering(self, view):
        return list(view.default_ordering())

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view) or []
        if ordering:
            # A tie-breaker in the same direction, as the HTML lists do.
            tie = "-pk" if ordering[0].startswith("-") else "pk"
            return queryset.order_by(*ordering, tie)
        return queryset


# An object id in a URL: a number that fits a 64-bit id (anything else is 404).
ID_PATTERN = r"[0-9]{1,18}"


class PlainViewSet(viewsets.GenericViewSet):
    """Endpoints whose rows are computed or the user's own (compliance, export jobs,
    audit trail, notifications): pages of 50, their own query parameters instead
    of a FilterSet, numeric ids."""

    pagination_class = Pagination
    filter_backends = []
    lookup_value_regex = ID_PATTERN


class Versioned:
    """Optimistic locking in the API for records with a version
    (``core.versioning``): a single record's answer carries ``ETag: "<version>"``;
    a PUT or PATCH may name the version it was read at, as ``If-Match`` (a stale
    one is 412) or as the body's ``version`` (a stale one is 409), and is then
    written only if nobody saved in between. Without either, it saves over the
    record as it is."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        # One record's answer (a list's has no version of its own).
        if (
            response.status_code < 300
            and isinstance(data, dict)
            and isinstance(data.get("version"), int)
        ):
            response["ETag"] = f'"{data["version"]}"'
        return response

    def expected_version(self, request, instance) -> tuple[int | None, type]:
        """(the version the caller read, the error to answer if it is stale)."""
        if not isinstance(instance, VersionedModel):
            return None, Conflict
        header = request.headers.get("If-Match", "").strip()
        if header and header != "*":
            tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
            if not tag.isdigit():
                raise PreconditionFailed(stale_message())
            return int(tag), PreconditionFailed
        sent = request.data.get("version") if isinstance(request.data, dict) else None
        if sent is None or sent == "":
            return None, Conflict
        if isinstance(sent, bool) or not str(sent).isdigit():
            raise exceptions.ValidationError(
                {"version": [_("A version is a whole number.")]}
            )
        return int(sent), Conflict


def stale_message():
    return _(
        "Someone else saved this record after you read it, so your changes were "
        "not saved. Read it again and send your changes with its new version."
    )


class ScopedReadViewSet(Versioned, viewsets.ReadOnlyModelViewSet):
    """Read endpoints through the data scope, with the browser list's FilterSet and
    sortable columns."""

    model = None
    list_view = None  # the browser's ObjectListView subclass
    queryset_extra = None  # callable(queryset) -> queryset: prefetches for nesting
    permission_classes = [ScopePermission]
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend, Ordering]
    lookup_value_regex = ID_PATTERN

    @classmethod
    def configure(cls):
        """Take FilterSet and ordering from the list view (called once per class
        by ``__init_subclass__``)."""
        if cls.list_view is not None:
            cls.filterset_class = cls.list_view.filterset_class
            cls.ordering_fields = [c.sort for c in cls.list_view.columns if c.sort]
        else:
            cls.ordering_fields = ["pk"]
        if cls.model is not None and getattr(cls, "serializer_class", None) is None:
            # A record type without a serializer of its own reads as all its fields
            # but personal and secret ones (an ID number is never sent).
            hidden = sorted(
                {f.name for f in cls.model._meta.concrete_fields}
                & (set(PERSONAL_FIELDS) | SECRET_FIELDS)
            )
            shape = {"exclude": hidden} if hidden else {"fields": "__all__"}
            meta = type("Meta", (), {"model": cls.model, **shape})
            cls.serializer_class = type(
                f"{cls.model.__name__}Serializer",
                (serializers.ModelSerializer,),
                {"Meta": meta},
            )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.configure()

    def default_ordering(self):
        if self.list_view is not None:
            return self.list_view.default_ordering
        return ("pk",)

    def get_queryset(self):
        if self.list_view is not None:
            queryset = self.list_view().base_queryset()
        else:
            queryset = self.model._default_manager.all()
        if self.queryset_extra is not None:
            queryset = self.queryset_extra(queryset)
        return visible(queryset, self.request.user)

    def may_change(self, user, obj) -> bool:
        return can_change(user, obj)


class ScopedViewSet(ScopedReadViewSet, viewsets.ModelViewSet):
    """Read and write endpoints; writes through the browser's edit view."""

    edit_view = None  # the browser's ObjectEditView subclass
    deletable = True  # whether the browser has a delete page
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    _write_serializer = None

    @classmethod
    def write_serializer_class(cls):
        """Derived from the edit form once, on first use (the form's own __init__
        may change which fields are required, so an instance is asked)."""
        if cls.__dict__.get("_write_serializer") is None:
            edit = cls.edit_view
            cls._write_serializer = write_serializer(
                cls.model, edit.form_class, edit.formsets
            )
        return cls._write_serializer

    def get_serializer_class(self):
        if self.request is not None and self.request.method in ("POST", "PUT", "PATCH"):
            return self.write_serializer_class()
        return self.serializer_class

    def create(self, request, *args, **kwargs):
        # A retry with the same Idempotency-Key answers the first create again.
        return once(request, lambda: self.write(request, None, partial=False))

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        expected, _stale = self.expected_version(request, instance)
        if expected is not None or not isinstance(instance, VersionedModel):
            return self.write(request, instance, partial=partial)
        # No version named: the change applies to the record as it is when it is
        # written. The row is locked and read again, so a save by someone else in
        # between is neither a conflict nor overwritten with what this request read.
        with transaction.atomic():
            locked = self.model._default_manager.select_for_update().filter(
                pk=instance.pk
            )
            list(locked.values_list("pk", flat=True))
            return self.write(request, self.get_object(), partial=partial)

    def write(self, request, instance, *, partial):
        expected, stale = (None, Conflict)
        if instance is not None:
            expected, stale = self.expected_version(request, instance)
            if expected is not None and expected != instance.version:
                raise stale(stale_message())
        parsed = self.get_serializer(data=request.data, partial=partial)
        if parsed.is_valid():
            values, errors = dict(parsed.validated_data), {}
        else:
            # Wrong types are reported, and the rest is still checked by the form,
            # so that the caller sees every error at once.
            errors = dict(parsed.errors)
            if not isinstance(request.data, dict):
                raise exceptions.ValidationError(errors)
            values = {
                name: value
                for name, value in request.data.items()
                if name in parsed.fields
                and name not in errors
                and name not in self.edit_view.formsets  # items only when valid
            }
            if not partial:  # what the form fills in, as a valid request gets it
                for name, field in parsed.fields.items():
                    if name not in request.data and field.default is not empty:
                        values[name] = field.default
        view = self.edit_view()
        view.request, view.object, view.kwargs = request._request, instance, {}
        edit = self.edit_view
        nested = {name: values.pop(name) for name in edit.formsets if name in values}
        data = form_data(
            edit.form_class,
            values,
            instance=instance,
            user=request.user,
            partial=partial,
        )
        if expected is not None:
            # The save itself is conditional on it (someone may save meanwhile).
            data["version"] = str(expected)
        form = edit.form_class(data, instance=instance, user=request.user)
        formsets = {}
        for name, formset_class in edit.formsets.items():
            existing = (
                list(
                    formset_class(instance=instance, prefix=name)
                    .get_queryset()
                    .values_list("pk", flat=True)
                )
                if instance is not None
                else []
            )
            if name in nested:
                items, unknown = formset_data(
                    formset_class, name, nested[name], existing
                )
                if unknown:
                    errors[name] = [
                        _("Unknown item: %(ids)s.")
                        % {"ids": ", ".join(map(str, sorted(unknown)))}
                    ]
            else:  # not given: keep the items as they are
                items = {
                    f"{name}-TOTAL_FORMS": "0",
                    f"{name}-INITIAL_FORMS": "0",
                }
            formsets[name] = formset_class(
                items,
                instance=form.instance,
                prefix=name,
                form_kwargs={"user": request.user},
            )
        valid = form.is_valid()
        valid = all([f.is_valid() for f in formsets.values()]) and valid
        if valid and not errors:
            try:
                with transaction.atomic():
                    obj = view.save_checked(form, formsets)
            except StaleVersion as exc:
                raise stale(stale_message()) from exc
            except ValidationError as exc:
                errors.update(validation_errors(exc))
            else:
                obj = self.get_queryset().get(pk=obj.pk)
                code = (
                    status.HTTP_201_CREATED if instance is None else status.HTTP_200_OK
                )
                return Response(self.serializer_class(obj).data, status=code)
        for field, messages in form_errors(form).items():
            errors.setdefault(field, messages)
        for name, formset in formsets.items():
            nested_errors = formset_errors(formset)
            if nested_errors:
                errors.setdefault(name, nested_errors)
        raise exceptions.ValidationError(errors)

    def destroy(self, request, *args, **kwargs):
        if not self.deletable:
            raise exceptions.MethodNotAllowed(request.method)
        obj = self.get_object()
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError as exc:
            raise Conflict(
                _("%(object)s cannot be deleted: other records still refer to it.")
                % {"object": obj}
            ) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


NON_FIELD = "non_field_errors"


def form_errors(form) -> dict:
    errors = {}
    for field, messages in form.errors.items():
        errors[NON_FIELD if field == "__all__" else field] = list(messages)
    return errors


def form_or_400(form) -> dict:
    """The form's cleaned data, or 400 with its field errors."""
    if not form.is_valid():
        raise exceptions.ValidationError(form_errors(form))
    return form.cleaned_data


def formset_errors(formset) -> list | None:
    items = [form_errors(form) for form in formset.forms]
    general = list(formset.non_form_errors())
    if not general and not any(items):
        return None
    if general:
        items = [*items, {NON_FIELD: general}]
    return items


def validation_errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            NON_FIELD if field == "__all__" else field: messages
            for field, messages in exc.message_dict.items()
        }
    return {NON_FIELD: exc.messages}
