"""The authorization matrix, generated from the URL configuration.

Every URL pattern that takes an object is exercised for every role with one object in
the role's scope and one outside it. In scope gives the page (or 404 where the role has
no business there, e.g. the Django admin for bureau staff); out of scope is always 404;
a write without the right answers 403/404 and changes nothing. A new object URL that
this file does not know fails ``test_every_object_url_is_covered``."""

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from core.api.authentication import token_create
from core.audit import is_audited
from core.models import (
    ApiToken,
    AuditEntry,
    IdempotencyKey,
    LoginEvent,
    Membership,
    Notification,
    WorkerHeartbeat,
)
from pairings.models import Programme, Region, School
from reporting.models import ExportJob, ReportingPeriod

from . import world

pytestmark = pytest.mark.django_db

ADMIN_OBJECT = re.compile(
    r"^admin/(\w+)/(\w+)/<path:object_id>/(change/|delete/|history/)?$"
)
ADMIN_PASSWORD = "admin/auth/user/<id>/password/"
ADMIN_SHORTCUT = "admin/r/<path:content_type_id>/<path:object_id>/"
APP_OBJECT = re.compile(r"^(\w+)/<int:pk>/(edit/|delete/)?$")
OWN_ROUTES = {
    "exports/<int:pk>/",
    "exports/<int:pk>/status/",
    "exports/<int:pk>/download/",
    "exports/<int:pk>/retry/",
    "reports/<int:pk>/act/",
    "reports/start/<int:school>/<int:period>/",
    "reports/<int:pk>/attachments/",
    "attachments/<int:pk>/",
    "attachments/<int:pk>/delete/",
    "notifications/<int:pk>/read/",
    "accounts/tokens/<int:pk>/revoke/",
    "users/<int:pk>/",
    "memberships/<int:pk>/delete/",
    "history/<str:app_label>/<str:model_name>/<int:pk>/",
    # A user's own imports and list exports: another user's are 404
    # (imports/tests/test_persons.py, test_list_exports.py).
    "imports/<int:pk>/",
    "imports/<int:pk>/status/",
    "imports/<int:pk>/marked/",
    "imports/<int:pk>/confirm/",
    "imports/<int:pk>/cancel/",
    "imports/<int:pk>/undo/",
    "imports/lists/<int:pk>/",
    "imports/lists/<int:pk>/download/",
    # A pairing's batch entry: another region's pairing is 404, a user who may
    # not change it 403 (imports/tests/test_batch.py).
    "pairings/<int:pk>/secondments/batch/",
    # A seconded teacher's own pages: another teacher's records are 404, a stint
    # the host school confirmed 403 (dispatch/tests/test_teacher.py and below).
    "me/stints/<int:pk>/edit/",
    "me/stints/<int:pk>/delete/",
    "me/photos/<int:pk>/",
    # The bureau opens a teacher's account from the person's page: another
    # region's person is 404, school staff 403 (dispatch/tests/test_teacher.py).
    "people/<int:pk>/account/",
    "people/<int:pk>/account/close/",
    # A secondment's work log and its photos, read by whoever sees the secondment:
    # another county's or school's are 404 (dispatch/tests/test_work_log.py).
    "secondments/<int:pk>/work-log/",
    "work-log-photos/<int:pk>/",
    # The host school's answers to a stint: another region's stint is 404, a
    # school that is not its host 403 (dispatch/tests/test_confirmation.py).
    "stints/<int:pk>/confirm/",
    "stints/<int:pk>/send-back/",
    # Reminder channels and reminders, placed by a region or a school of their own:
    # another region's are 404, school staff and inspectors have no channel pages
    # (reminders/tests/test_views.py).
    "reminders/channels/<int:pk>/",
    "reminders/channels/<int:pk>/edit/",
    "reminders/channels/<int:pk>/delete/",
    "reminders/channels/<int:pk>/test/",
    "reminders/sent/<int:pk>/",
}
OBJECT_ARGS = {"pk", "object_id", "id", "content_type_id", "school", "period"}


def object_routes():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                converters = set(getattr(pattern.pattern, "converters", {}))
                if converters & OBJECT_ARGS:
                    yield prefix + str(pattern.pattern)

    return sorted(set(walk(get_resolver().url_patterns)))


def test_every_object_url_is_covered():
    uncovered = [
        route
        for route in object_routes()
        if not (
            ADMIN_OBJECT.match(route)
            or route in (ADMIN_PASSWORD, ADMIN_SHORTCUT)
            or route in OWN_ROUTES
            or APP_OBJECT.match(route)
        )
    ]
    assert uncovered == [], "add these URLs to the authorization matrix"


def admin_only_objects(w):
    """Objects of models that are not scoped by region (reference data, logs)."""
    user = get_user_model().objects.get(username="xuexiao")
    return {
        Region: w["A1"],
        Programme: w["pA1"].programme,
        ReportingPeriod: w["period"],
        ExportJob: ExportJob.objects.create(user=w["admin"], table="roster"),
        Membership: user.memberships.get(),
        AuditEntry: AuditEntry.objects.order_by("id").first(),
        LoginEvent: LoginEvent.objects.create(username="xuexiao", success=True),
        Notification: Notification.objects.create(user=user, message="提醒"),
        ApiToken: token_create(user=user, name="同步")[0],
        IdempotencyKey: IdempotencyKey.objects.create(
            user=user, key="k", path="/api/v1/donations/", fingerprint="f"
        ),
        WorkerHeartbeat: WorkerHeartbeat.objects.create(
            hostname="celery@worker", seen_at=timezone.now()
        ),
        get_user_model(): user,
        Group: Group.objects.create(name="测试组"),
        AccessAttempt: AccessAttempt.objects.create(
            username="x",
            ip_address="10.0.0.1",
            user_agent="t",
            get_data="",
            post_data="",
            http_accept="*/*",
            path_info="/",
            failures_since_start=1,
        ),
        AccessLog: AccessLog.objects.create(
            username="x",
            ip_address="10.0.0.1",
            user_agent="t",
            http_accept="*/*",
            path_info="/",
        ),
        AccessFailureLog: AccessFailureLog.objects.create(
            username="x",
            ip_address="10.0.0.1",
            user_agent="t",
            http_accept="*/*",
            path_info="/",
            locked_out=False,
        ),
    }


def client_for(client, user):
    client.force_login(user)
    return client


def admin_cases(w):
    """(url, model) for every admin object route, with an object of that model."""
    objects = {**admin_only_objects(w), **w["in_A1"]}
    cases = []
    for route in object_routes():
        match = ADMIN_OBJECT.match(route)
        if match:
            model = apps.get_model(match.group(1), match.group(2))
            obj = objects[model]
            cases.append((route.replace("<path:object_id>", str(obj.pk)), model))
    user = objects[get_user_model()]
    cases.append((ADMIN_PASSWORD.replace("<id>", str(user.pk)), get_user_model()))
    school = objects[School]
    content_type = ContentType.objects.get_for_model(School)
    cases.append(
        (
            ADMIN_SHORTCUT.replace(
                "<path:content_type_id>", str(content_type.pk)
            ).replace("<path:object_id>", str(school.pk)),
            School,
        )
    )
    return cases


@pytest.mark.parametrize("role", [r for r in world.ROLES if r != "admin"])
def test_admin_does_not_exist_for_other_roles(client, w, role):
    client = client_for(client, w[role])
    for url, _model in admin_cases(w):
        assert client.get(f"/{url}").status_code == 404, url
    school = w["in_A1"][School]
    response = client.post(
        f"/admin/pairings/school/{school.pk}/change/",
        {"name": "改名", "code": school.code},
    )
    assert response.status_code == 404
    school.refresh_from_db()
    assert school.name != "改名"


def test_admin_opens_every_object_page_for_administrators(client, w, rf):
    from django.contrib import admin

    client = client_for(client, w["admin"])
    request = rf.get("/")
    request.user = w["admin"]
    wrong = []
    for url, model in admin_cases(w):
        status = client.get(f"/{url}").status_code
        if url.startswith("admin/r/") or not url.endswith(
            ("change/", "delete/", "history/", "password/")
        ):
            expected = {302}
        elif url.endswith("delete/") and not admin.site.get_model_admin(
            model
        ).has_delete_permission(request):
            expected = {403}  # records written by the system are never deleted
        else:
            expected = {200}
        if status not in expected:
            wrong.append((url, status))
    assert wrong == []


def history_url(obj):
    meta = obj._meta
    return f"/history/{meta.app_label}/{meta.model_name}/{obj.pk}/"


@pytest.mark.parametrize("role", list(world.ROLES))
def test_history_pages_follow_the_scope(client, w, role):
    inside, outside = world.ROLES[role]
    client = client_for(client, w[role])
    for model, obj in w[inside].items():
        assert is_audited(model)
        assert client.get(history_url(obj)).status_code == 200, (role, model)
    if outside:
        for model, obj in w[outside].items():
            assert client.get(history_url(obj)).status_code == 404, (role, model)


USER_OUTSIDE = {
    "admin": None,
    "sheng": "xian_l",
    "shi": "school_b1",
    "xian": "school_b1",
    "duxue": "school_b1",
    "xuexiao": "school_b1",
}
MANAGERS = {"admin", "sheng", "xian"}


@pytest.mark.parametrize("role", list(world.ROLES))
def test_user_pages_follow_the_managed_region(client, w, role):
    client = client_for(client, w[role])
    inside = w["xuexiao"] if role != "xuexiao" else w["duxue"]
    expected = 200 if role in MANAGERS else 404
    assert client.get(f"/users/{inside.pk}/").status_code == expected
    if USER_OUTSIDE[role]:
        outside = w[USER_OUTSIDE[role]]
        assert client.get(f"/users/{outside.pk}/").status_code == 404


@pytest.mark.parametrize("role", list(world.ROLES))
def test_removing_a_membership_needs_the_right(client, w, role):
    client = client_for(client, w[role])
    inside = w["xuexiao"].memberships.get()
    if USER_OUTSIDE[role]:
        outside = w[USER_OUTSIDE[role]].memberships.get()
        assert client.post(f"/memberships/{outside.pk}/delete/").status_code == 404
        assert Membership.objects.filter(pk=outside.pk).exists()
    response = client.post(f"/memberships/{inside.pk}/delete/")
    if role in MANAGERS:
        assert response.status_code == 302
        assert not Membership.objects.filter(pk=inside.pk).exists()
    else:
        assert response.status_code == 404
        assert Membership.objects.filter(pk=inside.pk).exists()


def app_routes():
    """(route, view class) of every list-detail-edit-delete object page."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif (
                APP_OBJECT.match(prefix + str(pattern.pattern))
                and prefix + str(pattern.pattern) not in OWN_ROUTES
                and hasattr(pattern.callback, "view_class")
            ):
                yield prefix + str(pattern.pattern), pattern.callback.view_class

    return list(walk(get_resolver().url_patterns))


def objects_for(w, world_name):
    if world_name is None:
        return {}
    objects = dict(w[world_name])
    objects[Programme] = w["programme"] if world_name == "in_A1" else w["programme_L"]
    objects[ReportingPeriod] = w["period"]  # shared by every region
    return objects


@pytest.mark.parametrize("role", list(world.ROLES))
def test_object_pages_follow_scope_and_rights(client, w, role):
    from core.scope import can_change

    inside, outside = world.ROLES[role]
    user = w[role]
    client = client_for(client, user)
    wrong = []
    for route, view in app_routes():
        model = view.model
        obj = objects_for(w, inside)[model]
        url = "/" + route.replace("<int:pk>", str(obj.pk))
        status = client.get(url).status_code
        allowed = getattr(view, "allowed", None) or can_change
        if route.endswith(("edit/", "delete/")):
            expected = 200 if allowed(user, obj) else 403
        else:
            expected = 200
        if status != expected:
            wrong.append((role, url, status, expected))
        if outside and model is not ReportingPeriod:
            other = objects_for(w, outside)[model]
            url = "/" + route.replace("<int:pk>", str(other.pk))
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                if status != 404:
                    wrong.append((role, method, url, status, 404))
            assert model.objects.filter(pk=other.pk).exists()
    assert wrong == []


@pytest.mark.parametrize("role", ["duxue", "xuexiao"])
def test_writes_without_the_right_change_nothing(client, w, role):
    from core.scope import can_change

    client = client_for(client, w[role])
    for route, view in app_routes():
        if not route.endswith(("edit/", "delete/")):
            continue
        obj = objects_for(w, "in_A1")[view.model]
        allowed = getattr(view, "allowed", None) or can_change
        if allowed(w[role], obj):
            continue
        url = "/" + route.replace("<int:pk>", str(obj.pk))
        before = view.model.objects.filter(pk=obj.pk).values().get()
        assert client.post(url, {"name": "改掉", "title": "改掉"}).status_code == 403, (
            url
        )
        assert view.model.objects.filter(pk=obj.pk).values().get() == before, url


@pytest.mark.parametrize("role", [r for r in world.ROLES if world.ROLES[r][1]])
def test_report_actions_follow_the_scope(client, w, role):
    """reports/<pk>/act/: out of scope is 404 and changes nothing."""
    from reporting.models import SemesterReport

    client = client_for(client, w[role])
    outside = w[world.ROLES[role][1]][SemesterReport]
    for action in ("submit", "return", "approve", "unlock"):
        response = client.post(
            f"/reports/{outside.pk}/act/", {"action": action, "comment": "x"}
        )
        assert response.status_code == 404
    outside.refresh_from_db()
    assert outside.status == "draft"


@pytest.mark.parametrize("role", [r for r in world.ROLES if r != "admin"])
def test_export_jobs_belong_to_their_owner(client, w, role):
    """exports/<pk>/…: another user's job is 404, even for reading its status."""
    job = ExportJob.objects.create(user=w["admin"], table="partner_assistance")
    client = client_for(client, w[role])
    for suffix in ("", "status/", "download/"):
        assert client.get(f"/exports/{job.pk}/{suffix}").status_code == 404
    assert client.post(f"/exports/{job.pk}/retry/").status_code == 404
    job.refresh_from_db()
    assert job.status == "pending"


@pytest.mark.parametrize("teacher", list(world.TEACHERS))
def test_a_teacher_reaches_only_their_own_secondment(client, w, teacher):
    """A seconded teacher opens the pages of their own secondment's records (and
    changes a stint only while the host school has not confirmed it); every page
    of every other record, theirs or not, is 404 and a write there changes
    nothing."""
    from core.scope import can_change

    own, other = world.TEACHERS[teacher]
    user = w[teacher]
    client = client_for(client, user)
    wrong = []
    for route, view in app_routes():
        model = view.model
        for world_name in (own, other):
            obj = objects_for(w, world_name)[model]
            url = "/" + route.replace("<int:pk>", str(obj.pk))
            mine = world_name == own and model in world.TEACHER_MODELS
            if not mine:
                before = model.objects.filter(pk=obj.pk).values().first()
                for method in ("get", "post"):
                    status = getattr(client, method)(url).status_code
                    if status != 404:
                        wrong.append((teacher, method, url, status, 404))
                if model.objects.filter(pk=obj.pk).values().first() != before:
                    wrong.append((teacher, "changed", url))
                continue
            allowed = getattr(view, "allowed", None) or can_change
            expected = 200
            if route.endswith(("edit/", "delete/")):
                expected = 200 if allowed(user, obj) else 403
            status = client.get(url).status_code
            if status != expected:
                wrong.append((teacher, url, status, expected))
    for model, obj in w[own].items():
        expected = 200 if model in world.TEACHER_MODELS else 404
        status = client.get(history_url(obj)).status_code
        if status != expected:
            wrong.append((teacher, history_url(obj), status, expected))
    for obj in w[other].values():
        if client.get(history_url(obj)).status_code != 404:
            wrong.append((teacher, history_url(obj)))
    assert wrong == []


@pytest.mark.parametrize("teacher", list(world.TEACHERS))
def test_a_teacher_has_no_clerks_pages(client, w, teacher):
    """Lists, statistics, exports, imports, audit, users: 404 or empty of every
    record of the world."""
    client = client_for(client, w[teacher])
    own, other = world.TEACHERS[teacher]
    names = [str(obj) for obj in w[other].values()]
    names += [
        str(obj)
        for model, obj in w[own].items()
        if model not in world.TEACHER_MODELS and len(str(obj)) > 3
    ]
    for url in (
        "/pairings/",
        "/schools/",
        "/programmes/",
        "/people/",
        "/activities/",
        "/projects/",
        "/donations/",
        "/funding/",
        "/reports/review/",
        "/statistics/",
        "/exports/",
        "/imports/",
        "/audit/",
        "/audit/logins/",
        "/users/",
        "/accounts/tokens/",
        "/compliance/",
    ):
        response = client.get(url)
        if response.status_code == 404:
            continue
        assert response.status_code in (200, 302), url
        page = response.content.decode()
        leaked = [name for name in names if name in page]
        assert leaked == [], url
