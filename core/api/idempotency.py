"""``Idempotency-Key`` for API creates: a client that did not hear the answer to a
POST (a network error, a timeout) sends it again with the same key and gets the
first answer, status and body, instead of a second record.

The key is stored with the answer in the same transaction as the record, for a day
(``KEEP``). Two requests with the same key at the same moment: the second waits on
the key's unique index until the first commits, then reads its answer. A key sent
again with a different request (another body or address) is refused with 422. A
create that was refused (400, 403) stores nothing, so it may be corrected and sent
with the same key."""

import datetime as dt
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP = dt.timedelta(hours=24)
MAX_LENGTH = 255


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


class InProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def fingerprint(request) -> str:
    """The request as far as a retry must repeat it: method, address and body."""
    try:
        body = json.dumps(
            request.data, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False
        )
    except TypeError:  # uploaded files: their names and sizes stand for them
        body = repr(sorted((k, repr(v)) for k, v in request.data.items()))
    text = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def once(request, create) -> Response:
    """Answer ``create()``'s response, or the stored one for a key already used."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return create()
    if len(key) > MAX_LENGTH:
        raise exceptions.ValidationError(
            {HEADER: [_("An Idempotency-Key has at most 255 characters.")]}
        )
    sent = fingerprint(request)
    with transaction.atomic():
        IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=request.user, key=key, path=request.path, fingerprint=sent
                )
        except IntegrityError:
            return _replay(request.user, key, sent)
        response = create()
        record.status_code = response.status_code
        record.body = JSONRenderer().render(response.data).decode()
        record.save(update_fields=["status_code", "body"])
    return response


def _replay(user, key, sent) -> Response:
    record = IdempotencyKey.objects.get(user=user, key=key)
    if record.status_code is None:  # not expected: the key and answer commit together
        raise InProgress(_("The first request is still being handled."))
    if record.fingerprint != sent:
        raise KeyReused(
            _(
                "This Idempotency-Key was already used for a different request: "
                "use a new key for a new record."
            )
        )
    response = Response(json.loads(record.body), status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response
