"""The audit trail: every create, update and delete of a domain object, from every path
(browser, admin, API, tasks, imports), with before/after values of changed fields.

Model signals catch every ``save()`` and ``delete()``, whoever calls them; the
middleware and ``audit_context`` say who is acting, from where, under which request
id. Bulk operations that skip signals (bulk_create, update) call ``record()``."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from core import bulk
from core.privacy import mask_id_number

# Apps whose models are audited: those whose AppConfig says ``audited = True``,
# and the users and groups of django.contrib.auth.
AUDITED_APPS = {"auth"}
NOT_AUDITED = {
    "core.AuditEntry",
    "core.LoginEvent",
    "core.Notification",
    "core.WorkerHeartbeat",
    "core.IdempotencyKey",
}
# Bookkeeping every save changes (``version``: core.versioning) is no change to report.
IGNORED_FIELDS = {"created_at", "updated_at", "last_login", "version"}
# Bookkeeping that changes many times a minute (a running job's progress, a token's
# last use) is named by the model's ``audit_quiet_fields``: a save that changes
# only those is not an entry.
SECRET_FIELDS = {"password", "key_hash"}
# Personal data: the trail says that it changed, not what it is.
PERSONAL_FIELDS = {"id_number": mask_id_number}


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    username: str = ""
    source: str = "system"
    request_id: str = ""


_SYSTEM = Actor()
_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "audit_actor", default=None
)


def current_actor() -> Actor:
    return _actor.get() or _SYSTEM


@contextlib.contextmanager
def audit_context(*, user=None, source: str, request_id: str | None = None):
    """Attribute the writes inside the block to ``user`` (tasks, imports, commands)."""
    token = _actor.set(
        Actor(
            user_id=getattr(user, "pk", None),
            username=getattr(user, "username", "") or "",
            source=source,
            request_id=request_id or uuid.uuid4().hex,
        )
    )
    try:
        yield
    finally:
        _actor.reset(token)


class AuditMiddleware:
    """Give each request an id (kept from X-Request-ID when a proxy sets one) and
    attribute its writes to the signed-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = (request.headers.get("X-Request-ID") or "")[
            :36
        ] or uuid.uuid4().hex
        request.request_id = request_id
        path = request.path_info
        source = (
            "admin"
            if path.startswith("/admin/")
            else "api"
            if path.startswith("/api/")
            else "web"
        )
        user = getattr(request, "user", None)
        token = _actor.set(
            Actor(
                user_id=user.pk if user is not None and user.is_authenticated else None,
                username=user.get_username()
                if user is not None and user.is_authenticated
                else "",
                source=source,
                request_id=request_id,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            _actor.reset(token)
        response["X-Request-ID"] = request_id
        return response


def attribute_request(request, user) -> None:
    """Attribute the rest of a request's writes to ``user`` (the REST API's token
    authentication learns the user after the middleware has run). The middleware's
    reset at the end of the request restores the value from before the request."""
    _actor.set(
        Actor(
            user_id=user.pk,
            username=user.get_username(),
            source="api",
            request_id=getattr(request, "request_id", "") or uuid.uuid4().hex,
        )
    )


def _label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.object_name}"


def is_audited(model) -> bool:
    label = model._meta.app_label
    config = apps.app_configs.get(label)  # none for Django's migration records
    audited = label in AUDITED_APPS or getattr(config, "audited", False)
    return audited and _label(model) not in NOT_AUDITED


def _plain(value):
    """A JSON-friendly form of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list | dict):
        return value
    if hasattr(value, "name"):  # files
        return value.name or ""
    return str(value)


@functools.cache
def _fields(model) -> tuple[models.Field, ...]:
    """The fields an entry records (every write of the model asks)."""
    return tuple(
        f
        for f in model._meta.concrete_fields
        if f.name not in IGNORED_FIELDS and not f.primary_key
    )


def snapshot(instance) -> dict:
    return {
        f.attname: _plain(getattr(instance, f.attname)) for f in _fields(type(instance))
    }


def _diff(before: dict | None, after: dict | None, model) -> dict:
    """{field: [before, after]} of the fields that changed (every field of a
    record created or deleted), secrets hidden and personal data masked; nothing
    when only the model's quiet fields changed."""
    both = before is not None and after is not None
    old_of, new_of = before or {}, after or {}
    changes = {
        key: [old_of.get(key), new_of.get(key)]
        for key in after or before or {}
        if not both or old_of.get(key) != new_of.get(key)
    }
    for key in SECRET_FIELDS.intersection(changes):
        changes[key] = ["***" if value else None for value in changes[key]]
    for key in PERSONAL_FIELDS.keys() & changes.keys():
        mask = PERSONAL_FIELDS[key]
        changes[key] = [mask(value) if value else value for value in changes[key]]
    if both and set(changes) <= set(getattr(model, "audit_quiet_fields", ())):
        return {}
    return changes


def region_paths_of(instance) -> str:
    """The region paths of the schools that put the object in scope."""
    return region_paths_of_many(type(instance), [instance.pk]).get(instance.pk, "")


def _path_fields(model) -> list[str]:
    from core.scope import Rule, rule_of

    rule = rule_of(model)
    if isinstance(rule, Rule):
        return [
            f"{lookup}__region__path" if lookup else "region__path"
            for lookup in rule.via
        ]
    # Placed by a region or school of its own (a programme, a membership).
    names = {f.name for f in model._meta.get_fields()}
    return [
        field
        for field in ("region__path", "school__region__path")
        if field.split("__")[0] in names
    ]


def region_paths_of_many(model, pks) -> dict:
    """``region_paths_of`` for many objects of one model: one query per way the
    model reaches its schools, whatever the number of objects."""
    paths: dict = {pk: set() for pk in pks}
    for field in _path_fields(model):
        rows = model._base_manager.filter(pk__in=list(paths)).values_list("pk", field)
        for pk, path in rows:
            if path:
                paths[pk].add(path)
    return {pk: "".join(f" {p}" for p in sorted(found)) for pk, found in paths.items()}


# Inside ``deferred()``: the entries written so far, saved together at its end.
_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "audit_pending", default=None
)


class _Discarded(list):
    """The entries of a block whose writes are all rolled back (a dry run):
    nothing is kept, nothing is made."""

    def append(self, item):
        pass


def discarding() -> bool:
    """Inside ``deferred(keep=False)``: every write will be rolled back, so no
    entry is made (nor the row read before an update to make it)."""
    return isinstance(_pending.get(), _Discarded)


@contextlib.contextmanager
def deferred(*, keep: bool = True):
    """Keep the entries written inside the block and save them together when it
    ends: one insert, and each model's region paths read in one query (a bulk
    writer: the Excel import's chunk of rows). A savepoint rolled back inside the
    block drops the entries written since it (``mark``, ``drop_since``). With
    ``keep=False`` the caller rolls back every write of the block (the import's
    dry run): no entry is made, and no cached figure is told of a change."""
    pending: list = [] if keep else _Discarded()
    token = _pending.set(pending)
    try:
        yield
    except BaseException:
        _pending.reset(token)
        raise
    _pending.reset(token)
    _save_pending(pending)


def mark() -> int:
    pending = _pending.get()
    return len(pending) if pending is not None else 0


def drop_since(position: int) -> None:
    pending = _pending.get()
    if pending is not None:
        del pending[position:]


def _save_pending(pending: list) -> None:
    from core.freshness import changed
    from core.models import AuditEntry

    if not pending:
        return
    by_model: dict = {}
    for entry, instance in pending:
        if entry.region_paths is None:
            by_model.setdefault(type(instance), set()).add(instance.pk)
    paths = {model: region_paths_of_many(model, pks) for model, pks in by_model.items()}
    for entry, instance in pending:
        if entry.region_paths is None:
            entry.region_paths = paths[type(instance)].get(instance.pk, "")
    for model in {type(instance) for _entry, instance in pending}:
        changed(model)
    entries = bulk.insert(AuditEntry, [entry for entry, _i in pending])
    for entry, (_same, instance) in zip(entries, pending, strict=True):
        if not entry.region_paths and entry.action == "create" and entry.pk:
            transaction.on_commit(
                lambda e=entry.pk, i=instance: _refresh_regions(e, i), robust=True
            )


def record(instance, action: str, changes: dict, region_paths: str | None = None):
    """Write one audit entry for ``instance``."""
    from core.freshness import changed
    from core.models import AuditEntry

    actor = current_actor()
    entry = AuditEntry(
        user_id=actor.user_id,
        username=actor.username,
        source=actor.source,
        request_id=actor.request_id,
        action=action,
        content_type_id=ContentType.objects.get_for_model(
            type(instance), for_concrete_model=True
        ).pk,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        region_paths=region_paths,
    )
    pending = _pending.get()
    if pending is not None:
        pending.append((entry, instance))
        return
    changed(type(instance))
    paths = region_paths if region_paths is not None else region_paths_of(instance)
    entry.region_paths = paths
    entry.save()
    if not paths and action == "create":
        # A pairing is saved before its parties: its regions are known at commit.
        # Robust: the write is committed; failing here must not answer it as an error.
        transaction.on_commit(lambda: _refresh_regions(entry.pk, instance), robust=True)


def _refresh_regions(entry_pk, instance):
    from core.models import AuditEntry

    AuditEntry.objects.filter(pk=entry_pk).update(
        region_paths=region_paths_of(instance)
    )


def _before_save(sender, instance, raw=False, **kwargs):
    if raw or not is_audited(sender) or discarding():
        return
    instance._audit_before = None
    if instance.pk is not None and not instance._state.adding:
        row = (
            sender._base_manager.filter(pk=instance.pk)
            .values(*[f.attname for f in _fields(sender)])
            .first()
        )
        if row is not None:
            instance._audit_before = {k: _plain(v) for k, v in row.items()}


def _after_save(sender, instance, created, raw=False, **kwargs):
    if raw or not is_audited(sender) or discarding():
        return
    before = None if created else getattr(instance, "_audit_before", None)
    after = snapshot(instance)
    changes = _diff(before, after, sender)
    if not changes:
        return
    record(instance, "create" if created or before is None else "update", changes)


def created(instances) -> None:
    """The entries of records inserted together (``bulk_create`` sends no
    signal): each as its own ``save()`` would have written it."""
    if discarding():
        return
    for instance in instances:
        _after_save(type(instance), instance, created=True)


def _before_delete(sender, instance, **kwargs):
    if not is_audited(sender) or discarding():
        return
    instance._audit_regions = region_paths_of(instance)


def _after_delete(sender, instance, **kwargs):
    if not is_audited(sender) or discarding():
        return
    record(
        instance,
        "delete",
        _diff(snapshot(instance), None, sender),
        region_paths=getattr(instance, "_audit_regions", ""),
    )


def connect():
    pre_save.connect(_before_save, dispatch_uid="audit_pre_save")
    post_save.connect(_after_save, dispatch_uid="audit_post_save")
    pre_delete.connect(_before_delete, dispatch_uid="audit_pre_delete")
    post_delete.connect(_after_delete, dispatch_uid="audit_post_delete")
