from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from reporting.exports import jobs as exports
from reporting.models import (
    ExportJob,
    ReportAttachment,
    ReportEvent,
    ReportingPeriod,
    SemesterReport,
)
from reporting.reports.prefill import FIGURES, MONEY
from reporting.reports.services import NARRATIVE
from reporting.statistics import registry


class ReportingPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportingPeriod
        fields = "__all__"


class ReportEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportEvent
        fields = [
            "action",
            "from_status",
            "to_status",
            "actor",
            "comment",
            "created_at",
        ]


class ReportAttachmentSerializer(serializers.ModelSerializer):
    """An attachment as the report page lists it; the file itself is read from
    ``download`` (the stored name is never shown)."""

    name = serializers.CharField(
        source="original_name", read_only=True, label=_("file name")
    )
    download = serializers.SerializerMethodField(
        help_text=_("Where to download the file.")
    )

    class Meta:
        model = ReportAttachment
        fields = [
            "id",
            "report",
            "name",
            "content_type",
            "size",
            "uploaded_by",
            "created_at",
            "download",
        ]

    def get_download(self, attachment) -> str:
        from django.urls import reverse

        return reverse("api:reportattachment-download", args=[attachment.pk])


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        label=_("file"),
        help_text=_(
            "A photo (JPEG or PNG), a PDF file or a Word, Excel or PowerPoint "
            "document; the type is read from the content."
        ),
    )


class SemesterReportSerializer(serializers.ModelSerializer):
    events = ReportEventSerializer(many=True, read_only=True)
    attachments = ReportAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = SemesterReport
        fields = "__all__"


def _figure_field(name):
    label = SemesterReport._meta.get_field(name).verbose_name
    if name in MONEY:
        return serializers.DecimalField(
            max_digits=14,
            decimal_places=2,
            min_value=0,
            coerce_to_string=False,
            required=False,
            label=label,
        )
    return serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, required=False, label=label
    )


class ReportSaveSerializer(serializers.Serializer):
    """The school's figures, explanations and narrative. ``version`` is the version
    read before editing: if someone saved since, nothing is written (409)."""

    version = serializers.IntegerField(
        min_value=1,
        help_text=_("The report's version when you read it (optimistic locking)."),
    )
    explanations = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True),
        required=False,
        help_text=_("Why a figure differs from the records, by figure name."),
    )
    locals().update({name: _figure_field(name) for name in FIGURES})
    locals().update(
        {
            name: serializers.CharField(
                required=False,
                allow_blank=True,
                label=SemesterReport._meta.get_field(name).verbose_name,
            )
            for name in NARRATIVE
        }
    )

    def validate_explanations(self, value):
        unknown = sorted(set(value) - set(FIGURES))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown figures: %(names)s") % {"names": ", ".join(unknown)}
            )
        return value


class ReportStartSerializer(serializers.Serializer):
    school = serializers.IntegerField(min_value=1, label=_("school"))
    period = serializers.IntegerField(min_value=1, label=_("reporting period"))


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        label=_("comment"),
        help_text=_("Required to return a report and to unlock one (the reason)."),
    )


class ExportJobSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(
        help_text=_("Where to download the file once the job is done.")
    )
    note = serializers.SerializerMethodField(
        help_text=_("The job's state beyond its status, e.g. waiting for the queue.")
    )
    can_retry = serializers.SerializerMethodField(
        help_text=_("Whether Retry applies: every job that is not done or being built.")
    )

    class Meta:
        model = ExportJob
        exclude = ["user", "file", "claim"]

    def get_note(self, job) -> str:
        return exports.note(job)

    def get_can_retry(self, job) -> bool:
        return exports.can_retry(job)

    def get_download(self, job) -> str | None:
        from django.urls import reverse

        if job.status != "done":
            return None
        return reverse("api:exportjob-download", args=[job.pk])


class ExportRequestSerializer(serializers.Serializer):
    table = serializers.ChoiceField(
        choices=[(registry.YEARLY, _("yearly statistics workbook"))]
        + [(code, title) for code, (_module, title) in registry.TABLES.items()],
        label=_("table"),
    )


class CellSerializer(serializers.Serializer):
    text = serializers.CharField()
    colspan = serializers.IntegerField()
    rowspan = serializers.IntegerField()


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()


class RowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["data", "subtotal", "total"])
    level = serializers.IntegerField()
    values = serializers.DictField(
        help_text=_("Values by column key; money in 万元, rates in percent.")
    )
    approximate = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Keys of the figures that are at least the value shown (≥)."),
    )


class CheckSerializer(serializers.Serializer):
    label = serializers.CharField()
    expected = serializers.CharField()
    actual = serializers.CharField()
    ok = serializers.BooleanField()


class StatisticsCatalogueSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()


class StatisticsTableSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    unit_name = serializers.CharField(help_text=_("填报单位 reporting unit"))
    period_label = serializers.CharField()
    unit = serializers.CharField()
    header = serializers.ListField(child=CellSerializer(many=True))
    columns = ColumnSerializer(many=True)
    rows = RowSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    checks = CheckSerializer(
        many=True,
        help_text=_("Reconciliation (校验): subtotals and totals against their rows."),
    )
    offset = serializers.IntegerField()
    more = serializers.BooleanField(
        help_text=_("More rows follow: ask again with offset + limit.")
    )


class CompliancePairingSerializer(serializers.Serializer):
    class Result(serializers.Serializer):
        rule = serializers.CharField()
        period = serializers.CharField()
        figure = serializers.CharField()
        threshold = serializers.CharField()
        passed = serializers.BooleanField(allow_null=True)
        details = serializers.ListField(child=serializers.CharField())

    pairing = serializers.IntegerField()
    name = serializers.CharField()
    passed = serializers.BooleanField(allow_null=True)
    results = Result(many=True)
