"""The compliance list: pairings filtered by rule, semester, region and result."""

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.filters import make_searchable
from core.forms import BootstrapMixin
from core.scope import visible
from pairings import periods
from pairings.models import Region
from reporting.models import ReportingPeriod

from . import engine as compliance
from .forecast import pairing_forecast

RESULTS = [
    ("", _("any result")),
    ("fail", _("fails")),
    ("pass", _("passes")),
    ("no_data", _("no data")),
]


class ComplianceFilter(BootstrapMixin, forms.Form):
    semester = forms.ModelChoiceField(
        ReportingPeriod.objects.all(), label=_("semester")
    )
    region = forms.ModelChoiceField(
        Region.objects.none(), label=_("region"), required=False
    )
    rule = forms.ChoiceField(
        label=_("rule"),
        required=False,
        choices=[("", _("all rules"))] + list(compliance.RULES.items()),
    )
    result = forms.ChoiceField(label=_("result"), required=False, choices=RESULTS)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = visible(
            Region.objects.filter(level__lte=3), user
        )
        make_searchable(self.fields["region"], self["region"].value())


class ComplianceList(LoginRequiredMixin, TemplateView):
    template_name = "reporting/compliance_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        latest = compliance.latest_period()
        data = self.request.GET.copy()
        if not data.get("semester") and latest:
            data["semester"] = latest.pk
        form = ComplianceFilter(data, user=self.request.user)
        rows, semester = [], None
        if form.is_valid():
            semester = form.cleaned_data["semester"]
            ordered = compliance.compliance_pairings(
                user=self.request.user,
                semester=semester,
                region=form.cleaned_data["region"],
            )
            rule, result = form.cleaned_data["rule"], form.cleaned_data["result"]
            if not result:
                # Unfiltered: judge only the page shown (thousands of pairings at
                # province level would take seconds).
                page = Paginator(ordered, 50).get_page(self.request.GET.get("page"))
                page.object_list = compliance.evaluate(
                    list(page.object_list), periods.semester(semester)
                )
                context.update(self._context(form, page, semester, None))
                return context
            rows = compliance.compliance_matching(
                compliance.evaluate(ordered, periods.semester(semester)),
                rule=rule,
                result=result,
            )
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        context.update(self._context(form, page, semester, len(rows)))
        return context

    def _context(self, form, page, semester, total):
        return {
            "form": form,
            "page": page,
            "semester": semester,
            "rules": list(compliance.RULES.items()),
            "total": total,
        }


def pairing_panel(request, pairing) -> dict:
    """The pairing page's yearly targets against what was done, and its compliance
    in a chosen semester (default: the latest)."""
    targets = [t for a in pairing.agreements.all() for t in a.targets.all()]
    actual = compliance.pairing_actuals(pairing, sorted({t.year for t in targets}))
    semesters = list(
        ReportingPeriod.objects.filter(
            start__lte=min(pairing.end_date, timezone.localdate()),
            end__gte=pairing.start_date,
        ).order_by("-start")
    )
    chosen = next(
        (p for p in semesters if str(p.pk) == request.GET.get("semester")),
        semesters[0] if semesters else None,
    )
    context = {
        "targets": [
            {
                "target": t,
                "actual": actual.get((t.year, t.metric), 0),
                "rate": _rate(actual.get((t.year, t.metric), 0), t.planned),
            }
            for t in targets
        ],
        "semesters": semesters,
        "semester": chosen,
        "compliance": None,
        # The current semester's forecast (early warning), whatever one is chosen.
        "forecast": pairing_forecast(pairing),
    }
    if chosen is not None:
        [context["compliance"]] = compliance.evaluate(
            [pairing], periods.semester(chosen)
        )
    return context


def _rate(actual, planned):
    """Completion rate in percent, not capped at 100."""
    if not planned:
        return None
    return round(float(actual) * 100 / float(planned), 1)
