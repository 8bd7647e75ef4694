import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from pairings.tests.factories import PairingFactory, SchoolFactory
from projects import models
from projects.choices import (
    DonationForm,
    DonorKind,
    FundingKind,
    FundingSource,
    ProjectCategory,
)


class AidProjectFactory(DjangoModelFactory):
    class Meta:
        model = models.AidProject

    pairing = factory.SubFactory(PairingFactory)
    receiving_school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"图书室建设项目{n}")
    category = ProjectCategory.LIBRARY
    total_investment = Decimal("500000.00")
    aid_amount = Decimal("300000.00")


class FundingLineFactory(DjangoModelFactory):
    class Meta:
        model = models.FundingLine

    pairing = factory.SubFactory(PairingFactory)
    source = FundingSource.COUNTY
    year = 2024
    kind = FundingKind.RECEIVED
    amount = Decimal("10000.00")


class DonationFactory(DjangoModelFactory):
    class Meta:
        model = models.Donation

    donor_kind = DonorKind.SCHOOL
    donor_name = "测试捐赠学校"
    recipient_school = factory.SubFactory(SchoolFactory)
    date = dt.date(2024, 11, 1)
    form = DonationForm.CASH
    amount = Decimal("5000.00")
