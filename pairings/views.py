from django.utils.translation import gettext_lazy as _

from core.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)

from . import selectors
from .filtersets import (
    AgreementFilterSet,
    PairingFilterSet,
    ProgrammeFilterSet,
    SchoolFilterSet,
)
from .forms import (
    AgreementForm,
    AgreementTargetFormSet,
    PairingForm,
    ProgrammeForm,
    SchoolForm,
)
from .models import Agreement, Pairing, Programme, School


class SchoolList(ObjectListView):
    model = School
    filterset_class = SchoolFilterSet
    default_ordering = ("code",)
    columns = [
        Column(_("school code"), "code", sort="code"),
        Column(_("name"), "name", sort="name", link=True),
        Column(_("region"), "region.name", sort="region__path"),
        Column(_("stage"), "get_stage_display", sort="stage"),
        Column(_("urban or rural"), "get_locality_display"),
        Column(_("weak school"), "is_weak", kind="bool"),
        Column(_("model school"), "is_model", kind="bool"),
    ]

    def base_queryset(self):
        return School.objects.select_related("region")


class ProgrammeList(ObjectListView):
    model = Programme
    filterset_class = ProgrammeFilterSet
    default_ordering = ("-cycle_start",)
    columns = [
        Column(_("name"), "name", sort="name", link=True),
        Column(_("kind"), "get_kind_display", sort="kind"),
        Column(_("issuing body"), "issuing_body"),
        Column(_("document number"), "document_number"),
        Column(_("owning region"), "region.name"),
        Column(_("cycle start"), "cycle_start", sort="cycle_start", kind="date"),
        Column(_("cycle end"), "cycle_end", sort="cycle_end", kind="date"),
    ]

    def base_queryset(self):
        return Programme.objects.select_related("region")


class PairingList(ObjectListView):
    model = Pairing
    filterset_class = PairingFilterSet
    default_ordering = ("-start_date",)
    columns = [
        Column(_("name"), "name", sort="name", link=True),
        Column(_("supporting schools"), "supporting_names"),
        Column(_("receiving schools"), "receiving_names"),
        Column(_("programme"), "programme.name", sort="programme__name"),
        Column(_("mode"), "get_mode_display", sort="mode"),
        Column(_("status"), "get_status_display", sort="status"),
        Column(_("start date"), "start_date", sort="start_date", kind="date"),
        Column(_("end date"), "end_date", sort="end_date", kind="date"),
    ]

    def base_queryset(self):
        return Pairing.objects.select_related("programme").prefetch_related(
            selectors.party_names_prefetch()
        )


class AgreementList(ObjectListView):
    model = Agreement
    filterset_class = AgreementFilterSet
    default_ordering = ("-signed_on",)
    columns = [
        Column(_("title"), "title", sort="title", link=True),
        Column(_("pairing"), "pairing.name", sort="pairing__name"),
        Column(_("kind"), "get_kind_display", sort="kind"),
        Column(_("signed on"), "signed_on", sort="signed_on", kind="date"),
    ]

    def base_queryset(self):
        return Agreement.objects.select_related("pairing")


class SchoolDetail(ObjectDetailView):
    model = School
    template_name = "pairings/school_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        school = context["object"]
        context["profiles"] = school.profiles.all()
        context["former_names"] = school.former_names.all()
        pairings = selectors.pairing_list(user=self.request.user).filter(
            parties__school=school
        )
        context["as_supporter"] = pairings.filter(
            parties__side="supporting", parties__school=school
        )
        context["as_receiver"] = pairings.filter(
            parties__side="receiving", parties__school=school
        )
        return context


class ProgrammeDetail(ObjectDetailView):
    model = Programme


class AgreementDetail(ObjectDetailView):
    model = Agreement
    template_name = "pairings/agreement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["targets"] = context["object"].targets.all()
        return context


class SchoolEdit(ObjectEditView):
    model = School
    form_class = SchoolForm


class ProgrammeEdit(ObjectEditView):
    model = Programme
    form_class = ProgrammeForm


class PairingEdit(ObjectEditView):
    model = Pairing
    form_class = PairingForm


class AgreementEdit(ObjectEditView):
    model = Agreement
    form_class = AgreementForm
    formsets = {"targets": AgreementTargetFormSet}


class SchoolDelete(ObjectDeleteView):
    model = School


class ProgrammeDelete(ObjectDeleteView):
    model = Programme


class PairingDelete(ObjectDeleteView):
    model = Pairing


class AgreementDelete(ObjectDeleteView):
    model = Agreement
