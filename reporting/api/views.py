"""Reporting periods, semester reports with their workflow, compliance results,
statistics tables as JSON and export jobs."""

import dataclasses
from itertools import islice

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api.pagination import IdsFirstPagination
from core.api.viewsets import (
    Conflict,
    PlainViewSet,
    ScopedReadViewSet,
    ScopedViewSet,
    form_or_400,
    validation_errors,
)
from core.scope import scope_of
from pairings import periods
from pairings.models import School
from reporting.compliance import engine as compliance
from reporting.compliance.views import ComplianceFilter
from reporting.exports import jobs as exports
from reporting.exports import views as export_views
from reporting.models import (
    ExportJob,
    ReportAttachment,
    ReportEvent,
    ReportingPeriod,
    SemesterReport,
)
from reporting.reports import attachments, services, views
from reporting.reports.filtersets import (
    REPORT_ORDER,
    ReportAttachmentFilterSet,
    SemesterReportFilterSet,
)
from reporting.reports.views_attachments import file_response
from reporting.statistics import registry
from reporting.statistics.forms import (
    ExportForm,
    StatisticsForm,
    defaults,
    valid_or_404,
)
from reporting.statistics.previews import rows_closed

from . import serializers


class ReportingPeriodViewSet(ScopedViewSet):
    """报告期 Reporting periods (semesters with deadline and lock date); the same for
    every region, changed by the provincial bureau."""

    model = ReportingPeriod
    list_view = views.PeriodList
    edit_view = views.PeriodEdit
    deletable = False
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    serializer_class = serializers.ReportingPeriodSerializer


def _service_call(call):
    """Run a workflow service: its refusals become 400 (rules), 403 (rights) or
    409 (someone saved or reviewed in between); a step already done (a retried
    request) answers with the report as it is."""
    try:
        return call()
    except services.AlreadyDone as exc:
        return exc.report
    except services.ConflictError as exc:
        raise Conflict(exc.messages[0]) from exc
    except ValidationError as exc:
        raise exceptions.ValidationError(validation_errors(exc)) from exc


@extend_schema_view(
    partial_update=extend_schema(
        request=serializers.ReportSaveSerializer,
        responses={200: serializers.SemesterReportSerializer},
        description=_(
            "Save figures, explanations and narrative of a draft or returned report "
            "(school staff, until the lock date). A figure that differs from the "
            "records needs an explanation. Give the version you read; a report saved "
            "by someone else since is refused with 409 and nothing is written."
        ),
    ),
    create=extend_schema(
        request=serializers.ReportStartSerializer,
        responses={200: serializers.SemesterReportSerializer},
        description=_(
            "Open the school's report of a period, created as a draft prefilled from "
            "the records if it does not exist yet (school staff)."
        ),
    ),
)
class SemesterReportViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadViewSet
):
    """学期报告 Semester reports and their review workflow (submit, return, approve,
    accept, unlock), with the same rules as the browser: an approved report cannot
    be changed."""

    model = SemesterReport
    filterset_class = SemesterReportFilterSet
    serializer_class = serializers.SemesterReportSerializer
    pagination_class = IdsFirstPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    @classmethod
    def configure(cls):
        cls.ordering_fields = ["period__start", "submitted_at", "status"]

    def default_ordering(self):
        return REPORT_ORDER

    @staticmethod
    def queryset_extra(queryset):
        events = ReportEvent.objects.order_by("created_at", "pk")
        files = ReportAttachment.objects.order_by("created_at", "pk")
        return queryset.select_related("school__region", "period").prefetch_related(
            Prefetch("events", queryset=events),
            Prefetch("attachments", queryset=files),
        )

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.ReportStartSerializer
        if self.action == "partial_update":
            return serializers.ReportSaveSerializer
        if self.action in ("return_", "approve", "unlock", "submit", "accept"):
            return serializers.CommentSerializer
        if self.action == "attach":
            return serializers.AttachmentUploadSerializer
        return self.serializer_class

    def may_change(self, user, obj) -> bool:
        return True  # each service says who may do what

    def _answer(self, report):
        report = self.get_queryset().get(pk=report.pk)
        return Response(serializers.SemesterReportSerializer(report).data)

    def create(self, request, *args, **kwargs):
        parsed = serializers.ReportStartSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        scope = scope_of(request.user)
        school_id = parsed.validated_data["school"]
        if school_id not in scope.school_ids and not scope.is_admin:
            raise Http404
        school = get_object_or_404(School, pk=school_id)
        period = get_object_or_404(ReportingPeriod, pk=parsed.validated_data["period"])
        report = services.report_for(school=school, period=period, user=request.user)
        return self._answer(report)

    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        parsed = serializers.ReportSaveSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        from reporting.reports.prefill import FIGURES

        figures = {n: data.get(n, getattr(report, n)) for n in FIGURES}
        explanations = {**report.explanations, **data.get("explanations", {})}
        narrative = {n: data.get(n, getattr(report, n)) for n in services.NARRATIVE}
        report = _service_call(
            lambda: services.report_save(
                report=report,
                user=request.user,
                version=data["version"],
                figures=figures,
                explanations=explanations,
                narrative=narrative,
            )
        )
        return self._answer(report)

    def _step(self, request, call):
        report = self.get_object()
        # A step without a comment may be posted with no body at all.
        empty = request.META.get("CONTENT_LENGTH") in (None, "", "0")
        parsed = serializers.CommentSerializer(data={} if empty else request.data)
        parsed.is_valid(raise_exception=True)
        comment = parsed.validated_data.get("comment", "")
        report = _service_call(lambda: call(report, request.user, comment))
        return self._answer(report)

    @extend_schema(responses={200: serializers.SemesterReportSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """提交 Submit a draft or returned report (school staff)."""
        return self._step(
            request, lambda r, u, c: services.report_submit(report=r, user=u)
        )

    @extend_schema(responses={200: serializers.SemesterReportSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        """退回 Return a submitted report with a comment (the reviewing bureau)."""
        return self._step(
            request,
            lambda r, u, c: services.report_return(report=r, user=u, comment=c),
        )

    @extend_schema(responses={200: serializers.SemesterReportSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """审核通过 Approve a submitted report (the reviewing bureau); it is then
        locked."""
        return self._step(
            request,
            lambda r, u, c: services.report_approve(report=r, user=u, comment=c),
        )

    @extend_schema(responses={200: serializers.SemesterReportSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """市级确认 Accept a county's approval (city bureau, where the period asks
        for it)."""
        return self._step(
            request, lambda r, u, c: services.report_accept(report=r, user=u)
        )

    @extend_schema(responses={200: serializers.SemesterReportSerializer})
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        """解锁 Unlock an approved or locked report with a reason (a superior
        bureau)."""
        return self._step(
            request,
            lambda r, u, c: services.report_unlock(report=r, user=u, reason=c),
        )

    @extend_schema(
        request={"multipart/form-data": serializers.AttachmentUploadSerializer},
        responses={201: serializers.ReportAttachmentSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="attachments",
        parser_classes=[MultiPartParser],
    )
    def attach(self, request, pk=None):
        """上传附件 Attach a file to a draft or returned report (school staff, until
        the lock date), sent as multipart/form-data in the field ``file``. Photos
        (JPEG, PNG), PDF files and Office documents are accepted, by content."""
        report = self.get_object()
        parsed = serializers.AttachmentUploadSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        attachment = _service_call(
            lambda: attachments.attachment_add(
                report=report, user=request.user, upload=parsed.validated_data["file"]
            )
        )
        return Response(
            serializers.ReportAttachmentSerializer(attachment).data,
            status=status.HTTP_201_CREATED,
        )


class ReportAttachmentViewSet(mixins.DestroyModelMixin, ScopedReadViewSet):
    """报告附件 Attachments of the semester reports in scope: list, download, and
    removal by the school while its report can be edited. Upload with
    ``POST /api/v1/reports/{id}/attachments/``."""

    model = ReportAttachment
    filterset_class = ReportAttachmentFilterSet
    serializer_class = serializers.ReportAttachmentSerializer
    http_method_names = ["get", "delete", "head", "options"]

    @classmethod
    def configure(cls):
        cls.ordering_fields = ["created_at", "size", "original_name"]

    def default_ordering(self):
        return ("-created_at",)

    # No joins for the list: the rows carry ids only, and sorting 20,000 joined
    # rows took 90 ms against 7 ms. Removing one reads its report (two queries).
    def may_change(self, user, obj) -> bool:
        return services.can_edit(user, obj.report)

    def perform_destroy(self, instance):
        attachments.attachment_delete(attachment=instance, user=self.request.user)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """下载附件 The file, under the name it was uploaded with (404 when the stored
        file is missing)."""
        return file_response(self.get_object())


def _regions_only(user):
    """Statistics are for regions' staff and administrators: 404 for others, as in
    the browser."""
    scope = scope_of(user)
    if not (scope.is_admin or scope.region_paths):
        raise exceptions.NotFound()


COMPLIANCE_PARAMETERS = [
    OpenApiParameter(
        "semester",
        OpenApiTypes.INT,
        description=_("Reporting period id (default: the latest started)."),
    ),
    OpenApiParameter("region", OpenApiTypes.INT, description=_("region")),
    OpenApiParameter(
        "rule", OpenApiTypes.STR, enum=list(compliance.RULES), description=_("rule")
    ),
    OpenApiParameter(
        "result",
        OpenApiTypes.STR,
        enum=["fail", "pass", "no_data"],
        description=_("result"),
    ),
    OpenApiParameter("page", OpenApiTypes.INT, description=_("page")),
]


class ComplianceViewSet(PlainViewSet):
    """达标情况 Compliance of pairings with the programme's rules in a semester:
    figure, threshold and result per rule."""

    schema_subject = _("Compliance")
    serializer_class = serializers.CompliancePairingSerializer

    @extend_schema(parameters=COMPLIANCE_PARAMETERS)
    def list(self, request):
        data = request.query_params.copy()
        if not data.get("semester"):
            latest = compliance.latest_period()
            if latest is not None:
                data["semester"] = latest.pk
        form = ComplianceFilter(data, user=request.user)
        cleaned = form_or_400(form)
        semester = cleaned["semester"]
        pairings = compliance.compliance_pairings(
            user=request.user, semester=semester, region=cleaned["region"]
        )
        rule, result = cleaned["rule"], cleaned["result"]
        span = periods.semester(semester)
        if not result:
            page = self.paginate_queryset(pairings)
            rows = compliance.evaluate(list(page), span)
        else:
            rows = compliance.compliance_matching(
                compliance.evaluate(pairings, span), rule=rule, result=result
            )
            rows = self.paginate_queryset(rows)
        return self.get_paginated_response(
            [
                {
                    "pairing": row.pairing.pk,
                    "name": row.pairing.name,
                    "passed": row.passed,
                    "results": [fields_of(r) for r in row.results],
                }
                for row in rows
            ]
        )


STATISTICS_LIMIT = 1000
STATISTICS_PARAMETERS = [
    OpenApiParameter(
        "span",
        OpenApiTypes.STR,
        enum=[c for c, _l in StatisticsForm.base_fields["span"].choices],
        description=_("time span"),
    ),
    OpenApiParameter("year", OpenApiTypes.INT, description=_("year")),
    OpenApiParameter(
        "semester", OpenApiTypes.INT, description=_("Reporting period id.")
    ),
    OpenApiParameter("programme", OpenApiTypes.INT, description=_("programme")),
    OpenApiParameter("start", OpenApiTypes.DATE, description=_("from")),
    OpenApiParameter("end", OpenApiTypes.DATE, description=_("to")),
    OpenApiParameter(
        "group",
        OpenApiTypes.STR,
        enum=[c for c, _l in StatisticsForm.base_fields["group"].choices],
        description=_("rows"),
    ),
    OpenApiParameter("region", OpenApiTypes.INT, description=_("region")),
]


class StatisticsViewSet(viewsets.GenericViewSet):
    """统计表 The seven statistics tables as JSON, with the same figures as the
    preview and the workbook (regions' staff and administrators)."""

    schema_subject = _("statistics tables")
    serializer_class = serializers.StatisticsTableSerializer
    lookup_field = "code"
    lookup_value_regex = "|".join(registry.TABLES)
    filter_backends = []
    pagination_class = None

    @extend_schema(
        responses={200: serializers.StatisticsCatalogueSerializer(many=True)}
    )
    def list(self, request):
        """统计表目录 The tables there are: their codes (for
        ``/api/v1/statistics/{code}/`` and for export jobs) and titles."""
        _regions_only(request.user)
        return Response(
            [
                {"code": code, "title": str(title)}
                for code, title in registry.available().items()
            ]
        )

    @extend_schema(
        parameters=[
            *STATISTICS_PARAMETERS,
            OpenApiParameter(
                "offset",
                OpenApiTypes.INT,
                description=_("Rows to skip (row-per-record tables are long)."),
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=_("Rows to return, at most 1000."),
            ),
        ]
    )
    def retrieve(self, request, code=None):
        _regions_only(request.user)
        if code not in registry.available():
            raise exceptions.NotFound()
        form = StatisticsForm(
            {**defaults(), **request.query_params.dict()}, user=request.user
        )
        valid_or_404(form)
        form_or_400(form)
        offset = _bounded_int(request, "offset", 0, 0, 10**9)
        limit = _bounded_int(request, "limit", STATISTICS_LIMIT, 1, STATISTICS_LIMIT)
        # Computed in the request, unlike the page's preview: a program asks for
        # one page of rows and waits for it (the workbook is the way for a
        # province's table 1, see export jobs).
        table = registry.build(code, user=request.user, spec=form.spec())
        with rows_closed([table]):
            rows = list(islice(table.rows, offset, offset + limit + 1))
        return Response(
            {
                "code": table.code,
                "title": table.title,
                "unit_name": table.unit_name,
                "period_label": table.period_label,
                "unit": table.unit,
                "header": [
                    [fields_of(c) for c in header_row] for header_row in table.header
                ],
                "columns": [{"key": c.key, "kind": c.kind} for c in table.columns],
                "rows": [
                    {
                        "kind": row.kind,
                        "level": row.level,
                        "values": row.values,
                        "approximate": sorted(row.approximate),
                    }
                    for row in rows[:limit]
                ],
                "notes": table.notes,
                "checks": [fields_of(check) for check in table.checks],
                "offset": offset,
                "more": len(rows) > limit,
            }
        )


def _bounded_int(request, name, default, low, high) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise exceptions.ValidationError(
            {
                name: [
                    _("Give a whole number from %(low)s to %(high)s.")
                    % {"low": low, "high": high}
                ]
            }
        )
    return int(raw)


@extend_schema_view(
    create=extend_schema(
        request=serializers.ExportRequestSerializer,
        parameters=STATISTICS_PARAMETERS,
        responses={202: serializers.ExportJobSerializer},
        description=_(
            "Ask for a workbook: the worker builds it; poll the job until its status "
            "is done, then download. The same request while one is running joins it. "
            "The time span and grouping are query parameters, as for the tables. "
            "A programme or region outside your data scope is 404, and no job is "
            "created."
        ),
    )
)
class ExportJobViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PlainViewSet,
):
    """我的导出 The user's export jobs: ask, poll progress, download, retry. Another
    user's job is 404, for administrators too (as on the pages)."""

    schema_subject = ExportJob._meta.verbose_name_plural
    serializer_class = serializers.ExportJobSerializer

    def get_queryset(self):
        return exports.jobs_of(self.request.user).order_by("-created_at", "-pk")

    def create(self, request, *args, **kwargs):
        _regions_only(request.user)
        parsed = serializers.ExportRequestSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        form = ExportForm(
            {
                **defaults(),
                **request.query_params.dict(),
                "table": parsed.validated_data["table"],
            },
            user=request.user,
        )
        valid_or_404(form)
        cleaned = form_or_400(form)
        job, outcome = exports.export_request(
            user=request.user, table=cleaned["table"], spec=form.spec()
        )
        return _job_answer(job, outcome, status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): (OpenApiTypes.BINARY)
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """下载 The finished workbook (404 until the job is done, and after the file
        expired)."""
        return export_views.file_response(self.get_object())

    @extend_schema(
        request=None,
        responses={
            202: serializers.ExportJobSerializer,
            200: serializers.ExportJobSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """重试 Start a job that is not done again; it gives the same file. 202
        when it was started or queued again; 200 when there was nothing to do (it
        is being built, or done). Filters that no longer hold (the user's scope
        changed) fail the job at once, with the reason in ``error``. ``outcome``
        and ``message`` say what was done."""
        job, outcome = exports.export_retry(job=self.get_object())
        idle = outcome in (exports.Outcome.RUNNING, exports.Outcome.DONE)
        return _job_answer(
            job, outcome, status.HTTP_200_OK if idle else status.HTTP_202_ACCEPTED
        )


def _job_answer(job, outcome: str, code: int) -> Response:
    """The job, with what the request did (``outcome``) and the words for it."""
    message = exports.outcome_message(job, outcome)
    data = serializers.ExportJobSerializer(job).data
    return Response({**data, "outcome": outcome, "message": message}, status=code)


# The endpoints this app adds under /api/v1/ (prefix, viewset, basename); read by
# config/api_urls.py through the AppConfig's ``api`` attribute.
ROUTES = [
    ("reporting-periods", ReportingPeriodViewSet, "reportingperiod"),
    ("reports", SemesterReportViewSet, "semesterreport"),
    ("report-attachments", ReportAttachmentViewSet, "reportattachment"),
    ("compliance", ComplianceViewSet, "compliance"),
    ("statistics", StatisticsViewSet, "statistics"),
    ("exports", ExportJobViewSet, "exportjob"),
]


def fields_of(item) -> dict:
    """A dataclass's fields as a dict (slotted dataclasses have no ``__dict__``)."""
    return {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
