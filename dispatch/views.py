from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)
from core.scope import can_write_model
from pairings import periods

from . import services, work_log
from .choices import StintConfirmation
from .filtersets import ActivityFilterSet, PersonFilterSet, SecondmentFilterSet
from .forms import (
    ActivityForm,
    AppraisalForm,
    PersonForm,
    SecondmentForm,
    StintFormSet,
    StintSingleForm,
)
from .models import Activity, Appraisal, Person, Secondment, Stint


class PersonList(ObjectListView):
    model = Person
    filterset_class = PersonFilterSet
    default_ordering = ("name",)
    columns = [
        Column(pgettext_lazy("person", "name"), "name", sort="name", link=True),
        Column(_("gender"), "get_gender_display"),
        Column(_("home school"), "home_school.name", sort="home_school__name"),
        Column(_("subject"), "get_subject_display", sort="subject"),
        Column(_("professional title"), "get_title_display", sort="title"),
        Column(_("role"), "get_role_display"),
        Column(_("backbone teacher"), "is_backbone", kind="bool"),
    ]

    def base_queryset(self):
        return Person.objects.select_related("home_school")


class SecondmentList(ObjectListView):
    model = Secondment
    filterset_class = SecondmentFilterSet
    default_ordering = ("-planned_start",)
    columns = [
        Column(_("person"), "person.name", sort="person__name", link=True),
        Column(_("direction"), "get_direction_display", sort="direction"),
        Column(_("kind"), "get_kind_display", sort="kind"),
        Column(_("sending school"), "sending_school.name"),
        Column(_("host school"), "host_school.name"),
        Column(_("batch"), "batch", sort="batch", kind="number"),
        Column(_("planned start"), "planned_start", sort="planned_start", kind="date"),
        Column(_("planned end"), "planned_end", sort="planned_end", kind="date"),
        Column(_("status"), "get_status_display", sort="status"),
    ]

    def base_queryset(self):
        return Secondment.objects.select_related(
            "person", "sending_school", "host_school"
        )


class ActivityList(ObjectListView):
    model = Activity
    filterset_class = ActivityFilterSet
    default_ordering = ("-date",)
    columns = [
        Column(_("date"), "date", sort="date", kind="date"),
        Column(_("title"), "title", sort="title", link=True),
        Column(_("kind"), "get_kind_display", sort="kind"),
        Column(_("pairing"), "pairing.name", sort="pairing__name"),
        Column(_("host side"), "get_host_side_display"),
        Column(
            _("teacher participants (person-times)"),
            "teacher_participants",
            sort="teacher_participants",
            kind="number",
        ),
        Column(
            _("student participants (person-times)"),
            "student_participants",
            sort="student_participants",
            kind="number",
        ),
    ]

    def base_queryset(self):
        return Activity.objects.select_related("pairing")


class PersonDetail(ObjectDetailView):
    model = Person
    template_name = "dispatch/person_detail.html"
    fields = [
        "name",
        "gender",
        "home_school",
        "role",
        "subject",
        "stage",
        "title",
        "is_backbone",
        "honours",
        "phone",
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = context["object"]
        context["secondments"] = (
            person.secondments.select_related(
                "pairing", "host_school", "sending_school"
            )
            .prefetch_related(
                Prefetch("stints", queryset=Stint.objects.order_by("start")),
                "appraisals",
            )
            .order_by("-planned_start")
        )
        context["masked_id_number"] = person.masked_id_number
        return context


class SecondmentDetail(ObjectDetailView):
    model = Secondment
    template_name = "dispatch/secondment_detail.html"

    def base_queryset(self):
        return Secondment.objects.select_related(
            "person", "pairing", "sending_school", "host_school"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        secondment = context["object"]
        context["stints"] = list(
            secondment.stints.select_related("confirmed_by").order_by("start")
        )
        context["days_on_post"] = periods.days_on_post_of(context["stints"])
        context["days_confirmed"] = periods.days_on_post_of(
            [
                s
                for s in context["stints"]
                if s.confirmation == StintConfirmation.CONFIRMED
            ]
        )
        context["appraisals"] = secondment.appraisals.all()
        user = self.request.user
        context.update(work_log.recent(secondment, user=user))
        context["can_add_stint"] = can_write_model(user, Stint)
        context["can_add_appraisal"] = services.may_appraise(user, secondment)
        # The stints of one secondment share their host school: one answer for all.
        context["can_confirm"] = bool(context["stints"]) and services.may_confirm(
            user, context["stints"][0]
        )
        context["back"] = self.request.get_full_path()
        return context


class ActivityDetail(ObjectDetailView):
    model = Activity
    template_name = "dispatch/activity_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["trainees"] = [
            p.person
            for p in context["object"].participations.select_related(
                "person__home_school"
            )
        ]
        return context


class AppraisalDetail(ObjectDetailView):
    model = Appraisal


class StintDetail(ObjectDetailView):
    model = Stint


class PersonEdit(ObjectEditView):
    model = Person
    form_class = PersonForm


class SecondmentEdit(ObjectEditView):
    model = Secondment
    form_class = SecondmentForm
    formsets = {"stints": StintFormSet}


class ActivityEdit(ObjectEditView):
    model = Activity
    form_class = ActivityForm


class AppraisalEdit(ObjectEditView):
    model = Appraisal
    form_class = AppraisalForm


class StintEdit(ObjectEditView):
    model = Stint
    form_class = StintSingleForm
    template_name = "dispatch/stint_form.html"

    def success_url(self, obj):
        from django.urls import reverse

        return reverse("dispatch:secondment_detail", args=[obj.secondment_id])


class PersonDelete(ObjectDeleteView):
    model = Person


class SecondmentDelete(ObjectDeleteView):
    model = Secondment


class ActivityDelete(ObjectDeleteView):
    model = Activity


class AppraisalDelete(ObjectDeleteView):
    model = Appraisal


class StintDelete(ObjectDeleteView):
    model = Stint


def pairing_panel(request, pairing) -> dict:
    """The pairing page's secondments (with days on post) and activities."""
    secondments = list(
        Secondment.objects.filter(pairing=pairing)
        .select_related("person", "sending_school", "host_school")
        .prefetch_related(Prefetch("stints", queryset=Stint.objects.order_by("start")))
        .order_by("-planned_start", "id")
    )
    for secondment in secondments:
        secondment.days_on_post = periods.days_on_post_of(secondment.stints.all())
    activities = Activity.objects.filter(pairing=pairing)
    return {
        "secondments": secondments,
        "activities": activities.order_by("-date")[:50],
        "activity_count": activities.count(),
        "can_record_activity": can_write_model(request.user, Activity),
    }
