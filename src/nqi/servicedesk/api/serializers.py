from django.utils import timezone
from rest_framework import serializers

from nqi.accounts.choices import OrgKind
from nqi.accounts.models import Organisation
from nqi.catalog.models import Expert, ServiceItem
from nqi.core.models import AuditEntry, ServiceLine
from nqi.servicedesk.choices import RequestKind, RequestStatus, Urgency
from nqi.servicedesk.models import Attachment, ProgressNote, RequestParticipant, ServiceRequest, SolvedCase


class ProgressNoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = ProgressNote
        fields = ["id", "author", "text", "percent", "created_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "created_at", "download_url"]

    def get_download_url(self, obj) -> str:
        return f"/requests/{obj.request_id}/attachments/{obj.pk}/"


class ParticipantSerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    expert_name = serializers.CharField(source="expert.name", read_only=True, default="")

    class Meta:
        model = RequestParticipant
        fields = ["provider", "provider_name", "expert", "expert_name", "role"]


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", read_only=True, default="系统")

    class Meta:
        model = AuditEntry
        fields = ["action", "from_state", "to_state", "note", "actor", "created_at"]


def _moment(value):
    """What DRF's DateTimeField gives (ISO 8601 in the current time zone, "Z" for UTC), without its per-value
    checks: the list renders five of these per row."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ServiceRequestListSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True, default=None)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ServiceRequest
        fields = ["id", "number", "kind", "title", "product", "line", "urgency", "status", "status_display",
                  "enterprise", "enterprise_name", "city", "provider", "provider_name", "expert", "is_joint",
                  "submitted_at", "accept_due_at", "resolve_due_at", "resolved_at", "closed_at", "rating"]

    def to_representation(self, r):
        """The list is the busiest endpoint: build each row directly (same output as the declared fields, which
        still describe it in the schema; tests compare the two) instead of walking 22 generic fields. The API's
        list pages hand in `LIST_VALUES` dicts; single requests come as instances."""
        if type(self) is not ServiceRequestListSerializer:
            return super().to_representation(r)
        if isinstance(r, dict):
            return _list_row(r)
        return _list_row({
            "id": r.id, "number": r.number, "kind": r.kind, "title": r.title, "product": r.product,
            "line_id": r.line_id, "urgency": r.urgency, "status": r.status, "enterprise_id": r.enterprise_id,
            "enterprise__name": r.enterprise.name, "city": r.city, "provider_id": r.provider_id,
            "provider__name": r.provider.name if r.provider_id else None, "expert_id": r.expert_id,
            "is_joint": r.is_joint, "submitted_at": r.submitted_at, "accept_due_at": r.accept_due_at,
            "resolve_due_at": r.resolve_due_at, "resolved_at": r.resolved_at, "closed_at": r.closed_at,
            "rating": r.rating,
        })


# The columns a list row is built from (`.values()` names).
LIST_VALUES = ("id", "number", "kind", "title", "product", "line_id", "urgency", "status", "enterprise_id",
               "enterprise__name", "city", "provider_id", "provider__name", "expert_id", "is_joint", "submitted_at",
               "accept_due_at", "resolve_due_at", "resolved_at", "closed_at", "rating")


def _list_row(r: dict) -> dict:
    status = r["status"]
    return {
        "id": r["id"], "number": r["number"], "kind": r["kind"], "title": r["title"], "product": r["product"],
        "line": r["line_id"], "urgency": r["urgency"], "status": status,
        "status_display": str(_STATUS_LABELS.get(status, status)),
        "enterprise": r["enterprise_id"], "enterprise_name": r["enterprise__name"], "city": r["city"],
        "provider": r["provider_id"], "provider_name": r["provider__name"], "expert": r["expert_id"],
        "is_joint": r["is_joint"], "submitted_at": _moment(r["submitted_at"]),
        "accept_due_at": _moment(r["accept_due_at"]), "resolve_due_at": _moment(r["resolve_due_at"]),
        "resolved_at": _moment(r["resolved_at"]), "closed_at": _moment(r["closed_at"]), "rating": r["rating"],
    }


_STATUS_LABELS = dict(RequestStatus.choices)  # lazy labels: str() translates them per request


class ServiceRequestDetailSerializer(ServiceRequestListSerializer):
    notes = ProgressNoteSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    deadline_fallback = serializers.BooleanField(read_only=True)

    class Meta(ServiceRequestListSerializer.Meta):
        fields = ServiceRequestListSerializer.Meta.fields + [
            "description", "service_item", "dispatched_at", "accepted_at", "solution", "rating_comment",
            "resolved_on_time", "escalated_at", "deadline_fallback", "notes", "attachments", "participants"]


class SubmitRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RequestKind.choices, default=RequestKind.SERVICE)
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000)
    product = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    line = serializers.PrimaryKeyRelatedField(queryset=ServiceLine.objects.all(), required=False, allow_null=True)
    service_item = serializers.PrimaryKeyRelatedField(queryset=ServiceItem.objects.filter(active=True),
                                                      required=False, allow_null=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)


class DispatchSerializer(serializers.Serializer):
    provider = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(kind=OrgKind.PROVIDER))
    expert = serializers.PrimaryKeyRelatedField(queryset=Expert.objects.all(), required=False, allow_null=True)
    line = serializers.PrimaryKeyRelatedField(queryset=ServiceLine.objects.all(), required=False, allow_null=True)
    service_item = serializers.PrimaryKeyRelatedField(queryset=ServiceItem.objects.all(), required=False,
                                                      allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ProgressSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    percent = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)


class ResolveSerializer(serializers.Serializer):
    solution = serializers.CharField(max_length=10000)


class CloseSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class JointSerializer(serializers.Serializer):
    providers = serializers.PrimaryKeyRelatedField(many=True, required=False, default=list,
                                                   queryset=Organisation.objects.filter(kind=OrgKind.PROVIDER))
    experts = serializers.PrimaryKeyRelatedField(many=True, required=False, default=list,
                                                 queryset=Expert.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PublishCaseSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=150)
    problem = serializers.CharField()
    cause = serializers.CharField()
    solution = serializers.CharField()
    result = serializers.CharField()
    industry = serializers.CharField(required=False, allow_blank=True, default="")
    tags = serializers.CharField(required=False, allow_blank=True, default="")


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class SolvedCaseSerializer(serializers.ModelSerializer):
    city_name = serializers.CharField(source="get_city_display", read_only=True)

    class Meta:
        model = SolvedCase
        fields = ["id", "title", "industry", "line", "city", "city_name", "problem", "cause", "solution", "result",
                  "providers_text", "tags", "published_at", "request"]
