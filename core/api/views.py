"""The audit trail and the user's notifications: what the browser's audit page and
notification bell show."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core import notifications
from core.models import AuditEntry, Notification
from core.views import audit_entries, audit_filter

from .viewsets import PlainViewSet, form_or_400


class AuditEntrySerializer(serializers.ModelSerializer):
    model = serializers.SerializerMethodField(
        help_text=_("Object type as app_label.model_name.")
    )
    model_name = serializers.SerializerMethodField(
        help_text=_("Object type in the request's language.")
    )

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "time",
            "user",
            "username",
            "source",
            "action",
            "model",
            "model_name",
            "object_id",
            "object_repr",
            "changes",
            "request_id",
        ]

    def get_model(self, entry) -> str:
        content_type = entry.content_type
        return f"{content_type.app_label}.{content_type.model}"

    def get_model_name(self, entry) -> str:
        model = entry.content_type.model_class()
        return str(model._meta.verbose_name) if model else entry.content_type.model


AUDIT_PARAMETERS = [
    OpenApiParameter("user", OpenApiTypes.STR, description=_("user")),
    OpenApiParameter(
        "model",
        OpenApiTypes.STR,
        description=_("Object type as app_label.model_name."),
    ),
    OpenApiParameter(
        "action",
        OpenApiTypes.STR,
        enum=[value for value, _label in AuditEntry.Action.choices],
        description=_("action"),
    ),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description=_("from")),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description=_("to")),
    OpenApiParameter(
        "object_id",
        OpenApiTypes.INT,
        description=_("One object's history (with model)."),
    ),
]


@extend_schema_view(list=extend_schema(parameters=AUDIT_PARAMETERS))
class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlainViewSet):
    """操作日志 The audit trail: who created, changed or deleted what, when, from
    where, with the values before and after (bureau staff: their region's objects;
    administrators: everything). ID numbers and passwords are masked."""

    serializer_class = AuditEntrySerializer
    schema_subject = _("Audit log")

    def get_queryset(self):
        if self.action != "list":
            return audit_entries(self.request.user)
        form, entries = audit_filter(self.request.user, self.request.query_params)
        if form.is_bound:
            form_or_400(form)
        object_id = self.request.query_params.get("object_id")
        if object_id:
            if not object_id.isdigit() or len(object_id) > 18:
                raise exceptions.ValidationError(
                    {"object_id": [_("Give the object's id (a whole number).")]}
                )
            entries = entries.filter(object_id=object_id)
        return entries


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "message", "url", "created_at", "read_at"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "unread",
                OpenApiTypes.BOOL,
                description=_("Only the notifications not read yet."),
            )
        ]
    )
)
class NotificationViewSet(mixins.ListModelMixin, PlainViewSet):
    """通知 The user's own notifications (a report returned, a reminder to file…),
    newest first; marking them read."""

    serializer_class = NotificationSerializer
    schema_subject = _("notifications")

    def get_queryset(self):
        rows = Notification.objects.filter(user=self.request.user)
        if self.action == "list":
            unread = self.request.query_params.get("unread", "").lower()
            if unread in ("true", "1"):
                rows = rows.filter(read_at__isnull=True)
            elif unread not in ("", "false", "0"):
                raise exceptions.ValidationError({"unread": [_("Give true or false.")]})
        return rows

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """已读 Mark one notification read."""
        notification = notifications.notification_read(notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "NotificationsMarked",
                {"marked": serializers.IntegerField(help_text=_("How many."))},
            )
        },
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """全部已读 Mark every unread notification read."""
        return Response(
            {"marked": notifications.notifications_read_all(user=request.user)}
        )


# The endpoints this app adds under /api/v1/ (prefix, viewset, basename); read by
# config/api_urls.py through the AppConfig's ``api`` attribute.
ROUTES = [
    ("audit", AuditEntryViewSet, "auditentry"),
    ("notifications", NotificationViewSet, "notification"),
]
