"""The compliance list: pairings filtered by rule, semester, region and result."""

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.filters import make_searchable
from core.forms import BootstrapMixin
from core.scope import visible
from reporting.models import ReportingPeriod

from . import compliance, periods, selectors
from .models import Region

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
    template_name = "pairings/compliance_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        latest = selectors.latest_period()
        data = self.request.GET.copy()
        if not data.get("semester") and latest:
            data["semester"] = latest.pk
        form = ComplianceFilter(data, user=self.request.user)
        rows, semester = [], None
        if form.is_valid():
            semester = form.cleaned_data["semester"]
            ordered = selectors.compliance_pairings(
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
            rows = selectors.compliance_matching(
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
