"""The pairing page: everything a county clerk needs about one pairing in one place."""

from django.db.models import prefetch_related_objects

from core.generic import ObjectDetailView

from . import panels, selectors
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
        prefetch_related_objects([pairing], "agreements__targets")
        agreements = list(pairing.agreements.all())
        context.update(
            {
                "parties": pairing.parties.all(),
                "agreements": agreements,
                "targets": [
                    {"target": t, "actual": None, "rate": None}
                    for a in agreements
                    for t in a.targets.all()
                ],
                **panels.context(self.request, pairing),
            }
        )
        return context
