"""The OpenAPI schema: every operation documents its errors as well (400 with field
errors, 401 without credentials, 403 without the right, 404 out of scope, 409 on a
conflict), so a client, and the schema fuzzer, know every answer it can get."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from rest_framework import serializers


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
}

UPLOAD_415 = _("Send the file as multipart/form-data.")


class AutoSchema(openapi.AutoSchema):
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
        if self.method in ("PATCH", "DELETE", "POST"):
            codes.append("409")
        if write:
            codes.append("415")
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
        return responses
