"""The download centre (我的导出): the user's export jobs, their progress, download
and retry. A job belongs to the user who asked; anyone else gets 404, administrators
included (``jobs.jobs_of``, as in the API).

An export is asked for through the statistics form (``ExportForm``): out of scope
is 404, a malformed value goes back to the statistics page with its message; in
neither case is a job created."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from core import storage
from core.scope import scope_of
from reporting.choices import ExportStatus
from reporting.exports import jobs as exports
from reporting.models import ExportJob
from reporting.statistics import registry
from reporting.statistics.forms import ExportForm, defaults, errors_text, valid_or_404


def own_job(request, pk) -> ExportJob:
    job = exports.jobs_of(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def file_response(job: ExportJob) -> FileResponse:
    """The finished job's workbook from the exports storage, under its download
    name; 404 until the job is done and once its file expired. For the page and
    the API (which answers DRF's 404 for ``Http404``)."""
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    try:
        handle = storage.exports().open(job.file, "rb")
    except FileNotFoundError:  # expired and cleaned up
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=exports.download_name(job)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def job_state(job: ExportJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "progress": job.progress,
        "stage": job.stage,
        "error": job.error,
        "note": exports.note(job),
        "retry": exports.can_retry(job),
        "size": job.file_size,
        "download": reverse("reporting:export_download", args=[job.pk])
        if job.status == ExportStatus.DONE
        else None,
    }


class ExportList(LoginRequiredMixin, TemplateView):
    template_name = "reporting/exports.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jobs = exports.jobs_of(self.request.user).order_by("-created_at")
        context["page"] = Paginator(jobs, 50).get_page(self.request.GET.get("page"))
        for job in context["page"]:
            job.note, job.can_retry = exports.note(job), exports.can_retry(job)
        exports.describe(context["page"])
        return context


class ExportRequest(LoginRequiredMixin, View):
    """POST from a statistics page: ask for a workbook, then watch its progress."""

    def post(self, request):
        scope = scope_of(request.user)
        if scope.is_empty or (
            scope.school_ids and not scope.region_paths and not scope.is_admin
        ):
            raise Http404
        data = {**defaults(), **request.POST.dict()}
        form = ExportForm(data, user=request.user)
        if not valid_or_404(form):
            messages.error(
                request,
                _("The export was not started: %(errors)s.")
                % {"errors": errors_text(form)},
            )
            return redirect(_statistics_page(form, data))
        job, outcome = exports.export_request(
            user=request.user, table=form.cleaned_data["table"], spec=form.spec()
        )
        said = exports.outcome_message(job, outcome)
        if said:
            messages.info(request, said)
        return redirect("reporting:export_detail", pk=job.pk)


def _statistics_page(form: ExportForm, data: dict) -> str:
    """Back to the table's page (the index for an unknown table), with the values
    sent, where the form shows what is wrong with them."""
    table = data.get("table")
    query = urlencode({k: v for k, v in data.items() if k in form.fields})
    if table in registry.available():
        return f"{reverse('reporting:statistics_table', args=[table])}?{query}"
    return f"{reverse('reporting:statistics')}?{query}"


class ExportDetail(LoginRequiredMixin, TemplateView):
    """The job's page: a progress bar that updates itself until the file is ready."""

    template_name = "reporting/export_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = own_job(self.request, self.kwargs["pk"])
        context.update({"job": job, "state": job_state(job)})
        return context


class ExportStatusView(LoginRequiredMixin, View):
    def get(self, request, pk):
        return JsonResponse(job_state(own_job(request, pk)))


class ExportDownload(LoginRequiredMixin, View):
    def get(self, request, pk):
        return file_response(own_job(request, pk))


class ExportRetry(LoginRequiredMixin, View):
    """重试, saying what it did: started again, queued again, already being built,
    already done, or refused (the filters no longer hold) with the reason."""

    def post(self, request, pk):
        job, outcome = exports.export_retry(job=own_job(request, pk))
        said = exports.outcome_message(job, outcome)
        if outcome == exports.Outcome.REFUSED:
            messages.error(request, said)
        elif outcome in (exports.Outcome.RUNNING, exports.Outcome.DONE):
            messages.info(request, said)
        else:
            messages.success(request, said)
        return redirect("reporting:export_detail", pk=job.pk)
