"""Errors of the REST API: DRF's answers, plus a Django ValidationError from a
service (400 with its field errors) and a ProtectedError (409), so that no rule a
service enforces turns into a server error."""

from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        from .viewsets import validation_errors

        exc = exceptions.ValidationError(validation_errors(exc))
    elif isinstance(exc, ProtectedError):
        from .viewsets import Conflict

        exc = Conflict(_("Other records still refer to this object."))
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """404 for a URL no route matches: JSON under /api/ (e.g. an id that is not a
    number), the usual page elsewhere."""
    if request.path_info.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": _("Not found.")}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
