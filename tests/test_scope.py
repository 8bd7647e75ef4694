"""What each role sees and may change, checked on every scoped model."""

import pytest

from core.scope import can_change, can_write_model, rules, scope_of, visible
from dispatch.models import Activity, Secondment, Stint
from pairings.models import Pairing, Programme, Region, School
from reporting.models import SemesterReport

from . import world

pytestmark = pytest.mark.django_db


def scoped_models(w):
    return list(w["in_A1"].keys())


def test_every_scoped_model_is_in_the_world(w):
    labels = {f"{m._meta.app_label}.{m._meta.object_name}" for m in scoped_models(w)}
    assert labels == set(rules())


@pytest.mark.parametrize("role", list(world.ROLES))
def test_each_role_sees_its_world_and_not_the_other(w, role):
    inside, outside = world.ROLES[role]
    user = w[role]
    for model, obj in w[inside].items():
        assert visible(model.objects.filter(pk=obj.pk), user).exists(), (role, model)
    if outside:
        for model, obj in w[outside].items():
            assert not visible(model.objects.filter(pk=obj.pk), user).exists(), (
                role,
                model,
            )


def test_nobody_without_a_membership_sees_anything(w):
    nobody = world.user("nobody")
    for model in scoped_models(w):
        assert not visible(model.objects.all(), nobody).exists()


def test_lists_are_not_repeated_by_joins(w):
    """A pairing with several parties in scope is listed once."""
    pairings = visible(Pairing.objects.all(), w["sheng"])
    assert pairings.count() == len(set(pairings.values_list("pk", flat=True)))


class TestCrossRegionPairing:
    def test_visible_to_both_parties_bureaus(self, w):
        for name in ("xian", "xian_l", "shi", "sheng"):
            assert visible(Pairing.objects.filter(pk=w["pX"].pk), w[name]).exists(), (
                name
            )

    def test_invisible_to_a_third_county(self, w):
        assert not visible(Pairing.objects.filter(pk=w["pX"].pk), w["xian_b1"]).exists()

    def test_partner_school_is_visible_but_not_its_reports(self, w):
        assert visible(School.objects.filter(pk=w["lx"].pk), w["xian"]).exists()
        report = SemesterReport.objects.create(school=w["lx"], period=w["period"])
        assert not visible(
            SemesterReport.objects.filter(pk=report.pk), w["xian"]
        ).exists()
        assert visible(
            SemesterReport.objects.filter(pk=report.pk), w["xian_l"]
        ).exists()


class TestSchoolStaff:
    def test_sees_only_its_own_reports(self, w):
        reports = visible(SemesterReport.objects.all(), w["xuexiao"])
        assert set(reports.values_list("school_id", flat=True)) == {w["a1r"].pk}

    def test_sees_its_pairings_and_partners_only(self, w):
        assert set(visible(Pairing.objects.all(), w["xuexiao"])) == {w["pA1"]}
        assert set(visible(School.objects.all(), w["xuexiao"])) == {w["a1r"], w["a1s"]}

    def test_sees_its_region_chain_and_programmes_of_its_pairings(self, w):
        regions = set(visible(Region.objects.all(), w["xuexiao"]))
        assert regions == {w["P1"], w["A"], w["A1"]}
        assert set(visible(Programme.objects.all(), w["xuexiao"])) == {
            w["pA1"].programme
        }


class TestWrites:
    def test_inspector_changes_nothing(self, w):
        for model, obj in w["in_A1"].items():
            assert not can_change(w["duxue"], obj), model
            assert not can_write_model(w["duxue"], model)

    def test_bureau_changes_what_is_in_its_region_only(self, w):
        for model, obj in w["in_A1"].items():
            assert can_change(w["xian"], obj), model
        for model, obj in w["in_B1"].items():
            assert not can_change(w["xian"], obj), model

    def test_school_staff_record_activities_and_stints_but_not_secondments(self, w):
        objs = w["in_A1"]
        user = w["xuexiao"]
        assert can_change(user, objs[Activity])
        assert can_change(user, objs[Stint])
        assert can_change(user, objs[SemesterReport])
        assert can_change(user, objs[School])  # its own school's profile
        assert not can_change(user, objs[Secondment])
        assert not can_change(user, w["pA1"])
        assert not can_change(user, w["a1s"])  # the partner school is read-only

    def test_school_staff_cannot_change_other_schools_objects(self, w):
        for obj in w["in_B1"].values():
            assert not can_change(w["xuexiao"], obj)

    def test_admin_changes_everything(self, w):
        for world_name in ("in_A1", "in_B1", "in_L"):
            for model, obj in w[world_name].items():
                assert can_change(w["admin"], obj), model


def test_scope_is_computed_once_per_user_object(w, django_assert_num_queries):
    user = w["xian"]
    scope_of(user)
    with django_assert_num_queries(0):
        scope_of(user)


class TestSecondedTeacher:
    """A seconded teacher's account sees the records of their own secondment and
    nothing else; they change only stints the host school has not confirmed."""

    @pytest.mark.parametrize("teacher", list(world.TEACHERS))
    def test_sees_only_the_own_secondments_records(self, w, teacher):
        own, other = world.TEACHERS[teacher]
        for model in scoped_models(w):
            seen = set(visible(model.objects.all(), w[teacher]))
            if model in world.TEACHER_MODELS:
                assert seen == {w[own][model]}, model
                assert w[other][model] not in seen, model
            else:
                assert seen == set(), model

    def test_sees_no_shared_or_own_rows_model_of_others(self, w):
        from reporting.models import ExportJob, ReportingPeriod

        assert not visible(ReportingPeriod.objects.all(), w["jiaoshi"]).exists()
        assert not visible(Region.objects.all(), w["jiaoshi"]).exists()
        assert not can_write_model(w["jiaoshi"], ExportJob)

    def test_writes_only_unconfirmed_own_stints_and_own_log(self, w):
        from dispatch.models import SelfAppraisal, WorkLog

        teacher, stint = w["jiaoshi"], w["in_A1"][Stint]
        assert stint.confirmation == "confirmed"
        assert not can_change(teacher, stint)
        for state in ("pending", "correction"):
            Stint.objects.filter(pk=stint.pk).update(confirmation=state)
            assert can_change(teacher, stint), state
        assert not can_change(teacher, w["in_B1"][Stint])
        Stint.objects.filter(pk=w["in_B1"][Stint].pk).update(confirmation="pending")
        assert not can_change(teacher, w["in_B1"][Stint])
        assert can_change(teacher, w["in_A1"][WorkLog])
        assert can_change(teacher, w["in_A1"][SelfAppraisal])
        assert not can_change(teacher, w["in_B1"][WorkLog])
        assert not can_change(teacher, w["in_A1"][Secondment])
        assert not can_write_model(teacher, Secondment)
        assert can_write_model(teacher, Stint)
        for model, obj in w["in_A1"].items():
            if model not in world.TEACHER_MODELS:
                assert not can_change(teacher, obj), model
                assert not can_write_model(teacher, model), model

    def test_the_scope_follows_the_link_to_the_person(self, w):
        from dispatch.models import Person

        teacher = w["jiaoshi"]
        Person.objects.filter(account=teacher).update(account=None)
        teacher = world.get_user_model().objects.get(pk=teacher.pk)
        assert not visible(Secondment.objects.all(), teacher).exists()

    def test_a_teacher_scope_costs_the_same_one_query(
        self, w, django_assert_num_queries
    ):
        teacher = world.get_user_model().objects.get(username="jiaoshi")
        with django_assert_num_queries(2):  # the memberships, then the rows
            list(visible(Stint.objects.all(), teacher))
