"""The pairing page: everything a county clerk needs about one pairing in one place."""

from django.db.models import Prefetch, Sum
from django.utils import timezone

from core.generic import ObjectDetailView
from core.scope import can_write_model
from dispatch.models import Activity, Secondment, Stint
from projects.models import AidProject, Donation, FundingLine
from reporting.models import ReportingPeriod

from . import compliance, periods, selectors
from .models import Pairing


class PairingDetail(ObjectDetailView):
    model = Pairing
    template_name = "pairings/pairing_detail.html"

    def base_queryset(self):
        return Pairing.objects.select_related("programme").prefetch_related(
            selectors.parties_prefetch()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pairing = context["object"]
        secondments = list(
            Secondment.objects.filter(pairing=pairing)
            .select_related("person", "sending_school", "host_school")
            .prefetch_related(
                Prefetch("stints", queryset=Stint.objects.order_by("start"))
            )
            .order_by("-planned_start", "id")
        )
        for secondment in secondments:
            secondment.days_on_post = sum(s.days for s in secondment.stints.all())
        agreements = list(pairing.agreements.prefetch_related("targets"))
        targets = [t for a in agreements for t in a.targets.all()]
        actual = selectors.pairing_actuals(pairing, sorted({t.year for t in targets}))
        lines = FundingLine.objects.filter(pairing=pairing)
        context.update(
            {
                "parties": pairing.parties.all(),
                "agreements": agreements,
                "targets": [
                    {
                        "target": t,
                        "actual": actual.get((t.year, t.metric), 0),
                        "rate": _rate(actual.get((t.year, t.metric), 0), t.planned),
                    }
                    for t in targets
                ],
                "secondments": secondments,
                "activities": Activity.objects.filter(pairing=pairing).order_by(
                    "-date"
                )[:50],
                "activity_count": Activity.objects.filter(pairing=pairing).count(),
                "projects": AidProject.objects.filter(pairing=pairing).select_related(
                    "receiving_school"
                ),
                "funding": lines.values("kind")
                .annotate(total=Sum("amount"))
                .order_by("kind"),
                "donations": Donation.objects.filter(pairing=pairing).select_related(
                    "recipient_school"
                )[:50],
                "can_record_activity": can_write_model(self.request.user, Activity),
                **self.compliance_context(pairing),
            }
        )
        return context

    def compliance_context(self, pairing):
        semesters = list(
            ReportingPeriod.objects.filter(
                start__lte=min(pairing.end_date, timezone.localdate()),
                end__gte=pairing.start_date,
            ).order_by("-start")
        )
        chosen = next(
            (p for p in semesters if str(p.pk) == self.request.GET.get("semester")),
            semesters[0] if semesters else None,
        )
        if chosen is None:
            return {"semesters": [], "semester": None, "compliance": None}
        [result] = compliance.evaluate([pairing], periods.semester(chosen))
        return {"semesters": semesters, "semester": chosen, "compliance": result}


def _rate(actual, planned):
    """Completion rate in percent, not capped at 100."""
    if not planned:
        return None
    return round(float(actual) * 100 / float(planned), 1)
