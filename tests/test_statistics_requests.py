"""Every way of asking for a statistics table (the preview page, the export button,
the download centre's retry, the API's tables and export jobs) goes through one form
with one data scope; export jobs refuse to ship failed checks and show their
progress per table; previews are computed by the worker, never in the request."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dispatch.models import Activity
from reporting.exports import jobs as exports
from reporting.models import ExportJob
from reporting.statistics import base, previews, registry
from reporting.statistics.base import Spec
from reporting.tasks import build_export, build_preview

from . import world

pytestmark = pytest.mark.django_db

SPEC = {"span": "calendar_year", "year": "2024", "group": "region"}
TABLE = "partner_assistance"


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture
def queued(monkeypatch):
    """The preview tasks the pages queue, kept here instead of sent to a broker."""
    tasks = []
    monkeypatch.setattr(previews, "enqueue", lambda **kwargs: tasks.append(kwargs))
    return tasks


@pytest.fixture
def builds(monkeypatch):
    """Every table built, by code (the real builder still runs)."""
    calls = []
    real = registry.build

    def build(code, *, user, spec):
        calls.append(code)
        return real(code, user=user, spec=spec)

    monkeypatch.setattr(registry, "build", build)
    return calls


def run_queued(tasks):
    for kwargs in tasks:
        build_preview.apply(kwargs=kwargs).get()
    tasks.clear()


# The four ways in ---------------------------------------------------------------


def html_export(client, data):
    return client.post(reverse("reporting:export_request"), {"table": TABLE, **data})


def api_export(client, data):
    table = data.pop("table", TABLE)
    return client.post(
        f"/api/v1/exports/?{'&'.join(f'{k}={v}' for k, v in data.items())}",
        {"table": table},
        content_type="application/json",
    )


def preview_page(client, data):
    return client.get(reverse("reporting:statistics_table", args=[TABLE]), data)


def api_table(client, data):
    return client.get(f"/api/v1/statistics/{TABLE}/", data)


WAYS = [html_export, api_export, preview_page, api_table]


def out_of_scope(w):
    return {
        "other county's programme": {
            "span": "cycle",
            "programme": w["programme_L"].pk,
        },
        "the city above the county": {**SPEC, "region": w["A"].pk},
        "the province above the county": {**SPEC, "region": w["P1"].pk},
        "another county's region": {**SPEC, "region": w["B1"].pk},
        "no such region": {**SPEC, "region": 10**12},
    }


@pytest.mark.parametrize("way", WAYS, ids=lambda f: f.__name__)
def test_out_of_scope_is_404_and_creates_no_job(client, w, way, queued):
    client.force_login(w["xian"])
    for case, data in out_of_scope(w).items():
        response = way(client, dict(data))
        assert response.status_code == 404, (case, response.content[:300])
        assert ExportJob.objects.count() == 0, case
    assert queued == []


def test_regions_at_or_below_ones_own_are_accepted(client, w, queued):
    """The county its own region, the city below itself, administrators any."""
    for user, region in (("xian", "A1"), ("shi", "A1"), ("shi", "A"), ("admin", "L")):
        client.force_login(w[user])
        response = api_export(client, {**SPEC, "region": w[region].pk})
        assert response.status_code == 202, (user, region, response.json())
    client.force_login(w["xian"])
    assert html_export(client, {"span": "cycle", "programme": w["programme"].pk})[
        "Location"
    ].startswith("/exports/")
    assert ExportJob.objects.count() == 5


MALFORMED = [
    ({**SPEC, "year": "0"}, "year", "确保该值大于或等于2000"),
    (
        {"span": "range", "start": "2025-02-01", "end": "2025-01-01"},
        "end",
        "结束日期不能早于开始日期",
    ),
    ({"span": "range", "start": "2025-02-30", "end": "2025-03-01"}, "start", "日期"),
    ({**SPEC, "group": "county"}, "group", "选择一个有效的选项"),
    ({"span": "fortnight"}, "span", "选择一个有效的选项"),
    ({"span": "semester", "semester": "999999"}, "semester", "选择一个有效的选项"),
    ({"span": "semester"}, "semester", "该统计时段必填"),
    ({**SPEC, "region": "abc"}, "region", "请输入整数"),
    ({**SPEC, "table": "nope"}, "table", "nope"),
]


@pytest.mark.parametrize(("data", "field", "message"), MALFORMED)
def test_malformed_values_are_refused_in_chinese_through_the_api(
    client, w, data, field, message
):
    client.force_login(w["xian"])
    response = api_export(client, dict(data))
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    if field != "table":
        response = api_table(client, dict(data))
        assert response.status_code == 400
        assert message in " ".join(response.json()[field])
    assert ExportJob.objects.count() == 0


@pytest.mark.parametrize(("data", "field", "message"), MALFORMED)
def test_malformed_values_go_back_to_the_statistics_page(
    client, w, data, field, message, queued
):
    client.force_login(w["xian"])
    response = client.post(
        reverse("reporting:export_request"), {"table": TABLE, **data}, follow=True
    )
    assert ExportJob.objects.count() == 0
    (url, status), *_rest = response.redirect_chain
    assert status == 302 and url.startswith("/statistics/")
    body = response.content.decode()
    assert "未开始导出：" in body and message in body
    assert "Traceback" not in body and "ValueError" not in body
    assert queued == []  # the page shows the errors; nothing is computed


def test_a_retry_whose_filters_no_longer_hold_fails_in_chinese(
    client, w, django_capture_on_commit_callbacks
):
    client.force_login(w["xian"])
    old = ExportJob.objects.create(
        user=w["xian"],
        table=TABLE,
        filters={"span": "calendar_year", "year": 0, "group": "region"},
        status="failed",
    )
    # Asked for when the user was a city's staff; now the county's.
    moved = ExportJob.objects.create(
        user=w["xian"],
        table=TABLE,
        filters={**SPEC, "year": 2024, "region": w["A"].pk},
        status="failed",
    )
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("reporting:export_retry", args=[old.pk]), follow=True
        )
        api = client.post(f"/api/v1/exports/{moved.pk}/retry/")
    assert callbacks == []  # nothing queued
    old.refresh_from_db()
    assert old.status == "failed"
    assert old.error.startswith("筛选条件已不再有效（年度：确保该值大于或等于2000")
    assert old.error in response.content.decode()
    assert api.status_code == 202 and api.json()["status"] == "failed"
    moved.refresh_from_db()
    assert moved.error.startswith("筛选条件中的项目或地区超出您的数据范围")
    # A job queued before the scope changed is refused by the worker the same way.
    ExportJob.objects.filter(pk=moved.pk).update(status="pending")
    assert build_export.apply(args=[moved.pk]).get() == "failed"
    moved.refresh_from_db()
    assert moved.error.startswith("筛选条件中的项目或地区超出您的数据范围")


def test_a_failed_check_fails_the_job_naming_it(w, monkeypatch, settings):
    real = registry.build

    def build(code, *, user, spec):
        table = real(code, user=user, spec=spec)
        table.checks = [
            base.Check("表一资金合计与表四一致", "12.00", "12.00", ok=True),
            base.Check("表一资金合计与表四一致（县级）", "12.00", "9.50", ok=False),
        ]
        return table

    monkeypatch.setattr(registry, "build", build)
    job, _created = exports.export_request(
        user=w["xian"], table=TABLE, spec=Spec(span="calendar_year", year=2024)
    )
    assert build_export.apply(args=[job.pk]).get() == "failed"
    job.refresh_from_db()
    assert job.error == "校验未通过：表一资金合计与表四一致（县级）。未生成工作簿。"
    assert not (settings.EXPORT_ROOT.exists() and any(settings.EXPORT_ROOT.iterdir()))


def test_progress_is_recorded_per_table(w, monkeypatch):
    seen = []
    real = registry.build

    def build(code, *, user, spec):
        job = ExportJob.objects.get()
        seen.append((job.progress, job.stage))
        return real(code, user=user, spec=spec)

    monkeypatch.setattr(registry, "build", build)
    job, _created = exports.export_request(
        user=w["xian"], table=registry.YEARLY, spec=Spec(span="school_year", year=2024)
    )
    assert build_export.apply(args=[job.pk]).get() == "done"
    titles = registry.available()
    with translation.override("zh-hans"):
        stages = [f"正在计算：{titles[code]}" for code in titles]
    assert [stage for _p, stage in seen] == stages
    percents = [p for p, _s in seen]
    assert percents[0] == 5 and percents[-1] < 30
    assert percents == sorted(set(percents))  # one step per table, always forward


def test_an_unexpected_error_shows_no_python_text(w, monkeypatch, caplog):
    def build(code, *, user, spec):
        raise KeyError("partner_assistance_v2")

    monkeypatch.setattr(registry, "build", build)
    job, _created = exports.export_request(
        user=w["xian"], table=TABLE, spec=Spec(span="calendar_year", year=2024)
    )
    assert build_export.apply(args=[job.pk]).get() == "failed"
    job.refresh_from_db()
    assert job.error.startswith("服务器出错，未能完成，已记入日志。")
    assert "KeyError" not in job.error and "partner_assistance_v2" not in job.error
    assert "KeyError" in caplog.text


# Previews ------------------------------------------------------------------------


def test_the_first_request_queues_the_preview_and_waits(client, w, queued, builds):
    client.force_login(w["xian"])
    url = reverse("reporting:statistics_table", args=[TABLE])
    response = client.get(url, SPEC)
    assert response.status_code == 200
    assert [t.name for t in response.templates][
        0
    ] == "reporting/statistics_pending.html"
    body = response.content.decode()
    assert "正在计算…" in body and 'http-equiv="refresh"' in body
    assert builds == []  # nothing computed in the request
    assert len(queued) == 1
    assert client.get(url, SPEC).status_code == 200  # a second visitor waits too
    assert len(queued) == 1  # ... on the same task
    run_queued(queued)
    assert builds == [TABLE]
    response = client.get(url, SPEC)
    assert response.templates[0].name == "reporting/statistics_table.html"
    body = response.content.decode()
    assert "对口支援工作统计表" in body and "历下区" in body and "市南区" not in body
    assert response.context["export_fields"] == {**SPEC, "year": 2024}
    assert builds == [TABLE] and queued == []  # from the cache


def test_the_preview_key_is_per_scope_language_and_spec_and_data_version(
    w, django_capture_on_commit_callbacks
):
    spec = Spec(span="calendar_year", year=2024)
    twin = world.user("xian2", "bureau", w["A1"], manages=True)  # xian's scope

    def key(user="xian", code=TABLE, spec=spec, language="zh-hans"):
        user = twin if user == "twin" else w[user]
        return previews.key(user=user, code=code, spec=spec, language=language)

    first = key()
    assert key("twin") == first
    others = [
        key("shi"),
        key("duxue"),  # the same county, as inspector
        key(language="en"),
        key(spec=Spec(span="calendar_year", year=2025)),
        key(spec=Spec(span="calendar_year", year=2024, group="pairing")),
        key(code="roster"),
    ]
    assert len({first, *others}) == len(others) + 1
    with django_capture_on_commit_callbacks(execute=True):
        Activity.objects.create(
            pairing=w["pA1"],
            kind="lecture",
            title="专题讲座",
            date=dt.date(2024, 11, 5),
            host_side="receiving",
        )
    assert key() != first  # a write: the next visit computes again


def test_a_write_makes_the_page_compute_again(
    client, w, queued, builds, django_capture_on_commit_callbacks
):
    client.force_login(w["xian"])
    url = reverse("reporting:statistics_table", args=[TABLE])
    client.get(url, SPEC)
    run_queued(queued)
    assert client.get(url, SPEC).templates[0].name == "reporting/statistics_table.html"
    with django_capture_on_commit_callbacks(execute=True):
        Activity.objects.create(
            pairing=w["pA1"],
            kind="lecture",
            title="专题讲座",
            date=dt.date(2024, 11, 5),
            host_side="receiving",
        )
    response = client.get(url, SPEC)
    assert response.templates[0].name == "reporting/statistics_pending.html"
    assert len(queued) == 1


def test_a_failed_preview_says_so_in_chinese_and_can_be_asked_again(
    client, w, queued, monkeypatch, caplog
):
    real = registry.build

    def build(code, *, user, spec):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(registry, "build", build)
    client.force_login(w["xian"])
    url = reverse("reporting:statistics_table", args=[TABLE])
    client.get(url, SPEC)
    run_queued(queued)
    response = client.get(url, SPEC)
    body = response.content.decode()
    assert "统计表未能算出：" in body and "服务器出错" in body
    assert "ZeroDivisionError" not in body and "division by zero" not in body
    assert 'http-equiv="refresh"' not in body  # no reloading on a failure
    assert "ZeroDivisionError" in caplog.text
    assert queued == []
    monkeypatch.setattr(registry, "build", real)
    response = client.get(url, {**SPEC, "again": "1"})
    assert "正在计算…" in response.content.decode() and len(queued) == 1
    run_queued(queued)
    assert "历下区" in client.get(url, SPEC).content.decode()


def streamed(count, closed):
    def rows():
        try:
            for n in range(count):
                yield base.Row({"name": f"第{n}人"})
        finally:
            closed.append(True)

    return base.Table(
        code="roster",
        title="援派人员花名册",
        period_label="2024年",
        unit="单位：人",
        header=[[base.HeaderCell("姓名")]],
        columns=[base.Column("name", "text")],
        rows=rows(),
    )


def test_the_roster_preview_closes_its_rows(client, w, queued, monkeypatch):
    closed = []
    monkeypatch.setattr(
        registry, "build", lambda code, *, user, spec: streamed(30_000, closed)
    )
    result = previews.build(user=w["xian"], code="roster", spec=Spec())
    assert closed == [True]  # the generator's finally ran, at once
    assert len(result.table.rows) == previews.PREVIEW_ROWS and result.truncated
    client.force_login(w["xian"])
    response = client.get("/api/v1/statistics/roster/", {"limit": 3})
    assert len(response.json()["rows"]) == 3 and response.json()["more"]
    assert closed == [True, True]  # the API's page of rows too


def test_a_cached_preview_takes_a_fixed_number_of_queries(
    client, w, queued, monkeypatch
):
    """The user's scope memberships (the user's row, the session, the menu and
    the unread count come from the cache); not one row: the same for three rows
    and for five hundred."""
    closed = []
    client.force_login(w["xian"])
    counts = {}
    for code, data in (
        (TABLE, SPEC),
        ("roster", {**SPEC, "region": w["A1"].pk}),
    ):
        if code == "roster":
            monkeypatch.setattr(
                registry, "build", lambda code, *, user, spec: streamed(900, closed)
            )
        url = reverse("reporting:statistics_table", args=[code])
        client.get(url, data)
        run_queued(queued)
        client.get(url, data)  # warm the session
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, data)
        assert response.templates[0].name == "reporting/statistics_table.html"
        counts[code] = len(captured)
    assert len(response.context["rows"]) == previews.PREVIEW_ROWS
    assert counts == {TABLE: 1, "roster": 2}  # the roster names a region: one more


def test_previews_and_exports_share_a_cache_with_the_worker(settings):
    """The web server and the worker are two processes: a cache in memory would
    keep every preview from the page that waits for it."""
    backend = settings.CACHES["default"]["BACKEND"]
    assert "locmem" not in backend.lower()
    cache.set("duikou:probe", 1)
    assert cache.get("duikou:probe") == 1
