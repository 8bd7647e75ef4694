import datetime as dt

import factory
from factory.django import DjangoModelFactory

from core.choices import Side
from pairings import models
from pairings.choices import (
    PairingMode,
    PairingStatus,
    ProgrammeKind,
    RegionLevel,
    SchoolStage,
)


class RegionFactory(DjangoModelFactory):
    """A province by default; pass ``parent`` for a child region."""

    class Meta:
        model = models.Region

    code = factory.Sequence(lambda n: f"{370000 + n * 100}")
    name = factory.Sequence(lambda n: f"测试区域{n}")
    parent = None
    level = factory.LazyAttribute(
        lambda o: o.parent.level + 1 if o.parent else RegionLevel.PROVINCE
    )
    path = factory.LazyAttribute(
        lambda o: f"{o.parent.path if o.parent else ''}{o.code}/"
    )


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = models.School

    code = factory.Sequence(lambda n: f"{3100000000 + n}")
    name = factory.Sequence(lambda n: f"测试学校{n}")
    region = factory.SubFactory(RegionFactory)
    stage = SchoolStage.PRIMARY


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = models.Programme

    name = factory.Sequence(lambda n: f"城乡学校对口帮扶{n}")
    kind = ProgrammeKind.URBAN_RURAL
    issuing_body = "测试县教育局"
    document_number = factory.Sequence(lambda n: f"测教[2024]{n}号")
    region = factory.SubFactory(RegionFactory)
    cycle_start = dt.date(2024, 9, 1)
    cycle_end = dt.date(2027, 8, 31)


class PairingFactory(DjangoModelFactory):
    """A pairing always has both sides: ``supporting`` and ``receiving`` lists of
    schools, one new school each by default."""

    class Meta:
        model = models.Pairing
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"结对{n}")
    mode = PairingMode.ONE_TO_ONE
    start_date = dt.date(2024, 9, 1)
    end_date = dt.date(2027, 8, 31)
    status = PairingStatus.ACTIVE

    @factory.post_generation
    def supporting(self, create, extracted, **kwargs):
        schools = extracted if extracted is not None else [SchoolFactory()]
        for i, school in enumerate(schools):
            models.PairingParty.objects.create(
                pairing=self,
                school=school,
                side=Side.SUPPORTING,
                is_lead=i == 0 and len(schools) > 1,
            )

    @factory.post_generation
    def receiving(self, create, extracted, **kwargs):
        schools = extracted if extracted is not None else [SchoolFactory()]
        for school in schools:
            models.PairingParty.objects.create(
                pairing=self, school=school, side=Side.RECEIVING
            )


def supporting_school(pairing):
    return pairing.parties.filter(side=Side.SUPPORTING).order_by("id").first().school


def receiving_school(pairing):
    return pairing.parties.filter(side=Side.RECEIVING).order_by("id").first().school
