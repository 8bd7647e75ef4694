"""Semester reports: the school's "my reports", the report form, the report page with
its timeline and review actions, the bureau's review queue, reporting periods."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from core.generic import (
    Column,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedMixin,
    filtered,
)
from core.paginator import IdsFirstPaginator
from core.scope import scope_of, visible
from pairings.models import School
from reporting.choices import ReportAction, ReportStatus
from reporting.models import ReportingPeriod, SemesterReport
from reporting.reports import services
from reporting.reports.attachments import attachments_context
from reporting.reports.filtersets import (
    REPORT_ORDER,
    ReportingPeriodFilterSet,
    SemesterReportFilterSet,
)
from reporting.reports.forms import ReportForm, ReportingPeriodForm

TABS = {
    "todo": (gettext_lazy("To do"), [ReportStatus.DRAFT]),
    "returned": (gettext_lazy("Returned"), [ReportStatus.RETURNED]),
    "submitted": (gettext_lazy("Submitted"), [ReportStatus.SUBMITTED]),
    "approved": (gettext_lazy("Approved"), [ReportStatus.APPROVED]),
}


class MyReports(LoginRequiredMixin, TemplateView):
    """ "我的填报": the school's reports by state, and the periods still to start."""

    template_name = "reporting/my_reports.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scope = scope_of(self.request.user)
        if not scope.school_ids:
            raise Http404
        tab = self.request.GET.get("tab", "todo")
        tab = tab if tab in TABS else "todo"
        reports = SemesterReport.objects.filter(school_id__in=scope.school_ids)
        started = ReportingPeriod.objects.filter(start__lte=timezone.localdate())
        have = set(reports.values_list("school_id", "period_id"))
        expected = {}
        for period in started.order_by("-start"):
            schools = services.expected_schools(period).filter(pk__in=scope.school_ids)
            for school in schools:
                if (school.pk, period.pk) not in have:
                    expected.setdefault(period, []).append(school)
        context.update(
            {
                "tabs": [(key, label) for key, (label, _s) in TABS.items()],
                "tab": tab,
                "reports": reports.filter(status__in=TABS[tab][1])
                .select_related("school", "period")
                .order_by("-period__start", "school__name"),
                "not_started": expected if tab == "todo" else {},
                "counts": {
                    key: reports.filter(status__in=statuses).count()
                    for key, (_l, statuses) in TABS.items()
                },
            }
        )
        return context


class ReportStart(LoginRequiredMixin, View):
    """Open (creating and prefilling if needed) the school's report of a period."""

    def post(self, request, school, period):
        scope = scope_of(request.user)
        if school not in scope.school_ids and not scope.is_admin:
            raise Http404
        school = get_object_or_404(School, pk=school)
        period = get_object_or_404(ReportingPeriod, pk=period)
        report = services.report_for(school=school, period=period, user=request.user)
        return redirect("reporting:report_edit", pk=report.pk)


def reports_home(user) -> tuple[str, str] | None:
    """Where a report page's breadcrumb leads: the list of reports the user can
    open, as the menu offers it (the school's 我的填报, the bureau's 报告审核)."""
    scope = scope_of(user)
    if scope.school_ids:
        return _("My reports"), reverse("reporting:my_reports")
    if scope.is_admin or scope.region_paths:
        return _("Review queue"), reverse("reporting:review")
    return None


class ReportMixin(ScopedMixin):
    model = SemesterReport

    def base_queryset(self):
        return SemesterReport.objects.select_related("school__region", "period")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reports_home"] = reports_home(self.request.user)
        return context


class ReportEdit(ReportMixin, TemplateView):
    """The school's form. Saving names the version it was opened at: a second
    person's save is refused and their input is kept (optimistic locking)."""

    template_name = "reporting/report_form.html"

    @staticmethod
    def allowed(user, report):
        return services.can_edit(user, report)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        refusal = services.edit_refusal(request.user, self.object)
        if refusal is not None:
            if (
                request.method == "POST"
                and request.POST.get("action") == "submit"
                and services.already_submitted(request.user, self.object)
            ):
                # A second click on 提交, or the form resent from the back button.
                messages.info(request, _("Already submitted."))
                return redirect("reporting:report_detail", pk=self.object.pk)
            return self.refused(refusal)
        return super().dispatch(request, *args, **kwargs)

    def refused(self, refusal):
        """Why the report cannot be edited and who can change that, in the site's
        layout (403, nothing written)."""
        report = self.object
        context = {
            **self.get_context_data(),
            "report": report,
            "refusal": refusal.value,
            "reviewing_region": services.reviewing_region(report),
        }
        if refusal == services.EditRefusal.APPROVED:
            context["approval"] = services.last_event(report, ReportAction.APPROVE)
            context["unlocking_region"] = services.unlocking_region(report)
        if self.request.method == "POST":
            context["typed"] = self.typed(report)
        return self.response_class(
            request=self.request,
            template=["reporting/report_refused.html"],
            context=context,
            using=self.template_engine,
            status=403,
        )

    def typed(self, report) -> list[tuple[str, str]]:
        """What a refused save carried (the report was approved or submitted while
        the form was open): the texts, each with its label, shown back so that
        nothing typed is lost."""
        form = ReportForm(self.request.POST, report=report)
        texts = [(field.label, field.value()) for field in form.narrative_fields()]
        texts += [
            (f"{label}（{explain.label}）", explain.value())
            for label, _recorded, _field, explain in form.rows()
        ]
        return [(label, value) for label, value in texts if (value or "").strip()]

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.context(ReportForm(report=self.object)))

    def post(self, request, *args, **kwargs):
        form = ReportForm(request.POST, report=self.object)
        if form.is_valid():
            figures, explanations, narrative = form.split()
            try:
                report = services.report_save(
                    report=self.object,
                    user=request.user,
                    version=form.cleaned_data["version"],
                    figures=figures,
                    explanations=explanations,
                    narrative=narrative,
                )
                if request.POST.get("action") == "submit":
                    services.report_submit(report=report, user=request.user)
                    messages.success(request, _("Report submitted."))
                    return redirect("reporting:report_detail", pk=report.pk)
            except services.AlreadyDone as exc:
                messages.info(request, exc.messages[0])
                return redirect("reporting:report_detail", pk=self.object.pk)
            except services.ConflictError as exc:
                form.add_error(None, exc.messages[0])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    target = (
                        f"explain_{field}"
                        if f"explain_{field}" in form.fields
                        else None
                    )
                    form.add_error(target, errors)
            else:
                messages.success(request, _("Saved."))
                return redirect("reporting:report_edit", pk=report.pk)
        return self.render_to_response(self.context(form))

    def context(self, form):
        context = self.get_context_data()
        context.update(self.common_context())
        context.update(
            {
                "object": self.object,
                "form": form,
                "why_returned": services.why_returned(self.object),
                **attachments_context(report=self.object, user=self.request.user),
            }
        )
        return context


class ReportDetail(ReportMixin, ObjectDetailView):
    template_name = "reporting/report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, user = self.object, self.request.user
        prefilled = report.prefilled or {}
        context.update(
            {
                "report": report,
                "figures": [
                    (
                        SemesterReport._meta.get_field(name).verbose_name,
                        prefilled.get(name, "—"),
                        getattr(report, name),
                        report.explanations.get(name, ""),
                        str(prefilled.get(name)) != str(getattr(report, name))
                        and name in prefilled,
                    )
                    for name in services.prefill_module.FIGURES
                ],
                "events": report.events.select_related("actor"),
                **attachments_context(report=report, user=user),
                "can_review": report.status == ReportStatus.SUBMITTED
                and services.is_reviewer(user, report),
                "can_accept": report.period.second_level_review
                and report.status == ReportStatus.APPROVED
                and not report.accepted_at
                and services.is_superior(user, report),
                "can_unlock": report.status == ReportStatus.APPROVED
                and services.is_superior(user, report),
            }
        )
        return context


class ReportAct(ReportMixin, View):
    """POST one workflow step: submit, return, approve, accept, unlock."""

    def post(self, request, pk):
        report = self.get_object()
        action = request.POST.get("action", "")
        comment = request.POST.get("comment", "")
        steps = {
            "submit": lambda: services.report_submit(report=report, user=request.user),
            "return": lambda: services.report_return(
                report=report, user=request.user, comment=comment
            ),
            "approve": lambda: services.report_approve(
                report=report, user=request.user, comment=comment
            ),
            "accept": lambda: services.report_accept(report=report, user=request.user),
            "unlock": lambda: services.report_unlock(
                report=report, user=request.user, reason=comment
            ),
        }
        if action not in steps:
            raise Http404
        try:
            steps[action]()
        except services.AlreadyDone as exc:
            messages.info(request, exc.messages[0])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Done."))
        return redirect("reporting:report_detail", pk=report.pk)


class ReviewQueue(LoginRequiredMixin, TemplateView):
    """The bureau's reports, filtered by period, region, status and lateness, with
    bulk approval."""

    template_name = "reporting/review_queue.html"

    def get_context_data(self, **kwargs):
        scope = scope_of(self.request.user)
        if not (scope.is_admin or scope.region_paths):
            raise Http404
        context = super().get_context_data(**kwargs)
        # The API's reports endpoint filters and sorts with the same FilterSet
        # and order.
        reports = visible(SemesterReport.objects.all(), self.request.user)
        filterset, rows = filtered(
            SemesterReportFilterSet,
            self.request,
            reports.select_related("school__region", "period"),
        )
        context.update(
            {
                "form": filterset.form,
                "page": IdsFirstPaginator(
                    rows.order_by(*REPORT_ORDER, "pk"), 50
                ).get_page(self.request.GET.get("page")),
                "can_review": bool(scope.is_admin or scope.bureau_paths),
            }
        )
        return context

    def post(self, request):
        scope = scope_of(request.user)
        if not (scope.is_admin or scope.bureau_paths):
            raise PermissionDenied
        ids = [int(i) for i in request.POST.getlist("report") if i.isdigit()]
        reports = visible(SemesterReport.objects.filter(pk__in=ids), request.user)
        done, skipped = services.reports_approve_many(
            reports=reports.select_related("school__region", "period"),
            user=request.user,
        )
        messages.success(request, _("%(n)s reports approved.") % {"n": done})
        if skipped:
            messages.warning(
                request,
                _("Not approved (not submitted, or not yours to review): %(names)s")
                % {"names": "、".join(skipped)},
            )
        return redirect(f"{reverse('reporting:review')}?{request.GET.urlencode()}")


class PeriodList(ObjectListView):
    model = ReportingPeriod
    filterset_class = ReportingPeriodFilterSet
    default_ordering = ("-start",)
    columns = [
        Column(gettext_lazy("reporting period"), "__str__", link=True),
        Column(gettext_lazy("start"), "start", sort="start", kind="date"),
        Column(gettext_lazy("end"), "end", sort="end", kind="date"),
        Column(
            gettext_lazy("report deadline"), "deadline", sort="deadline", kind="date"
        ),
        Column(gettext_lazy("lock date"), "lock_date", sort="lock_date", kind="date"),
        Column(
            gettext_lazy("city accepts county approval"),
            "second_level_review",
            kind="bool",
        ),
    ]


class PeriodDetail(ObjectDetailView):
    model = ReportingPeriod


class PeriodEdit(ObjectEditView):
    model = ReportingPeriod
    form_class = ReportingPeriodForm
