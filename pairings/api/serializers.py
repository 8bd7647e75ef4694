from rest_framework import serializers

from pairings.models import (
    Agreement,
    AgreementTarget,
    Pairing,
    PairingParty,
    Programme,
    Region,
    School,
    SchoolYearProfile,
)


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent"]


class SchoolSerializer(serializers.ModelSerializer):
    class Meta:
        model = School
        fields = "__all__"


class SchoolYearProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = SchoolYearProfile
        fields = "__all__"


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = "__all__"


class PairingPartySerializer(serializers.ModelSerializer):
    class Meta:
        model = PairingParty
        fields = ["school", "side", "is_lead"]


class PairingSerializer(serializers.ModelSerializer):
    parties = PairingPartySerializer(many=True, read_only=True)

    class Meta:
        model = Pairing
        exclude = ["schools"]  # the parties say who is on which side


class AgreementTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgreementTarget
        fields = ["id", "year", "metric", "planned"]


class AgreementSerializer(serializers.ModelSerializer):
    targets = AgreementTargetSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = "__all__"
