from rest_framework import serializers

from dispatch.models import Activity, Appraisal, Person, Secondment, Stint

CONFIRMATION_FIELDS = [
    "confirmation",
    "recorded_by",
    "confirmed_by",
    "confirmed_at",
    "host_comment",
]


class PersonSerializer(serializers.ModelSerializer):
    """The ID number is never sent; the browser shows it masked only."""

    class Meta:
        model = Person
        exclude = ["id_number"]


class StintSerializer(serializers.ModelSerializer):
    days = serializers.IntegerField(
        read_only=True, help_text="Days on post, both ends included."
    )

    class Meta:
        model = Stint
        fields = "__all__"
        # The host school confirms through its own action, never by a field.
        read_only_fields = CONFIRMATION_FIELDS


class NestedStintSerializer(StintSerializer):
    class Meta:
        model = Stint
        fields = ["id", "start", "end", "note", "days", "confirmation", "host_comment"]
        read_only_fields = CONFIRMATION_FIELDS


class SecondmentSerializer(serializers.ModelSerializer):
    stints = NestedStintSerializer(many=True, read_only=True)

    class Meta:
        model = Secondment
        fields = "__all__"


class AppraisalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appraisal
        fields = "__all__"


class ActivitySerializer(serializers.ModelSerializer):
    trainees = serializers.SerializerMethodField(
        help_text="Receiving-school teachers trained (people ids)."
    )

    class Meta:
        model = Activity
        fields = "__all__"

    def get_trainees(self, activity) -> list[int]:
        return [p.person_id for p in activity.participations.all()]
