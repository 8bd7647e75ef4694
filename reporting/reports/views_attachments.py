"""Upload, download and removal of semester report attachments.

Every view finds its report or attachment through the data scope first: whatever the
method, a user who cannot see the report gets 404, before anything else is said."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import View

from core.generic import ScopedMixin
from core.scope import visible
from reporting.models import ReportAttachment, SemesterReport
from reporting.reports.attachments import (
    attachment_add,
    attachment_delete,
    download_name,
)


def report_edit_url(report_id: int) -> str:
    try:
        return reverse("reporting:report_edit", args=[report_id])
    except NoReverseMatch:
        return "/"


def file_response(attachment: ReportAttachment) -> FileResponse:
    """The attachment's file under the name it was uploaded with, never rendered
    by the browser (404 when the stored file is missing). The caller has checked
    the scope."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(attachment),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response


class ScopedObjectView(ScopedMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)


class AttachmentUploadView(ScopedObjectView):
    model = SemesterReport
    http_method_names = ["post"]

    def base_queryset(self):
        return SemesterReport.objects.select_related("period", "school")

    def post(self, request, pk):
        report = self.object
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a file to attach."))
            return redirect(report_edit_url(report.pk))
        try:
            attachment = attachment_add(report=report, user=request.user, upload=upload)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Attached: %(name)s") % {"name": attachment.original_name}
            )
        return redirect(report_edit_url(report.pk))


class AttachmentMixin:
    model = ReportAttachment

    def get_queryset(self):
        """Attachments of the reports the user can see."""
        reports = visible(SemesterReport.objects.all(), self.request.user)
        return ReportAttachment.objects.filter(report__in=reports).select_related(
            "report__period"
        )


class AttachmentDownloadView(AttachmentMixin, ScopedObjectView):
    http_method_names = ["get"]

    def get(self, request, pk):
        return file_response(self.object)


class AttachmentDeleteView(AttachmentMixin, ScopedObjectView):
    http_method_names = ["post"]

    def post(self, request, pk):
        attachment = self.object
        name, report_id = attachment.original_name, attachment.report_id
        attachment_delete(attachment=attachment, user=request.user)
        messages.success(request, _("Removed: %(name)s") % {"name": name})
        return redirect(report_edit_url(report_id))
