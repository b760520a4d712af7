from rest_framework import serializers

from nqi.accounts.models import Organisation
from nqi.core.choices import City
from nqi.inspections.actions import testing_labs
from nqi.inspections.choices import Conclusion, Judgement, PlanKind, Stage
from nqi.inspections.models import (
    FollowUp,
    InspectionPlan,
    Objection,
    SamplingRecord,
    SamplingTask,
    TestItemResult,
)
from nqi.servicedesk.api.serializers import TimelineEntrySerializer  # noqa: F401 shared schema

CONCLUSIONS = [Conclusion.PASS, Conclusion.FAIL]


class InspectionPlanSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    sampled = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = InspectionPlan
        fields = ["id", "name", "year", "batch", "kind", "kind_display", "status", "status_display", "owner_city",
                  "product_categories", "cities", "quota", "labs", "start_date", "end_date", "publish_risk_results",
                  "is_imported", "closed_at", "close_reason", "sampled", "created_at"]
        read_only_fields = ["status", "owner_city", "is_imported", "closed_at", "close_reason", "created_at"]


class InspectionPlanUpdateSerializer(serializers.Serializer):
    """PATCH of a plan: only the fields sent are changed (rules in actions.do_update_plan)."""

    name = serializers.CharField(max_length=150, required=False)
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    batch = serializers.IntegerField(min_value=1, max_value=99, required=False)
    kind = serializers.ChoiceField(choices=PlanKind.choices, required=False)
    product_categories = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    cities = serializers.ListField(child=serializers.ChoiceField(choices=City.choices), required=False)
    quota = serializers.IntegerField(required=False)
    labs = serializers.PrimaryKeyRelatedField(many=True, queryset=Organisation.objects.all(), required=False)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    publish_risk_results = serializers.BooleanField(required=False)


class PlanStateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class NewInspectionPlanSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    batch = serializers.IntegerField(min_value=1, default=1)
    kind = serializers.ChoiceField(choices=PlanKind.choices)
    product_categories = serializers.ListField(child=serializers.CharField(max_length=60), default=list)
    cities = serializers.ListField(child=serializers.CharField(max_length=6), default=list)
    quota = serializers.IntegerField(min_value=0, default=0)
    labs = serializers.PrimaryKeyRelatedField(many=True, queryset=Organisation.objects.all(), default=list)
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    publish_risk_results = serializers.BooleanField(default=False)


class SamplingTaskSerializer(serializers.ModelSerializer):
    lab_name = serializers.CharField(source="lab.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = SamplingTask
        fields = ["id", "plan", "lab", "lab_name", "product_category", "city", "quota", "due_date", "status",
                  "status_display", "status_reason", "status_changed_at", "enterprise", "enterprise_name",
                  "selection", "inclusion_probability"]


class SamplingTaskUpdateSerializer(serializers.Serializer):
    """PATCH of a task: only the fields sent are changed (rules in actions.do_update_task)."""

    lab = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), required=False)
    product_category = serializers.CharField(max_length=60, required=False)
    city = serializers.ChoiceField(choices=[("", "全区"), *City.choices], required=False, allow_blank=True)
    quota = serializers.IntegerField(required=False)
    due_date = serializers.DateField(required=False, allow_null=True)


class TaskStopSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class NewSamplingTaskSerializer(serializers.Serializer):
    lab = serializers.PrimaryKeyRelatedField(queryset=testing_labs())
    product_category = serializers.CharField(max_length=60)
    city = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    quota = serializers.IntegerField(min_value=1)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class TestItemResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = TestItemResult
        fields = ["id", "record", "item", "standard", "clause", "unit", "measured", "limit", "judgement", "sort_order"]


class TestItemInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=120)
    judgement = serializers.ChoiceField(choices=Judgement.choices)
    standard = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    clause = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    measured = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    limit = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class TestResultsInputSerializer(serializers.Serializer):
    items = TestItemInputSerializer(many=True)


class InspectionObjectionSerializer(serializers.ModelSerializer):
    applicant_name = serializers.CharField(source="applicant.name", read_only=True)
    retest_lab_name = serializers.CharField(source="retest_lab.name", read_only=True, default=None)

    class Meta:
        model = Objection
        fields = ["id", "record", "applicant", "applicant_name", "requested_at", "reason", "items", "status",
                  "retest_lab", "retest_lab_name", "retest_conclusion", "retest_agrees", "payer", "retest_note",
                  "decided_at"]


class InspectionFollowUpSerializer(serializers.ModelSerializer):
    escalation_display = serializers.CharField(source="get_escalation_display", read_only=True)

    class Meta:
        model = FollowUp
        fields = ["id", "record", "enterprise", "enterprise_name", "city", "status", "ordered_at", "correction_due",
                  "order_note", "report", "reported_at", "recheck_count", "recheck_passed", "recheck_note",
                  "rechecked_at", "escalation", "escalation_display", "escalated_at", "onsite_required", "closed_at"]


class SamplingRecordListSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    conclusion_display = serializers.CharField(source="get_conclusion_display", read_only=True)

    class Meta:
        model = SamplingRecord
        fields = ["id", "number", "plan", "plan_kind", "product_name", "product_category", "specification", "batch_no",
                  "manufacturer", "manufacturer_name", "manufacturer_uscc", "sampled_unit", "sampled_unit_name",
                  "city", "stage", "sampling_date", "lab", "lab_name", "status", "status_display", "conclusion",
                  "conclusion_display", "failed_items_text", "objection_due", "published", "task", "selection"]


class SamplingRecordDetailSerializer(SamplingRecordListSerializer):
    items = TestItemResultSerializer(many=True, read_only=True)
    objection = InspectionObjectionSerializer(read_only=True, default=None)
    follow_up = InspectionFollowUpSerializer(read_only=True, default=None)

    class Meta(SamplingRecordListSerializer.Meta):
        fields = SamplingRecordListSerializer.Meta.fields + [
            "samplers", "sampling_place", "manufacturer_address", "trademark", "production_date", "sample_quantity",
            "backup_quantity", "conclusion_overridden", "override_reason", "tested_at", "notified_at", "received_on",
            "finalised_at", "published_at", "source", "remarks", "items", "objection", "follow_up"]


class NewSampleSerializer(serializers.Serializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=InspectionPlan.objects.all())
    task = serializers.PrimaryKeyRelatedField(queryset=SamplingTask.objects.all(), required=False, allow_null=True)
    product_name = serializers.CharField(max_length=120)
    manufacturer_name = serializers.CharField(max_length=200)
    city = serializers.CharField(max_length=6)
    sampling_date = serializers.DateField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    samplers = serializers.ListField(child=serializers.CharField(max_length=30))
    sample_quantity = serializers.CharField(max_length=40)
    backup_quantity = serializers.CharField(max_length=40)
    sampled_unit_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    manufacturer_uscc = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    sampled_unit_uscc = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    manufacturer_address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    product_category = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    specification = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    trademark = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    batch_no = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    production_date = serializers.DateField(required=False, allow_null=True, default=None)
    sampling_place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    remarks = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class InspectionNotifySerializer(serializers.Serializer):
    received_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReceiptSerializer(serializers.Serializer):
    received_on = serializers.DateField()


class ConclusionOverrideSerializer(serializers.Serializer):
    conclusion = serializers.ChoiceField(choices=CONCLUSIONS)
    reason = serializers.CharField(max_length=2000)


class RetestRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    items = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RetestLabSerializer(serializers.Serializer):
    lab = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())


class RetestResultSerializer(serializers.Serializer):
    conclusion = serializers.ChoiceField(choices=CONCLUSIONS)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class OrderCorrectionSerializer(serializers.Serializer):
    due = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RectifySerializer(serializers.Serializer):
    report = serializers.CharField(max_length=10000)


class RecheckSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    next_due = serializers.DateField(required=False, allow_null=True, default=None)
