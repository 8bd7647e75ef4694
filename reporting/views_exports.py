"""The download centre (我的导出): the user's export jobs, their progress, download
and retry. A job belongs to the user who asked; anyone else gets 404."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from core.scope import scope_of

from . import exports
from .choices import ExportStatus
from .models import ExportJob
from .statistics import registry
from .statistics.base import SPAN_KINDS, Spec


def own_job(request, pk) -> ExportJob:
    job = ExportJob.objects.filter(pk=pk, user=request.user).first()
    if job is None:
        raise Http404
    return job


def job_state(job: ExportJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "progress": job.progress,
        "stage": job.stage,
        "error": job.error,
        "size": job.file_size,
        "download": reverse("reporting:export_download", args=[job.pk])
        if job.status == ExportStatus.DONE
        else None,
    }


class ExportList(LoginRequiredMixin, TemplateView):
    template_name = "reporting/exports.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jobs = ExportJob.objects.filter(user=self.request.user).order_by("-created_at")
        context["page"] = Paginator(jobs, 50).get_page(self.request.GET.get("page"))
        context["stale"] = {j.pk for j in context["page"] if exports.is_stale(j)}
        return context


class ExportRequest(LoginRequiredMixin, View):
    """POST from a statistics page: ask for a workbook, then watch its progress."""

    def post(self, request):
        scope = scope_of(request.user)
        if scope.is_empty or (
            scope.school_ids and not scope.region_paths and not scope.is_admin
        ):
            raise Http404
        table = request.POST.get("table", "")
        data = {k: v for k, v in request.POST.items() if k in Spec.__dataclass_fields__}
        for key in ("year", "semester", "programme", "region"):
            if data.get(key):
                if not str(data[key]).isdigit():
                    raise Http404
                data[key] = int(data[key])
            else:
                data.pop(key, None)
        if data.get("span", "school_year") not in SPAN_KINDS:
            raise Http404
        if table != registry.YEARLY and table not in registry.available():
            raise Http404
        job, created = exports.export_request(
            user=request.user, table=table, spec=Spec.from_dict(data)
        )
        if not created:
            messages.info(
                request, _("The same export is already being built: showing it.")
            )
        return redirect("reporting:export_detail", pk=job.pk)


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
        job = own_job(request, pk)
        if job.status != ExportStatus.DONE or not job.file:
            raise Http404
        path = exports.file_path(job)
        if not path.is_file():  # expired and cleaned up
            raise Http404
        response = FileResponse(
            path.open("rb"), as_attachment=True, filename=exports.download_name(job)
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ExportRetry(LoginRequiredMixin, View):
    def post(self, request, pk):
        job = own_job(request, pk)
        exports.export_retry(job=job)
        messages.success(request, _("The export was started again."))
        return redirect("reporting:export_detail", pk=job.pk)
