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
