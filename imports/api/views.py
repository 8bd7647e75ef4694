"""Excel import over the API: upload (the check starts), poll, read every error,
download the marked workbook, confirm, cancel, undo: the same job code as the
pages and the command line. Another user's import is 404."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api.viewsets import PlainViewSet
from imports import jobs
from imports.models import ImportJob
from imports.views import marked_response

from . import serializers


def _refused(problem: ValidationError):
    return exceptions.ValidationError({"detail": problem.messages})


@extend_schema_view(
    create=extend_schema(
        request={"multipart/form-data": serializers.ImportUploadSerializer},
        responses={202: serializers.ImportJobSerializer},
        description=_(
            "Upload a workbook: the worker checks every row without writing; poll "
            "the import until its status is checked, read the counts and every "
            "error, then confirm."
        ),
    )
)
class ImportJobViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PlainViewSet,
):
    """导入 Excel 工作簿 The user's imports of Excel workbooks."""

    schema_subject = ImportJob._meta.verbose_name_plural
    serializer_class = serializers.ImportJobSerializer
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self):
        return jobs.jobs_of(self.request.user).order_by("-created_at", "-pk")

    def create(self, request, *args, **kwargs):
        parsed = serializers.ImportUploadSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        try:
            job = jobs.import_upload(
                user=request.user,
                record_type=parsed.validated_data["record_type"],
                upload=parsed.validated_data["file"],
            )
        except ValidationError as problem:
            raise exceptions.ValidationError(problem.message_dict) from None
        except PermissionDenied as problem:
            raise exceptions.PermissionDenied(str(problem)) from None
        return Response(
            serializers.ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(
        request=serializers.ImportConfirmSerializer,
        responses={202: serializers.ImportJobSerializer},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """确认导入 Apply a checked import: the rows without errors, or (mode "all")
        every row only if none has an error."""
        parsed = serializers.ImportConfirmSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        job = self.get_object()
        try:
            jobs.import_confirm(job=job, mode=parsed.validated_data["mode"])
        except ValidationError as problem:
            raise _refused(problem) from None
        return Response(
            serializers.ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(request=None, responses={200: serializers.ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """取消 Drop a checked import without writing anything."""
        job = self.get_object()
        try:
            jobs.import_cancel(job=job)
        except ValidationError as problem:
            raise _refused(problem) from None
        return Response(serializers.ImportJobSerializer(job).data)

    @extend_schema(request=None, responses={200: serializers.ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """撤销 Remove what the import created and restore what it updated, while
        none of those records has been changed since."""
        job = self.get_object()
        try:
            jobs.import_undo(job=job)
        except ValidationError as problem:
            raise _refused(problem) from None
        return Response(serializers.ImportJobSerializer(job).data)

    @extend_schema(
        responses={
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): (OpenApiTypes.BINARY)
        }
    )
    @action(detail=True, methods=["get"])
    def marked(self, request, pk=None):
        """错误标注文件 The uploaded workbook with every bad cell marked."""
        return marked_response(self.get_object())


ROUTES = [("imports", ImportJobViewSet, "importjob")]
