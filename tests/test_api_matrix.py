"""The authorization matrix of the REST API, generated from the router.

Every registered endpoint over a model is exercised for every role with one object in
the role's scope and one outside it, with every method: out of scope is 404 for
GET, PUT, PATCH and DELETE and changes nothing; in scope, reads answer 200 and writes
answer as the browser's rights say (403 and nothing changed without the right).
A route this file does not know fails ``test_every_api_route_is_covered``."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from config.api_urls import router
from core.api.viewsets import ScopedReadViewSet, ScopedViewSet
from core.scope import can_add_model, can_change
from pairings.models import Region
from reporting.models import (
    ExportJob,
    ReportAttachment,
    ReportingPeriod,
    SemesterReport,
)
from reporting.reports.services import can_edit

from . import world
from .test_authorization_matrix import objects_for as page_objects

pytestmark = pytest.mark.django_db

# Routes with their own tests (tests/test_api.py): report workflow actions, export
# jobs (owner only), statistics tables and compliance (computed, no object), the
# audit trail (read only, as the audit page) and notifications (the user's own).
OWN_ACTIONS = {
    "reports/{pk}/submit/",
    "reports/{pk}/return/",
    "reports/{pk}/approve/",
    "reports/{pk}/accept/",
    "reports/{pk}/unlock/",
    "reports/{pk}/attachments/",
    "report-attachments/{pk}/download/",
    "exports/{pk}/download/",
    "exports/{pk}/retry/",
}
OWN_VIEWSETS = {
    "compliance",
    "statistics",
    "exports",
    "imports",  # a user's own imports: imports/tests/test_api.py
    "audit",
    "notifications",
}
# Models the world gives one object of per pairing.
SHARED = {ReportingPeriod}


def model_viewsets():
    """(prefix, viewset) of every scoped model endpoint."""
    return [
        (prefix, viewset)
        for prefix, viewset, _basename in router.registry
        if issubclass(viewset, ScopedReadViewSet)
    ]


def api_routes():
    """Every /api/v1/ route as text, e.g. "schools/{pk}/"."""
    routes = set()
    for prefix, viewset, _basename in router.registry:
        for route in router.get_routes(viewset):
            if not router.get_method_map(viewset, route.mapping):
                continue  # the viewset does not have this route
            url = route.url.replace("{prefix}", prefix).replace("{trailing_slash}", "/")
            url = url.replace("{lookup}", "{pk}").lstrip("^").rstrip("$")
            routes.add((url, viewset))
    return routes


def test_every_api_route_is_covered():
    covered_viewsets = {viewset for _prefix, viewset in model_viewsets()}
    uncovered = []
    for url, viewset in api_routes():
        prefix = url.split("/")[0]
        if url in OWN_ACTIONS or prefix in OWN_VIEWSETS:
            continue
        if viewset in covered_viewsets and url in (f"{prefix}/", f"{prefix}/{{pk}}/"):
            continue
        uncovered.append(url)
    assert uncovered == [], "add these API routes to the matrix"


REGION_OF = {"in_A1": "A1", "in_B1": "B1", "in_L": "L"}


def objects_for(w, world_name):
    objects = page_objects(w, world_name)
    objects[Region] = w[REGION_OF[world_name]]
    return objects


def snapshot(model, pk):
    return model._base_manager.filter(pk=pk).values().first()


@pytest.mark.parametrize("role", list(world.ROLES))
def test_api_follows_scope_and_rights(client, w, role):
    inside, outside = world.ROLES[role]
    user = w[role]
    client.force_login(user)
    wrong = []

    def expect(method, url, expected, **kwargs):
        response = getattr(client, method)(
            url, content_type="application/json", **kwargs
        )
        if response.status_code not in expected:
            wrong.append((role, method, url, response.status_code, expected))
        return response

    for prefix, viewset in model_viewsets():
        model = viewset.model
        writable = issubclass(viewset, ScopedViewSet) or model in (
            SemesterReport,
            ReportAttachment,
        )
        obj = objects_for(w, inside)[model]
        url = f"/api/v1/{prefix}/{obj.pk}/"
        listed = expect("get", f"/api/v1/{prefix}/?page_size=500", {200}).json()
        if obj.pk not in [row.get("id") for row in listed["results"]]:
            wrong.append((role, "list misses", prefix, obj.pk))
        expect("get", url, {200})
        if outside and model not in SHARED:
            other = objects_for(w, outside)[model]
            other_url = f"/api/v1/{prefix}/{other.pk}/"
            before = snapshot(model, other.pk)
            listed = client.get(f"/api/v1/{prefix}/?page_size=500").json()
            if other.pk in [row.get("id") for row in listed["results"]]:
                wrong.append((role, "list leaks", prefix, other.pk))
            for method in ("get", "put", "patch", "delete"):
                expect(method, other_url, {404, 405}, data={})
            if snapshot(model, other.pk) != before:
                wrong.append((role, "changed out of scope", prefix, other.pk))
        if not writable:
            for method in ("put", "patch", "delete", "post"):
                target = url if method != "post" else f"/api/v1/{prefix}/"
                expect(method, target, {405}, data={})
            continue
        # Writes in scope: without the right 403 and nothing changes.
        if model is SemesterReport:
            continue  # the workflow has its own tests
        if model is ReportAttachment:
            # Uploaded through its report (own tests); removed by the school while
            # the report can be edited, never changed.
            for method in ("put", "patch"):
                expect(method, url, {405}, data={})
            expect("post", f"/api/v1/{prefix}/", {405}, data={})
            with transaction.atomic():
                before = snapshot(model, obj.pk)
                response = expect(
                    "delete", url, {204} if can_edit(user, obj.report) else {403}
                )
                if response.status_code == 403 and snapshot(model, obj.pk) != before:
                    wrong.append((role, "removed without the right", url))
                transaction.set_rollback(True)
            continue
        before = snapshot(model, obj.pk)
        may_change = can_change(user, obj)
        for method in ("patch", "delete"):
            if method == "delete" and not viewset.deletable:
                expect(method, url, {405})
                continue
            with transaction.atomic():
                response = expect(
                    method,
                    url,
                    {200, 204, 400, 409} if may_change else {403},
                    data={},
                )
                transaction.set_rollback(True)
            if response.status_code == 403 and snapshot(model, obj.pk) != before:
                wrong.append((role, "changed without the right", url))
        may_create = can_add_model(user, model)
        with transaction.atomic():
            expect(
                "post", f"/api/v1/{prefix}/", {400} if may_create else {403}, data={}
            )
            transaction.set_rollback(True)
    assert wrong == []


@pytest.mark.parametrize("role", [r for r in world.ROLES if r != "admin"])
def test_api_export_jobs_belong_to_their_owner(client, w, role):
    job = ExportJob.objects.create(user=w["admin"], table="partner_assistance")
    client.force_login(w[role])
    for suffix in ("", "download/"):
        assert client.get(f"/api/v1/exports/{job.pk}/{suffix}").status_code == 404
    assert client.post(f"/api/v1/exports/{job.pk}/retry/").status_code == 404
    assert job.pk not in [
        r["id"] for r in client.get("/api/v1/exports/").json()["results"]
    ]
    job.refresh_from_db()
    assert job.status == "pending"


@pytest.mark.parametrize("role", [r for r in world.ROLES if world.ROLES[r][1]])
def test_api_report_actions_follow_the_scope(client, w, role):
    client.force_login(w[role])
    outside = w[world.ROLES[role][1]][SemesterReport]
    files = outside.attachments.count()
    for action in ("submit", "return", "approve", "accept", "unlock"):
        response = client.post(
            f"/api/v1/reports/{outside.pk}/{action}/",
            {"comment": "x"},
            content_type="application/json",
        )
        assert response.status_code == 404, action
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")
    response = client.post(
        f"/api/v1/reports/{outside.pk}/attachments/", {"file": upload}
    )
    assert response.status_code == 404
    outside.refresh_from_db()
    assert outside.status == "draft"
    assert outside.attachments.count() == files


def test_anonymous_gets_401_everywhere(client, w):
    for url, _viewset in api_routes():
        key = "roster" if url.startswith("statistics/") else "1"
        path = "/api/v1/" + url.replace("{pk}", key)
        assert client.get(path).status_code in (401, 405), path


@pytest.mark.parametrize("teacher", list(world.TEACHERS))
def test_api_gives_a_teacher_their_own_records_only(client, w, teacher):
    """Through the API as on the pages: a seconded teacher lists and reads the
    records of their own secondment, nothing of any other kind or person, and
    changes no record it may not change."""
    own, other = world.TEACHERS[teacher]
    user = w[teacher]
    client.force_login(user)
    wrong = []
    for prefix, viewset in model_viewsets():
        model = viewset.model
        listed = client.get(f"/api/v1/{prefix}/?page_size=500")
        ids = (
            [row.get("id") for row in listed.json()["results"]]
            if listed.status_code == 200
            else []
        )
        mine = objects_for(w, own)[model] if model in world.TEACHER_MODELS else None
        if ids != ([mine.pk] if mine else []):
            wrong.append((teacher, "listed", prefix, ids))
        theirs = objects_for(w, other)[model]
        before = snapshot(model, theirs.pk)
        for method in ("get", "patch", "delete"):
            response = getattr(client, method)(
                f"/api/v1/{prefix}/{theirs.pk}/", content_type="application/json"
            )
            if response.status_code not in (404, 405):
                wrong.append((teacher, method, prefix, response.status_code))
        if snapshot(model, theirs.pk) != before:
            wrong.append((teacher, "changed", prefix))
        if mine is not None:
            before = snapshot(model, mine.pk)
            with transaction.atomic():
                response = client.patch(
                    f"/api/v1/{prefix}/{mine.pk}/", {}, content_type="application/json"
                )
                transaction.set_rollback(True)
            may = can_change(user, mine)
            if (response.status_code == 403) == may and response.status_code != 405:
                wrong.append((teacher, "patch own", prefix, response.status_code))
            if not may and snapshot(model, mine.pk) != before:
                wrong.append((teacher, "changed own", prefix))
    assert wrong == []
