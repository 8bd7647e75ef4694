"""Excel import pages: templates, upload, the check's result with every error,
the marked workbook, confirm, cancel and undo. A job belongs to the user who
uploaded it; anyone else gets 404 (``jobs.jobs_of``)."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from core.scope import can_change, visible
from pairings.models import Pairing

from . import batch, exports, jobs, workbooks
from .forms import ConfirmForm, UploadForm
from .types import REGISTRY

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# On the page: the first errors; all of them are in the marked workbook.
ERRORS_SHOWN = 500


def own_job(request, pk):
    job = jobs.jobs_of(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def job_state(job) -> dict:
    progress, stage = jobs.progress_of(job)
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "progress": progress,
        "stage": stage,
        "error": job.error,
        "counts": job.counts,
    }


class ImportIndex(LoginRequiredMixin, TemplateView):
    template_name = "imports/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["types"] = [
            cls for slug, cls in REGISTRY.items() if jobs.may_import(user, slug)
        ]
        context.setdefault("form", UploadForm(user=user))
        context["page"] = Paginator(
            jobs.jobs_of(user).order_by("-created_at"), 20
        ).get_page(self.request.GET.get("page"))
        for job in context["page"]:
            cls = REGISTRY.get(job.record_type)
            job.type_title = cls.title if cls else job.record_type
        return context

    def post(self, request, *args, **kwargs):
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                job = jobs.import_upload(
                    user=request.user,
                    record_type=form.cleaned_data["record_type"],
                    upload=form.cleaned_data["file"],
                )
            except ValidationError as problem:
                for field, errors in problem.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except PermissionDenied:
                form.add_error(
                    "record_type", _("You may not import records of this kind.")
                )
            else:
                return redirect("imports:detail", job.pk)
        return self.render_to_response(self.get_context_data(form=form))


class TemplateDownload(LoginRequiredMixin, View):
    """The blank template, or (``?filled=1``) with the user's records in it."""

    def get(self, request, slug):
        cls = REGISTRY.get(slug)
        if cls is None or not jobs.may_import(request.user, slug):
            raise Http404
        records = None
        if request.GET.get("filled"):
            records = cls.queryset(request.user).order_by("pk")
        workbook = workbooks.template(cls, records)
        response = HttpResponse(content_type=XLSX)
        stamp = timezone.localdate().strftime("%Y%m%d")
        name = (
            f"{cls.title}导入模板.xlsx"
            if records is None
            else f"{cls.title}_{stamp}.xlsx"
        )
        response["Content-Disposition"] = _attachment(name)
        workbook.save(response)
        return response


def _attachment(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"import.xlsx\"; filename*=UTF-8''{quote(name)}"


class ImportDetail(LoginRequiredMixin, TemplateView):
    template_name = "imports/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = own_job(self.request, kwargs["pk"])
        job.progress, job.stage = jobs.progress_of(job)  # shown, not saved
        cls = REGISTRY.get(job.record_type)
        context.update(
            job=job,
            title=cls.title if cls else job.record_type,
            running=job.status in jobs.RUNNING,
            problems=job.problems[:ERRORS_SHOWN],
            more_problems=max(0, len(job.problems) - ERRORS_SHOWN),
            confirm_form=ConfirmForm(),
            applied=job.counts.get("applied", {}),
            audit_url=reverse("audit_log") + f"?request_id={job.change_set}",
        )
        return context


class ImportStatusView(LoginRequiredMixin, View):
    def get(self, request, pk):
        return JsonResponse(job_state(own_job(request, pk)))


def marked_response(job) -> FileResponse:
    """The marked workbook (for the page and the API)."""
    if not job.error_file:
        raise Http404
    try:
        handle = default_storage.open(job.error_file, "rb")
    except FileNotFoundError:
        raise Http404 from None
    stem = job.file_name.rsplit(".", 1)[0]
    response = FileResponse(handle, content_type=XLSX)
    response["Content-Disposition"] = _attachment(f"{stem}_错误标注.xlsx")
    return response


class MarkedDownload(LoginRequiredMixin, View):
    def get(self, request, pk):
        return marked_response(own_job(request, pk))


class ImportAction(LoginRequiredMixin, View):
    """Confirm, cancel or undo: each says what it did, or why not."""

    action = ""

    def post(self, request, pk):
        job = own_job(request, pk)
        try:
            if self.action == "confirm":
                # The mode is checked by the job code, as for the API and CLI.
                jobs.import_confirm(job=job, mode=request.POST.get("mode", ""))
                messages.success(request, _("Importing: the rows are being written."))
            elif self.action == "cancel":
                jobs.import_cancel(job=job)
                messages.info(
                    request, _("The import was cancelled; nothing was written.")
                )
            elif self.action == "undo":
                count = jobs.import_undo(job=job)
                messages.success(
                    request,
                    _("The import was undone: %(count)s records put back as before.")
                    % {"count": count},
                )
        except ValidationError as problem:
            messages.error(request, "；".join(problem.messages))
        return redirect("imports:detail", job.pk)


class ListExportView(LoginRequiredMixin, View):
    """A list page's 导出 Excel: its filtered rows in the import template. A short
    list is the download itself; a long one is written by the worker."""

    def get(self, request, slug):
        cls = REGISTRY.get(slug)
        if cls is None or cls.filterset is None:
            raise Http404
        records = exports.listed(cls, request.user, request.GET)
        if records.count() > exports.inline_rows():
            job = exports.request_export(
                user=request.user, slug=slug, query=request.GET
            )
            return redirect("imports:list_detail", job.pk)
        folder = Path(tempfile.mkdtemp(prefix="list-export-"))
        path = folder / "list.xlsx"
        try:
            exports.write(cls, records, path)
            content = path.read_bytes()
        finally:
            path.unlink(missing_ok=True)
            folder.rmdir()
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = _attachment(exports.export_file_name(cls))
        return response


def own_list_export(request, pk):
    job = exports.exports_of(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


class ListExportDetail(LoginRequiredMixin, TemplateView):
    template_name = "imports/list_export.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = own_list_export(self.request, kwargs["pk"])
        cls = REGISTRY.get(job.record_type)
        context.update(
            job=job,
            title=cls.title if cls else job.record_type,
            running=job.status in ("pending", "running"),
        )
        return context

    def render_to_response(self, context, **kwargs):
        if self.request.GET.get("format") == "json":
            job = context["job"]
            return JsonResponse(
                {
                    "status": job.status,
                    "status_display": str(job.get_status_display()),
                    "progress": 100 if job.status == "done" else 0,
                    "stage": "",
                }
            )
        return super().render_to_response(context, **kwargs)


class ListExportDownload(LoginRequiredMixin, View):
    def get(self, request, pk):
        job = own_list_export(request, pk)
        if job.status != "done" or not job.file:
            raise Http404
        try:
            handle = default_storage.open(job.file, "rb")
        except FileNotFoundError:
            raise Http404 from None
        cls = REGISTRY[job.record_type]
        response = FileResponse(handle, content_type=XLSX)
        response["Content-Disposition"] = _attachment(exports.export_file_name(cls))
        return response


class BatchSecondments(LoginRequiredMixin, TemplateView):
    """A pairing page's 批量录入: several secondments at once, persons created
    inline. Out of scope is 404; a user who may not change the pairing, 403."""

    template_name = "imports/batch_secondments.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.pairing = (
            visible(Pairing.objects.all(), request.user)
            .prefetch_related("parties__school")
            .filter(pk=kwargs["pk"])
            .first()
        )
        if self.pairing is None:
            raise Http404
        if not can_change(request.user, self.pairing) or not jobs.may_import(
            request.user, "secondments"
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def row_count(self, data) -> int:
        try:
            wanted = int(data.get("rows", batch.ROWS))
        except ValueError:
            wanted = batch.ROWS
        return max(1, min(wanted, batch.MAX_ROWS))

    def get_context_data(self, rows=None, count=None, **kwargs):
        context = super().get_context_data(**kwargs)
        count = count or self.row_count(self.request.GET)
        by_number = {row.number: row for row in rows or []}
        columns = batch.columns()
        choices = batch.choices(self.pairing)
        lines = []
        for n in range(count):
            row = by_number.get(n + 1)
            lines.append(
                [
                    {
                        "name": f"r{n}-{c.name}",
                        "column": c,
                        "value": row.cells.get(c.name, "") if row else "",
                        "error": row.errors.get(c.name, "") if row else "",
                        "choices": choices.get(c.name),
                        "date": c.number_format == "yyyy-mm-dd",
                        "wide": c.name in ("sending_school", "host_school"),
                    }
                    for c in columns
                ]
                + [{"row_error": row.errors.get("", "") if row else ""}]
            )
        context.update(
            pairing=self.pairing,
            columns=columns,
            lines=lines,
            count=count,
            more=min(count + batch.ROWS, batch.MAX_ROWS),
        )
        return context

    def post(self, request, *args, **kwargs):
        count = self.row_count(request.POST)
        rows = batch.rows_from(request.POST, count)
        if "more" in request.POST:  # more lines, keeping what was typed
            more = min(count + batch.ROWS, batch.MAX_ROWS)
            return self.render_to_response(self.get_context_data(rows=rows, count=more))
        if not rows:
            messages.error(request, _("Fill in at least one row."))
            return self.render_to_response(self.get_context_data(count=count))
        saved, valid = batch.save(user=request.user, pairing=self.pairing, rows=rows)
        if not valid:
            messages.error(
                request,
                _("Nothing was saved: correct the rows marked in red and save again."),
            )
            return self.render_to_response(
                self.get_context_data(rows=rows, count=count), status=200
            )
        messages.success(request, _("%(count)s secondments saved.") % {"count": saved})
        return redirect(self.pairing.get_absolute_url())
