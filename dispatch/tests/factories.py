import datetime as dt

import factory
from factory.django import DjangoModelFactory

from core.choices import Direction
from dispatch import models
from dispatch.choices import (
    ActivityKind,
    Gender,
    HostSide,
    SecondmentKind,
    SecondmentStatus,
    Subject,
)
from pairings.tests.factories import (
    PairingFactory,
    SchoolFactory,
    receiving_school,
    supporting_school,
)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = models.Person

    name = factory.Sequence(lambda n: f"教师{n}")
    gender = Gender.FEMALE
    home_school = factory.SubFactory(SchoolFactory)
    subject = Subject.MATHS


class SecondmentFactory(DjangoModelFactory):
    """A teacher sent from the pairing's supporting school to its receiving school."""

    class Meta:
        model = models.Secondment

    pairing = factory.SubFactory(PairingFactory)
    direction = Direction.TO_RECEIVING
    kind = SecondmentKind.TEACHING
    sending_school = factory.LazyAttribute(
        lambda o: (
            supporting_school(o.pairing)
            if o.direction == Direction.TO_RECEIVING
            else receiving_school(o.pairing)
        )
    )
    host_school = factory.LazyAttribute(
        lambda o: (
            receiving_school(o.pairing)
            if o.direction == Direction.TO_RECEIVING
            else supporting_school(o.pairing)
        )
    )
    person = factory.SubFactory(
        PersonFactory, home_school=factory.SelfAttribute("..sending_school")
    )
    planned_start = dt.date(2024, 9, 1)
    planned_end = dt.date(2025, 7, 10)
    subject = Subject.MATHS
    status = SecondmentStatus.ON_POST


class StintFactory(DjangoModelFactory):
    class Meta:
        model = models.Stint

    secondment = factory.SubFactory(SecondmentFactory)
    start = dt.date(2024, 9, 2)
    end = dt.date(2024, 10, 31)


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = models.Activity

    pairing = factory.SubFactory(PairingFactory)
    kind = ActivityKind.DEMONSTRATION_LESSON
    title = factory.Sequence(lambda n: f"示范课{n}")
    date = dt.date(2024, 10, 15)
    host_side = HostSide.RECEIVING
    lessons = 1
    teacher_participants = 10
