from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import AidProject, Donation, FundingLine

from .factories import AidProjectFactory, DonationFactory, FundingLineFactory

pytestmark = pytest.mark.django_db


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class TestMoney:
    def test_amount_is_decimal_with_two_places(self):
        line = FundingLineFactory(amount=Decimal("290000.50"))
        line.refresh_from_db()
        assert line.amount == Decimal("290000.50")
        assert isinstance(line.amount, Decimal)

    def test_three_decimal_places_are_refused(self):
        line = FundingLineFactory.build(
            pairing=FundingLineFactory().pairing, amount=Decimal("1.005")
        )
        with pytest.raises(ValidationError) as exc:
            line.full_clean()
        assert "小数不超过 2 位" in messages(exc.value)

    def test_negative_amount_is_refused_with_a_message(self):
        line = FundingLineFactory.build(
            pairing=FundingLineFactory().pairing, amount=Decimal("-1.00")
        )
        with pytest.raises(ValidationError) as exc:
            line.full_clean()
        assert "不能为负" in messages(exc.value)

    @pytest.mark.parametrize(
        ("factory", "model", "field"),
        [
            (FundingLineFactory, FundingLine, "amount"),
            (DonationFactory, Donation, "amount"),
            (AidProjectFactory, AidProject, "total_investment"),
            (AidProjectFactory, AidProject, "aid_amount"),
        ],
    )
    def test_negative_amounts_are_refused_by_the_database(self, factory, model, field):
        obj = factory()
        with transaction.atomic(), pytest.raises(IntegrityError):
            model.objects.filter(pk=obj.pk).update(**{field: Decimal("-0.01")})

    def test_aid_share_cannot_exceed_total(self):
        project = AidProjectFactory.build(
            pairing=None,
            receiving_school=AidProjectFactory().receiving_school,
            total_investment=Decimal("100.00"),
            aid_amount=Decimal("100.01"),
        )
        with pytest.raises(ValidationError) as exc:
            project.full_clean()
        assert "援助资金不能超过总投资" in messages(exc.value)

    def test_funding_line_belongs_somewhere(self):
        line = FundingLineFactory.build(pairing=None, project=None)
        with pytest.raises(ValidationError) as exc:
            line.full_clean()
        assert "资金明细必须属于一个项目或一个结对" in messages(exc.value)


class TestDonation:
    def test_goods_need_a_category(self):
        donation = DonationFactory.build(
            recipient_school=DonationFactory().recipient_school,
            form="goods",
            category="",
        )
        with pytest.raises(ValidationError) as exc:
            donation.full_clean()
        assert "物资必须填写类别" in messages(exc.value)

    def test_goods_with_category_and_value(self):
        donation = DonationFactory(
            form="goods",
            category="books",
            quantity=3000,
            unit="册",
            amount=Decimal("45000.00"),
        )
        donation.full_clean()
