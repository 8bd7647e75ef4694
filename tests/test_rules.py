"""Every rule across rows has one home (a function in the app's ``services``), and
every way in asks it: the page's form, the admin, the API and the service itself
refuse the same bad input with the same Chinese message, and write nothing.

Each rule below gives the bad input four times (one per way in) and the message a
clerk must read, written here from the catalogue's words and the fixture's dates."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from core.choices import Direction, Side
from dispatch import services as dispatch_services
from dispatch.models import Secondment, Stint
from pairings import services as pairing_services
from pairings.models import Pairing, Programme
from reporting.models import SemesterReport
from reporting.reports import services as report_services

pytestmark = pytest.mark.django_db

D = dt.date


def zh(message):
    with translation.override("zh-hans"):
        return translation.gettext(message)


# Collecting what each way in said -------------------------------------------------


def _flatten(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flatten(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _flatten(v)]
    return []


def said_by_service(call) -> list[str]:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        call()
    return exc.value.messages


def said_by_page(client, w, url, data) -> list[str]:
    client.force_login(w["admin"])
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200, "the page accepted the bad input"
    messages = _flatten(dict(response.context["form"].errors))
    for formset in response.context["formsets"].values():
        messages += list(formset.non_form_errors())
        messages += [m for f in formset.forms for m in _flatten(dict(f.errors))]
    return messages


def said_by_admin(client, w, url, data) -> list[str]:
    client.force_login(w["admin"])
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200, "the admin accepted the bad input"
    messages = _flatten(dict(response.context["adminform"].form.errors))
    for inline in response.context["inline_admin_formsets"]:
        messages += list(inline.formset.non_form_errors())
        messages += [m for f in inline.formset.forms for m in _flatten(dict(f.errors))]
    return messages


def said_by_api(client, w, url, data) -> list[str]:
    client.force_login(w["admin"])
    response = client.post(
        url, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400, response.content
    return _flatten(response.json())


def form_fields(data: dict) -> dict:
    return {k: ("" if v is None else v) for k, v in data.items()}


def management(prefix: str, total: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


# The rules --------------------------------------------------------------------------


class StintOverlapsItsSecondment:
    """A stint may not overlap another stint of its secondment."""

    model = Stint

    def setup(self, w):
        self.secondment = w["in_A1"][Secondment]  # stint 2024-09-02 – 2024-10-30
        self.bad = {
            "secondment": self.secondment.pk,
            "start": "2024-10-01",
            "end": "2024-11-15",
            "note": "",
        }

    def expected(self, w):
        return zh("This stint overlaps the stint from %(start)s to %(end)s.") % {
            "start": "2024-09-02",
            "end": "2024-10-30",
        }

    def service(self, w):
        return said_by_service(
            lambda: dispatch_services.stint_create(
                secondment=self.secondment, start=D(2024, 10, 1), end=D(2024, 11, 15)
            )
        )

    def page(self, client, w):
        return said_by_page(client, w, reverse("dispatch:stint_add"), self.bad)

    def admin(self, client, w):
        return said_by_admin(client, w, reverse("admin:dispatch_stint_add"), self.bad)

    def api(self, client, w):
        return said_by_api(client, w, "/api/v1/stints/", self.bad)


class StintOverlapsThePersonsOtherSecondment(StintOverlapsItsSecondment):
    """A person is on post in one place at a time: a stint of a second secondment
    may not overlap the person's stint in the first."""

    def setup(self, w):
        first = w["in_A1"][Secondment]
        self.secondment = Secondment.objects.create(
            person=first.person,
            pairing=first.pairing,
            direction=Direction.TO_RECEIVING,
            kind="teaching",
            sending_school=first.sending_school,
            host_school=first.host_school,
            batch=2,
            planned_start=D(2024, 9, 1),
            planned_end=D(2025, 1, 15),
            subject="maths",
        )
        self.bad = {
            "secondment": self.secondment.pk,
            "start": "2024-10-01",
            "end": "2024-11-15",
            "note": "",
        }

    def expected(self, w):
        return zh(
            "This stint overlaps the person's stint from %(start)s to %(end)s at "
            "%(school)s (another secondment)."
        ) % {"start": "2024-09-02", "end": "2024-10-30", "school": w["a1r"].name}


class SecondmentOutsideItsPairing:
    """A secondment's planned dates lie within its pairing's dates."""

    model = Secondment

    def setup(self, w):
        self.fields = {
            "pairing": w["pA1"],
            "person": w["in_A1"][Secondment].person,
            "direction": Direction.TO_RECEIVING,
            "kind": "teaching",
            "sending_school": w["a1s"],
            "host_school": w["a1r"],
            "batch": 3,
            "planned_start": D(2024, 8, 1),
            "planned_end": D(2024, 12, 31),
            "subject": "maths",
            "weekly_periods": 10,
            "status": "planned",
        }
        self.bad = {
            k: (v.pk if hasattr(v, "pk") else str(v)) for k, v in self.fields.items()
        }
        self.bad.update(duties="", note="")

    def expected(self, w):
        return zh(
            "A secondment lies within its pairing's dates (%(start)s to %(end)s)."
        ) % {"start": "2024-09-01", "end": "2027-08-31"}

    def service(self, w):
        return said_by_service(
            lambda: dispatch_services.secondment_create(**self.fields)
        )

    def page(self, client, w):
        data = {**form_fields(self.bad), **management("stints")}
        return said_by_page(client, w, reverse("dispatch:secondment_add"), data)

    def admin(self, client, w):
        data = {
            **form_fields(self.bad),
            **management("stints"),
            **management("appraisals"),
        }
        return said_by_admin(client, w, reverse("admin:dispatch_secondment_add"), data)

    def api(self, client, w):
        return said_by_api(client, w, "/api/v1/secondments/", self.bad)


class SecondmentHostOnTheWrongSide(SecondmentOutsideItsPairing):
    """Sending and host school stand on the sides the direction says."""

    def setup(self, w):
        super().setup(w)
        self.fields.update(
            planned_start=D(2024, 9, 1),
            sending_school=w["a1r"],
            host_school=w["a1s"],
        )
        self.bad.update(
            planned_start="2024-09-01",
            sending_school=w["a1r"].pk,
            host_school=w["a1s"].pk,
        )

    def expected(self, w):
        with translation.override("zh-hans"):
            side = str(Side.RECEIVING.label)
        return zh(
            "The host school must be a party on the %(side)s of this pairing."
        ) % {"side": side}


class PairingOutsideItsCycle:
    """A pairing lies within its programme's cycle (it may not end after it)."""

    model = Pairing

    def setup(self, w):
        self.programme = w["programme"]  # cycle 2024-09-01 – 2027-08-31
        self.bad = {
            "programme": self.programme.pk,
            "name": "超出周期的结对",
            "mode": "one_to_one",
            "status": "active",
            "start_date": "2025-09-01",
            "end_date": "2028-08-31",
            "note": "",
        }

    def expected(self, w):
        return zh(
            "A pairing lies within its programme's cycle (%(start)s to %(end)s)."
        ) % {"start": "2024-09-01", "end": "2027-08-31"}

    def service(self, w):
        return said_by_service(
            lambda: pairing_services.pairing_create(
                programme=self.programme,
                name="超出周期的结对",
                supporting=[w["a1t"]],
                receiving=[w["a1r"]],
                start_date=D(2025, 9, 1),
                end_date=D(2028, 8, 31),
            )
        )

    def page(self, client, w):
        data = {
            **self.bad,
            "aid_teaching": "on",
            "supporting": [w["a1t"].pk],
            "receiving": [w["a1r"].pk],
        }
        return said_by_page(client, w, reverse("pairings:pairing_add"), data)

    def admin(self, client, w):
        data = {
            **self.bad,
            **management("parties", 2),
            "parties-0-school": w["a1t"].pk,
            "parties-0-side": Side.SUPPORTING,
            "parties-1-school": w["a1r"].pk,
            "parties-1-side": Side.RECEIVING,
        }
        return said_by_admin(client, w, reverse("admin:pairings_pairing_add"), data)

    def api(self, client, w):
        data = {
            **self.bad,
            "supporting": [w["a1t"].pk],
            "receiving": [w["a1r"].pk],
        }
        return said_by_api(client, w, "/api/v1/pairings/", data)


class ProgrammeCycleLeavesAPairingOutside:
    """A programme's cycle may not be shortened so that a pairing lies outside."""

    model = Programme

    def setup(self, w):
        self.programme = w["programme"]
        self.bad = {"cycle_end": "2026-08-31"}

    def expected(self, w):
        first = (
            Pairing.objects.filter(programme=self.programme)
            .order_by("start_date", "pk")
            .first()
        )
        count = Pairing.objects.filter(programme=self.programme).count()
        return zh(
            "%(n)s pairing(s) of this programme would lie outside the cycle, "
            "e.g. %(name)s (%(start)s to %(end)s): change their dates first."
        ) % {"n": count, "name": first.name, "start": "2024-09-01", "end": "2027-08-31"}

    def _data(self):
        data = form_fields(
            {
                f.name: getattr(self.programme, f.attname)
                for f in Programme._meta.concrete_fields
                if f.editable and f.name not in ("id", "created_at", "updated_at")
            }
        )
        return {k: str(v) for k, v in {**data, **self.bad}.items()}

    def service(self, w):
        return said_by_service(
            lambda: pairing_services.programme_update(
                programme=Programme.objects.get(pk=self.programme.pk),
                cycle_end=D(2026, 8, 31),
            )
        )

    def page(self, client, w):
        url = reverse("pairings:programme_edit", args=[self.programme.pk])
        return said_by_page(client, w, url, self._data())

    def admin(self, client, w):
        url = reverse("admin:pairings_programme_change", args=[self.programme.pk])
        return said_by_admin(client, w, url, self._data())

    def api(self, client, w):
        client.force_login(w["admin"])
        response = client.patch(
            f"/api/v1/programmes/{self.programme.pk}/",
            self.bad,
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 400, response.content
        return _flatten(response.json())


class ReportApprovedBeforeItIsSubmitted:
    """A report workflow step: only a submitted report can be approved. The admin
    shows workflow fields read-only, so it is no way in for this rule."""

    model = SemesterReport
    ways = ("page", "api", "service")

    def setup(self, w):
        self.report = w["in_A1"][SemesterReport]  # a draft
        assert self.report.status == "draft"

    def expected(self, w):
        return zh("Only a submitted report can be approved.")

    def service(self, w):
        return said_by_service(
            lambda: report_services.report_approve(
                report=SemesterReport.objects.get(pk=self.report.pk), user=w["xian"]
            )
        )

    def page(self, client, w):
        client.force_login(w["xian"])
        url = reverse("reporting:report_act", args=[self.report.pk])
        response = client.post(
            url, {"action": "approve"}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        return [str(m) for m in response.context["messages"]]

    def api(self, client, w):
        client.force_login(w["xian"])
        response = client.post(
            f"/api/v1/reports/{self.report.pk}/approve/",
            {},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 400, response.content
        return _flatten(response.json())


RULES = [
    StintOverlapsItsSecondment,
    StintOverlapsThePersonsOtherSecondment,
    SecondmentOutsideItsPairing,
    SecondmentHostOnTheWrongSide,
    PairingOutsideItsCycle,
    ProgrammeCycleLeavesAPairingOutside,
    ReportApprovedBeforeItIsSubmitted,
]
WAYS_IN = ["page", "admin", "api", "service"]


def _state(model):
    return list(model.objects.order_by("pk").values())


CASES = [(rule, way) for rule in RULES for way in getattr(rule, "ways", WAYS_IN)]


@pytest.mark.parametrize(
    ("rule", "way"), CASES, ids=[f"{rule.__name__}-{way}" for rule, way in CASES]
)
def test_every_way_in_refuses_with_the_same_message(client, w, rule, way):
    case = rule()
    case.setup(w)
    before = _state(case.model)
    said = case.service(w) if way == "service" else getattr(case, way)(client, w)
    assert case.expected(w) in said, said
    assert _state(case.model) == before, "the refused input changed the records"
