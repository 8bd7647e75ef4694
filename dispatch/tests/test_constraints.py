import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.choices import Direction
from dispatch.models import Secondment, Stint
from dispatch.services import overlapping_pairs, secondment_create, stint_create
from pairings.tests.factories import PairingFactory, receiving_school, supporting_school

from .factories import PersonFactory, SecondmentFactory, StintFactory

pytestmark = pytest.mark.django_db


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class TestStintDates:
    def test_end_before_start_is_refused_with_a_message(self):
        secondment = SecondmentFactory()
        with pytest.raises(ValidationError) as exc:
            stint_create(
                secondment=secondment,
                start=dt.date(2024, 10, 2),
                end=dt.date(2024, 10, 1),
            )
        assert "在岗时段的结束日期不能早于开始日期" in messages(exc.value)
        assert not Stint.objects.exists()

    def test_end_before_start_is_refused_by_the_database(self):
        secondment = SecondmentFactory()
        with transaction.atomic(), pytest.raises(IntegrityError):
            Stint.objects.create(
                secondment=secondment,
                start=dt.date(2024, 10, 2),
                end=dt.date(2024, 10, 1),
            )

    def test_one_day_stint_is_fine(self):
        stint = stint_create(
            secondment=SecondmentFactory(),
            start=dt.date(2024, 10, 1),
            end=dt.date(2024, 10, 1),
        )
        assert stint.days == 1


class TestStintOverlap:
    def test_overlap_is_refused_with_the_clashing_dates(self):
        stint = StintFactory(start=dt.date(2024, 9, 2), end=dt.date(2024, 10, 31))
        with pytest.raises(ValidationError) as exc:
            stint_create(
                secondment=stint.secondment,
                start=dt.date(2024, 10, 31),
                end=dt.date(2024, 11, 5),
            )
        assert "2024-09-02" in messages(exc.value)
        assert "重叠" in messages(exc.value)
        assert Stint.objects.count() == 1

    def test_adjacent_stints_are_fine(self):
        stint = StintFactory(start=dt.date(2024, 9, 2), end=dt.date(2024, 10, 31))
        stint_create(
            secondment=stint.secondment,
            start=dt.date(2024, 11, 1),
            end=dt.date(2024, 11, 30),
        )
        assert stint.secondment.stints.count() == 2

    def test_other_secondments_may_overlap(self):
        first = StintFactory()
        second = StintFactory(start=first.start, end=first.end)
        assert second.pk

    def test_database_refuses_overlap_on_insert_and_update(self):
        stint = StintFactory(start=dt.date(2024, 9, 2), end=dt.date(2024, 10, 31))
        with transaction.atomic(), pytest.raises(IntegrityError):
            Stint.objects.create(
                secondment=stint.secondment,
                start=dt.date(2024, 10, 1),
                end=dt.date(2024, 10, 10),
            )
        later = Stint.objects.create(
            secondment=stint.secondment,
            start=dt.date(2024, 11, 1),
            end=dt.date(2024, 11, 10),
        )
        with transaction.atomic(), pytest.raises(IntegrityError):
            Stint.objects.filter(pk=later.pk).update(start=dt.date(2024, 10, 20))

    def test_overlapping_pairs_finds_clashes_among_new_stints(self):
        d = dt.date
        intervals = [
            (d(2024, 9, 1), d(2024, 9, 30)),
            (d(2024, 11, 1), d(2024, 11, 5)),
            (d(2024, 9, 30), d(2024, 10, 3)),
        ]
        assert overlapping_pairs(intervals) == [(0, 2)]
        assert overlapping_pairs(intervals[:2]) == []


class TestSecondment:
    def fields(self, pairing, **overrides):
        sender = supporting_school(pairing)
        fields = dict(
            person=PersonFactory(home_school=sender),
            pairing=pairing,
            direction=Direction.TO_RECEIVING,
            kind="teaching",
            sending_school=sender,
            host_school=receiving_school(pairing),
            planned_start=dt.date(2024, 9, 1),
            planned_end=dt.date(2025, 1, 15),
            subject="maths",
        )
        fields.update(overrides)
        return fields

    def test_created_with_two_stints(self):
        d = dt.date
        secondment = secondment_create(
            stints=[(d(2024, 9, 2), d(2024, 10, 30)), (d(2024, 11, 5), d(2025, 1, 10))],
            **self.fields(PairingFactory()),
        )
        assert secondment.stints.count() == 2

    def test_overlapping_stints_create_nothing(self):
        d = dt.date
        with pytest.raises(ValidationError) as exc:
            secondment_create(
                stints=[
                    (d(2024, 9, 2), d(2024, 10, 30)),
                    (d(2024, 10, 5), d(2025, 1, 10)),
                ],
                **self.fields(PairingFactory()),
            )
        assert (
            messages(exc.value)
            == "该在岗时段与 2024-09-02 至 2024-10-30 的在岗时段重叠。"
        )
        assert not Secondment.objects.exists()

    def test_host_must_be_on_the_receiving_side_for_teaching_support(self):
        pairing = PairingFactory()
        with pytest.raises(ValidationError) as exc:
            secondment_create(
                **self.fields(
                    pairing,
                    sending_school=receiving_school(pairing),
                    host_school=supporting_school(pairing),
                )
            )
        assert "派出学校" in messages(exc.value)

    def test_planned_dates_ordered(self):
        with pytest.raises(ValidationError) as exc:
            secondment_create(
                **self.fields(PairingFactory(), planned_end=dt.date(2024, 8, 1))
            )
        assert "计划结束日期不能早于计划开始日期" in messages(exc.value)

    def test_host_differs_from_sender_in_the_database(self):
        secondment = SecondmentFactory()
        with transaction.atomic(), pytest.raises(IntegrityError):
            Secondment.objects.filter(pk=secondment.pk).update(
                host_school=secondment.sending_school
            )
