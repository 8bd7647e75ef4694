"""Errors of the REST API and of the pages: DRF's answers, plus a Django
ValidationError from a service (400 with its field errors) and a ProtectedError
(409), so that no rule a service enforces turns into a server error; a database
that cannot be reached is a 503 with ``Retry-After`` (JSON under /api/, a page
elsewhere), never a 500, and a body that is not JSON is told in the user's
language."""

import json
import logging
import sys

from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.db.models import ProtectedError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

# What Django raises while the database is restarting or unreachable.
DATABASE_OUTAGE = (OperationalError, InterfaceError)
# Seconds a client is asked to wait: a PostgreSQL restart takes a few.
RETRY_AFTER_SECONDS = 15


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"


def unavailable_message() -> str:
    return _(
        "The database cannot be reached at the moment; nothing was changed. "
        "Please try again in a minute."
    )


def exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        from .viewsets import validation_errors

        exc = exceptions.ValidationError(validation_errors(exc))
    elif isinstance(exc, ProtectedError):
        from .viewsets import Conflict

        exc = Conflict(_("Other records still refer to this object."))
    elif isinstance(exc, DATABASE_OUTAGE):
        logger.warning("database unreachable: %s", exc)
        exc = ServiceUnavailable(unavailable_message())
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(parse_error_message(exc))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def parse_error_message(exc) -> str:
    """DRF says "JSON parse error - Expecting value: line 1 column 1 (char 0)" in
    English whatever the language: say it in the user's, with the position."""
    cause = exc.__context__
    if isinstance(cause, json.JSONDecodeError):
        return _(
            "The request body is not valid JSON (line %(line)s, column %(column)s)."
        ) % {"line": cause.lineno, "column": cause.colno}
    if isinstance(cause, ValueError):
        return _("The request body is not valid JSON.")
    return _("The request could not be read.")


def not_found(request, exception=None):
    """404 for a URL no route matches: JSON under /api/ (e.g. an id that is not a
    number), the usual page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request):
    """Every unhandled error, wherever it was raised (a view, the session saved by
    a middleware): 503 when the database is unreachable, else 500. Renders without
    the request's context, which would read the database (menu, notifications)."""
    error = sys.exc_info()[1]
    api = request.path_info.startswith("/api/")
    if isinstance(error, DATABASE_OUTAGE):
        if api:
            response = JsonResponse({"detail": unavailable_message()}, status=503)
        else:
            page = loader.get_template("503.html").render(
                {"message": unavailable_message(), "retry_after": RETRY_AFTER_SECONDS}
            )
            response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if api:
        return JsonResponse(
            {"detail": _("Server error: the request did not complete.")}, status=500
        )
    from django.views.defaults import server_error as page_server_error

    return page_server_error(request)
