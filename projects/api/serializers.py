from rest_framework import serializers

from projects.models import AidProject, Donation, FundingLine


class FundingLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundingLine
        fields = "__all__"


class NestedFundingLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundingLine
        exclude = ["project", "pairing", "created_at", "updated_at"]


class AidProjectSerializer(serializers.ModelSerializer):
    funding_lines = NestedFundingLineSerializer(many=True, read_only=True)

    class Meta:
        model = AidProject
        fields = "__all__"


class DonationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Donation
        fields = "__all__"
