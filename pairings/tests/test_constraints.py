"""Structural rules of regions, schools and pairings: the service or model validation
gives a clear Chinese message, and the database refuses what slips past."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from core.choices import Side
from pairings.models import Pairing, PairingParty, School
from pairings.services import pairing_create, region_create

from .factories import PairingFactory, ProgrammeFactory, RegionFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class TestSchoolCode:
    def test_code_must_be_ten_digits(self):
        school = SchoolFactory.build(code="12345", region=RegionFactory())
        with pytest.raises(ValidationError) as exc:
            school.full_clean()
        assert "学校标识码必须是10位数字" in messages(exc.value)

    def test_letters_are_refused_by_the_database(self):
        region = RegionFactory()
        with transaction.atomic(), pytest.raises(IntegrityError):
            School.objects.create(code="31000000AB", name="坏代码", region=region)

    def test_code_is_unique(self):
        school = SchoolFactory()
        duplicate = SchoolFactory.build(code=school.code, region=school.region)
        with pytest.raises(ValidationError) as exc:
            duplicate.full_clean()
        assert "学校标识码" in messages(exc.value)
        assert "已存在" in messages(exc.value)
        with transaction.atomic(), pytest.raises(IntegrityError):
            duplicate.save()


class TestPairingParties:
    def make(self, supporting, receiving, **kwargs):
        return pairing_create(
            programme=ProgrammeFactory(),
            name="测试结对",
            supporting=supporting,
            receiving=receiving,
            start_date=dt.date(2024, 9, 1),
            end_date=dt.date(2027, 8, 31),
            **kwargs,
        )

    def test_a_pairing_needs_a_supporting_school(self):
        with pytest.raises(ValidationError) as exc:
            self.make([], [SchoolFactory()])
        assert "至少需要一所支援学校" in messages(exc.value)
        assert not Pairing.objects.exists()

    def test_a_pairing_needs_a_receiving_school(self):
        with pytest.raises(ValidationError) as exc:
            self.make([SchoolFactory()], [])
        assert "至少需要一所受援学校" in messages(exc.value)
        assert not Pairing.objects.exists()

    def test_no_school_on_both_sides(self):
        school = SchoolFactory(name="三元中学")
        with pytest.raises(ValidationError) as exc:
            self.make([school], [school, SchoolFactory()])
        assert "同一结对" in messages(exc.value)
        assert "三元中学" in messages(exc.value)
        assert not Pairing.objects.exists()

    def test_database_refuses_a_school_on_both_sides(self):
        pairing = PairingFactory()
        school = pairing.parties.get(side=Side.SUPPORTING).school
        with transaction.atomic(), pytest.raises(IntegrityError):
            PairingParty.objects.create(
                pairing=pairing, school=school, side=Side.RECEIVING
            )

    def test_one_lead_unit(self):
        pairing = PairingFactory(supporting=[SchoolFactory(), SchoolFactory()])
        assert pairing.parties.filter(is_lead=True).count() == 1
        with transaction.atomic(), pytest.raises(IntegrityError):
            pairing.parties.filter(is_lead=False).update(is_lead=True)

    def test_a_school_may_receive_in_one_pairing_and_support_in_another(self):
        middle = SchoolFactory(name="三元中学")
        self.make([SchoolFactory()], [middle])
        second = self.make([middle], [SchoolFactory(name="梓园小学")])
        assert second.parties.get(school=middle).side == Side.SUPPORTING

    def test_lead_defaults_to_first_supporting_school_and_mode_follows_counts(self):
        first, second = SchoolFactory(), SchoolFactory()
        pairing = self.make([first, second], [SchoolFactory()])
        assert pairing.parties.get(is_lead=True).school == first
        assert pairing.mode == "many_to_one"

    def test_end_before_start_is_refused(self):
        with pytest.raises(ValidationError) as exc:
            pairing_create(
                programme=ProgrammeFactory(),
                name="倒序",
                supporting=[SchoolFactory()],
                receiving=[SchoolFactory()],
                start_date=dt.date(2025, 9, 1),
                end_date=dt.date(2024, 9, 1),
            )
        assert "结束日期不能早于开始日期" in messages(exc.value)


@pytest.mark.postgres
class TestPairingSidesInPostgres:
    """A cross-row rule: a deferred constraint trigger checked at commit."""

    def test_pairing_without_receiving_side_is_refused_at_commit(self):
        pairing = PairingFactory()
        with pytest.raises(IntegrityError) as exc, transaction.atomic():
            pairing.parties.filter(side=Side.RECEIVING).delete()
            connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
        assert "pairing_needs_both_sides" in str(exc.value)

    def test_pairing_with_no_parties_is_refused_at_commit(self):
        programme = ProgrammeFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Pairing.objects.create(
                programme=programme,
                name="空结对",
                mode="one_to_one",
                start_date=dt.date(2024, 9, 1),
                end_date=dt.date(2025, 8, 31),
            )
            connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")

    def test_deleting_a_whole_pairing_is_fine(self):
        pairing = PairingFactory()
        with transaction.atomic():
            pairing.delete()
            connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
        assert not Pairing.objects.exists()


class TestRegionTree:
    def test_subtree_is_one_prefix_query(self, django_assert_num_queries):
        province = region_create(code="370000", name="山东省", level=1, parent=None)
        city = region_create(code="370100", name="济南市", level=2, parent=province)
        county = region_create(code="370124", name="平阴县", level=3, parent=city)
        other = region_create(code="370200", name="青岛市", level=2, parent=province)
        assert county.path == "370000/370100/370124/"
        with django_assert_num_queries(1):
            names = set(city.subtree().values_list("name", flat=True))
        assert names == {"济南市", "平阴县"}
        assert other not in city.subtree()

    def test_child_must_lie_below_parent(self):
        province = region_create(code="370000", name="山东省", level=1, parent=None)
        with pytest.raises(ValidationError) as exc:
            region_create(code="370001", name="错层", level=1, parent=province)
        assert "下级" in messages(exc.value)
