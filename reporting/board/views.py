"""The completeness board (报送情况): figures by region with drill-down, the list of
schools still missing, and reminders (催报) to them.

Bureau staff, inspectors and administrators read the board; only bureau staff and
administrators send reminders. School staff have no board (404)."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from core.filters import make_searchable
from core.forms import BootstrapMixin
from core.scope import ancestors, scope_of, visible
from pairings.models import Region
from reporting.board import selectors as board
from reporting.choices import ReportStatus
from reporting.models import ReportingPeriod

PAGE_SIZE = 50


class BoardFilter(BootstrapMixin, forms.Form):
    period = forms.ModelChoiceField(
        ReportingPeriod.objects.order_by("-start"),
        label=gettext_lazy("reporting period"),
        required=False,
    )
    region = forms.ModelChoiceField(
        Region.objects.none(), label=gettext_lazy("region"), required=False
    )
    direct = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = visible(Region.objects.all(), user)
        make_searchable(self.fields["region"], self["region"].value())


def latest_started_period():
    return (
        ReportingPeriod.objects.filter(start__lte=timezone.localdate())
        .order_by("-start")
        .first()
    )


def board_query(period, region=None, direct=False) -> str:
    params = {"period": period.pk}
    if region is not None:
        params["region"] = region.pk
    if direct:
        params["direct"] = 1
    return urlencode(params)


class BoardMixin(LoginRequiredMixin):
    """Regions' staff only; the filters (period: default the latest one started)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            scope = scope_of(request.user)
            if not (scope.is_admin or scope.region_paths):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def filters(self, data):
        data = data.copy()
        if not data.get("period"):
            default = latest_started_period()
            if default is not None:
                data["period"] = default.pk
        form = BoardFilter(data, user=self.request.user)
        form.is_valid()  # an invalid field is shown with its error and ignored
        cleaned = form.cleaned_data
        return form, cleaned.get("period"), cleaned.get("region"), cleaned.get("direct")


class BoardView(BoardMixin, TemplateView):
    template_name = "reporting/board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, period, region, _direct = self.filters(self.request.GET)
        context["form"] = form
        if period is None:
            return context
        result = board.completeness(
            user=self.request.user, period=period, region=region
        )
        rows = [
            {
                "row": row,
                "drill": None if row.direct else f"?{board_query(period, row.region)}",
                "missing_url": self.missing_url(period, row.region, row.direct),
            }
            for row in result.rows
        ]
        context.update(
            {
                "board": result,
                "rows": rows,
                "total_missing_url": self.missing_url(period, region),
                "crumbs": self.crumbs(region),
                "top_url": f"?{board_query(period)}",
            }
        )
        return context

    @staticmethod
    def missing_url(period, region, direct=False):
        query = board_query(period, region, direct)
        return f"{reverse('reporting:board_missing')}?{query}"

    def crumbs(self, region):
        """The chosen region's ancestors within the user's regions, top first."""
        if region is None:
            return []
        scope = scope_of(self.request.user)
        above = Region.objects.filter(path__in=ancestors(region.path)).order_by("path")
        return [r for r in above if scope.reaches(r.path)]


class MissingSchools(BoardMixin, TemplateView):
    template_name = "reporting/board_missing.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, period, region, direct = self.filters(self.request.GET)
        context["form"] = form
        if period is None:
            return context
        schools = board.missing_schools(
            user=self.request.user, period=period, region=region, direct=direct
        )
        page = Paginator(schools, PAGE_SIZE).get_page(self.request.GET.get("page"))
        for school in page:
            school.status_label = (
                ReportStatus(school.report_status).label
                if school.report_status
                else _("no report")
            )
        context.update(
            {
                "period": period,
                "region": region,
                "direct": direct,
                "page": page,
                "board_url": f"{reverse('reporting:board')}?"
                f"{board_query(period, region)}",
                "can_remind": board.can_remind(self.request.user),
            }
        )
        return context


class SendReminders(BoardMixin, View):
    """POST: remind the missing schools of the period (and region) in scope."""

    def post(self, request):
        if not board.can_remind(request.user):
            raise PermissionDenied
        form = BoardFilter(request.POST, user=request.user)
        if not form.is_valid() or form.cleaned_data["period"] is None:
            messages.error(request, _("Choose a reporting period."))
            return redirect("reporting:board")
        period = form.cleaned_data["period"]
        region = form.cleaned_data["region"]
        direct = form.cleaned_data["direct"]
        sent = board.reminders_send(
            user=request.user,
            period=period,
            region=region,
            direct=direct,
            link=request.build_absolute_uri(reverse("reporting:my_reports")),
        )
        if not sent.schools:
            messages.info(request, _("No school is missing a report."))
        else:
            messages.success(
                request,
                _("Reminders sent to %(users)s users at %(schools)s schools.")
                % {"users": sent.users, "schools": sent.reached},
            )
            if sent.reached < sent.schools:
                messages.warning(
                    request,
                    _(
                        "%(n)s schools have no active staff account and were not "
                        "reminded."
                    )
                    % {"n": sent.schools - sent.reached},
                )
        query = board_query(period, region, direct)
        return redirect(f"{reverse('reporting:board_missing')}?{query}")
