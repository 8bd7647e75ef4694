"""Upload, download and removal of semester report attachments.

Every view finds its report or attachment through the data scope first: whatever the
method, a user who cannot see the report gets 404, before anything else is said."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import View

from core.generic import ScopedMixin
from core.scope import visible
from reporting.models import ReportAttachment, SemesterReport
from reporting.reports.attachments import (
    attachment_add,
    attachment_delete,
    attachments_context,
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


LEVELS = {"success": messages.SUCCESS, "danger": messages.ERROR}


def in_place(request) -> bool:
    """Asked by the page's script, which swaps the attachments card in."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def refused(request, report, exc: PermissionDenied):
    """The report can no longer be edited (approved meanwhile, say): the script
    is told so in the card, which no longer offers an upload; a plain form post
    gets the 403 page."""
    if not in_place(request):
        raise exc
    return answer(request, report, [("danger", str(exc))], status=403)


def answer(request, report, notices: list[tuple[str, str]], *, status=200):
    """What an upload or removal says. The page's script (static/js/attachments.js)
    asks for the attachments card alone, with the notices in it, and swaps it in: the
    page and the unsaved text in its form stay. Without the script, the notices go
    to the next page and the browser goes back to the report form."""
    if in_place(request):
        context = {
            **attachments_context(report=report, user=request.user),
            "notices": notices,
        }
        return render(request, "reporting/_attachments.html", context, status=status)
    for level, text in notices:
        messages.add_message(request, LEVELS[level], text)
    return redirect(report_edit_url(report.pk))


class AttachmentUploadView(ScopedObjectView):
    model = SemesterReport
    http_method_names = ["post"]

    def base_queryset(self):
        return SemesterReport.objects.select_related("period", "school")

    def post(self, request, pk):
        report = self.object
        upload = request.FILES.get("file")
        if upload is None:
            return answer(
                request, report, [("danger", _("Choose a file to attach."))], status=400
            )
        try:
            attachment = attachment_add(report=report, user=request.user, upload=upload)
        except ValidationError as exc:
            notices = [("danger", message) for message in exc.messages]
            return answer(request, report, notices, status=400)
        except PermissionDenied as exc:
            return refused(request, report, exc)
        name = attachment.original_name
        return answer(
            request, report, [("success", _("Attached: %(name)s") % {"name": name})]
        )


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
        name = attachment.original_name
        try:
            attachment_delete(attachment=attachment, user=request.user)
        except PermissionDenied as exc:
            return refused(request, attachment.report, exc)
        return answer(
            request,
            attachment.report,
            [("success", _("Removed: %(name)s") % {"name": name})],
        )
