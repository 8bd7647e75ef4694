from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from imports import jobs
from imports.choices import ImportMode
from imports.models import ImportJob
from imports.types import REGISTRY


class ImportJobSerializer(serializers.ModelSerializer):
    marked_file = serializers.SerializerMethodField(
        help_text=_("Where to download the workbook with the errors marked.")
    )

    class Meta:
        model = ImportJob
        exclude = ["user", "file", "error_file", "claim"]

    def to_representation(self, job):
        data = super().to_representation(job)
        data["progress"], data["stage"] = jobs.progress_of(job)  # a dry run's
        return data

    def get_marked_file(self, job) -> str | None:
        if not job.error_file:
            return None
        return reverse("api:importjob-marked", args=[job.pk])


class ImportUploadSerializer(serializers.Serializer):
    record_type = serializers.ChoiceField(
        choices=[(slug, cls.title) for slug, cls in REGISTRY.items()],
        help_text=_("What the workbook holds."),
    )
    file = serializers.FileField(help_text=_("The workbook (.xlsx)."))


class ImportConfirmSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=ImportMode.choices, default=ImportMode.VALID_ROWS
    )
