"""The OpenAPI schema: every operation documents its errors as well (400 with field
errors, 401 without credentials, 403 without the right, 404 out of scope, 409 on a
conflict), so a client, and the schema fuzzer, know every answer it can get."""

import copy
import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from core.versioning import VersionedModel

from .idempotency import HEADER as IDEMPOTENCY_HEADER


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(
        help_text=_("What went wrong, in the request's language.")
    )


class ValidationErrorSerializer(serializers.Serializer):
    """Field name -> messages; ``non_field_errors`` for the whole request; nested
    items give a list with one object per item."""

    non_field_errors = serializers.ListField(
        child=serializers.CharField(), required=False
    )

    class Meta:
        ref_name = "ValidationError"


ERRORS = {
    "400": (
        ValidationErrorSerializer,
        _("Invalid input: field errors (nothing was saved)."),
    ),
    "401": (ErrorSerializer, _("Not signed in, or the token is invalid or revoked.")),
    "403": (ErrorSerializer, _("Your role may not do this.")),
    "404": (
        ErrorSerializer,
        _("Not found, outside your data scope, or a page past the last one."),
    ),
    "415": (
        ErrorSerializer,
        _("Send the body as JSON (Content-Type: application/json)."),
    ),
    "409": (
        ErrorSerializer,
        _("Conflict: the object changed or is still referred to."),
    ),
    "412": (
        ErrorSerializer,
        _(
            "Precondition failed: the version in If-Match is not the record's "
            "current one (someone saved it after you read it); nothing was saved."
        ),
    ),
}

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        'The record\'s version as you read it (its ETag, e.g. "3"): the change is '
        "saved only if nobody saved the record since, else 412. Without it the "
        "change is saved over the record as it is (or name the version in the "
        "body's version field: 409 when stale)."
    ),
)
IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "A key of your choosing (at most 255 characters, e.g. a UUID) for this "
        "create: sent again with the same body within 24 hours, it answers the "
        "first create again instead of creating a second record; with a different "
        "body, 409."
    ),
)

UPLOAD_415 = _("Send the file as multipart/form-data.")
SUCCESS = {
    "200": _("Done: the object as it is now."),
    "201": _("Created: the new object."),
    "202": _("Accepted: the worker builds the file; poll the job."),
    "204": _("Deleted (no response body)."),
}
SUCCESS_READ = _("What was asked for, in your data scope.")
SUCCESS_LIST = _("A page of the rows in your data scope that match the filters.")
NO_BODY = "No response body"  # drf-spectacular's own wording for 204


# What each action does, shown beside the path in the documentation.
OPERATIONS = {
    "list": pgettext_lazy("API operation", "list"),
    "retrieve": pgettext_lazy("API operation", "read one"),
    "create": pgettext_lazy("API operation", "create"),
    "update": pgettext_lazy("API operation", "replace"),
    "partial_update": pgettext_lazy("API operation", "change"),
    "destroy": pgettext_lazy("API operation", "delete"),
    "submit": pgettext_lazy("API operation", "submit"),
    "return_": pgettext_lazy("API operation", "return"),
    "approve": pgettext_lazy("API operation", "approve"),
    "accept": pgettext_lazy("API operation", "accept"),
    "unlock": pgettext_lazy("API operation", "unlock"),
    "attach": pgettext_lazy("API operation", "attach a file"),
    "download": pgettext_lazy("API operation", "download"),
    "retry": pgettext_lazy("API operation", "retry"),
    "read": pgettext_lazy("API operation", "mark read"),
    "read_all": pgettext_lazy("API operation", "mark all read"),
    "confirm": pgettext_lazy("API operation", "confirm"),
    "cancel": pgettext_lazy("API operation", "cancel"),
    "undo": pgettext_lazy("API operation", "undo"),
    "marked": pgettext_lazy("API operation", "download the marked file"),
}


def versioned(view) -> bool:
    """Whether the view's writes take a version (``core.api.viewsets.Versioned``)."""
    model = getattr(view, "model", None)
    return (
        hasattr(view, "expected_version")
        and isinstance(model, type)
        and issubclass(model, VersionedModel)
    )


class AutoSchema(openapi.AutoSchema):
    def get_override_parameters(self):
        """The headers a write understands: Idempotency-Key on a create, If-Match
        on a change of a record with a version."""
        parameters = list(super().get_override_parameters())
        action = getattr(self.view, "action", None)
        if action == "create" and hasattr(self.view, "write_serializer_class"):
            parameters.append(IDEMPOTENCY_KEY)
        if action in ("update", "partial_update") and versioned(self.view):
            parameters.append(IF_MATCH)
        return parameters

    def get_summary(self):
        """ "Secondments · list": the subject (the model's plural name, or the
        viewset's ``schema_subject``) and the operation, in the request's
        language."""
        view = self.view
        operation = OPERATIONS.get(getattr(view, "action", None))
        model = getattr(view, "model", None)
        subject = getattr(view, "schema_subject", None) or (
            model._meta.verbose_name_plural if model is not None else None
        )
        if operation is None or subject is None:
            return super().get_summary()
        return f"{subject} · {operation}"

    def get_response_serializers(self):
        # Writes take the form's fields but answer with the object as read.
        view = self.view
        if (
            self.method in ("POST", "PUT", "PATCH")
            and hasattr(view, "write_serializer_class")
            and getattr(view, "action", None) in ("create", "update", "partial_update")
        ):
            return view.serializer_class
        return super().get_response_serializers()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["401", "403"]
        write = self.method in ("POST", "PUT", "PATCH")
        if write or self._is_list_view() or self.method == "GET":
            codes.append("400")
        # Out of scope, a wrong id, or a page past the last one.
        codes.append("404")
        if self.method in ("PATCH", "PUT", "DELETE", "POST"):
            codes.append("409")
        if self.method in ("PATCH", "PUT") and versioned(self.view):
            codes.append("412")
        if write and self.get_request_serializer() is not None:
            codes.append("415")  # only where a body is read
        for code in codes:
            if code in responses:
                continue
            serializer, description = ERRORS[code]
            if code == "415" and "application/json" not in self.map_parsers():
                description = UPLOAD_415
            response = self._get_response_for_code(
                serializer, code, direction=direction
            )
            response["description"] = description
            responses[code] = response
        for code, response in responses.items():
            if code in SUCCESS and response.get("description") in ("", None, NO_BODY):
                response["description"] = self._success_description(code)
        return responses

    def _success_description(self, code: str) -> str:
        if code == "200" and self._is_list_view():
            return str(SUCCESS_LIST)
        if code == "200" and self.method == "GET":
            return str(SUCCESS_READ)
        return str(SUCCESS[code])


class FilterExtension(DjangoFilterExtension):
    """Every filter parameter is described by its label, as the browser's filter
    form shows it, in the request's language: also the filters django-filter makes
    from the model's fields (no label of their own) and those whose type is given
    with ``extend_schema_field`` (drf-spectacular then drops the label)."""

    priority = 1

    def resolve_filter_field(
        self, auto_schema, model, filterset_class, field_name, filter_field
    ):
        # A copy, labelled as a page's filter form labels it: reading a filter's
        # form field caches it on the filter, and the class's filters are copied
        # into every page's filter form (a field made here, with no label, showed
        # the field's English name on every page until restart).
        filter_field = copy.deepcopy(filter_field)
        filter_field.model = model
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        label = filter_field.label
        for parameter in parameters:
            described = parameter.get("description", "")
            if not described:
                parameter["description"] = str(label)
            elif described.startswith("* `"):  # only the list of choices
                parameter["description"] = f"{label}\n\n{described}"
        return parameters


def describe_tags(result, generator, request, public):
    """Each group of endpoints (tag = URL prefix) is described by the first
    paragraph of its viewset's docstring, which names it in Chinese and English
    (e.g. "派遣（人次） Secondments, …"), so the documentation's sections read in
    the domain's words."""
    from config.api_urls import router

    used = {
        tag
        for item in result["paths"].values()
        for op in item.values()
        for tag in op.get("tags", [])
    }
    result["tags"] = [
        {"name": prefix, "description": " ".join(doc.split("\n\n")[0].split())}
        for prefix, viewset, _basename in router.registry
        if prefix in used and (doc := (viewset.__doc__ or "").strip())
    ]
    return result


def name_parameter_enums(result, generator, request, public):
    """Every query parameter with choices refers to a named enum component, as the
    serializers' fields do (``postprocess_schema_enums``), instead of listing the
    choices in place: a client generator would name such an enum from its title,
    the field's label in the request's language (``PairingsList帮扶模式``). A filter
    on a field takes the field's own enum; other choices get a name from the
    parameter (and the path's first segment when that name is taken)."""
    schemas = result["components"]["schemas"]
    named = {}
    for name, schema in sorted(schemas.items()):
        if "enum" in schema:
            named.setdefault(_choice_set(schema), name)
    for path, item in sorted(result["paths"].items()):
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                holder, key = parameter, "schema"
                if holder.get(key, {}).get("type") == "array":
                    holder, key = holder[key], "items"
                schema = holder.get(key, {})
                if "enum" not in schema:
                    continue
                choices = _choice_set(schema)
                if choices not in named:
                    name = _free_name(schemas, path, parameter["name"])
                    schemas[name] = {"type": schema["type"], "enum": schema["enum"]}
                    named[choices] = name
                ref = {"$ref": f"#/components/schemas/{named[choices]}"}
                # The title goes (the parameter's description names it); any
                # other keyword stays beside the reference.
                rest = {
                    k: v
                    for k, v in schema.items()
                    if k not in ("type", "enum", "title")
                }
                holder[key] = {"allOf": [ref], **rest} if rest else ref
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result


def _choice_set(schema) -> tuple:
    return (str(schema.get("type")), frozenset(map(str, schema["enum"])))


def _free_name(schemas, path: str, parameter: str) -> str:
    segment = path.removeprefix("/api/v1/").split("/")[0]
    for name in (
        f"{_camel(parameter)}Enum",
        f"{_camel(segment)}{_camel(parameter)}Enum",
    ):
        if name not in schemas:
            return name
    raise ValueError(f"No free component name for the choices of {path} {parameter}")


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", name))
