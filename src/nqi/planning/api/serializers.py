from rest_framework import serializers

from nqi.accounts.models import Organisation
from nqi.planning.actions import ADOPTABLE_KINDS, MAX_SEED
from nqi.planning.choices import HistoryPeriod
from nqi.planning.models import PlanCell, SamplingScheme


class PlanCellSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanCell
        fields = ["id", "enterprise", "enterprise_key", "enterprise_name", "enterprise_uscc", "product_category", "city",
                  "batches", "random_batches", "targeted_batches", "proposed_batches", "minimum_batches",
                  "inclusion_probability", "estimated_risk", "risk_low", "risk_high", "risk_rank", "history_sampled",
                  "history_failed", "reason", "edited", "random_task", "targeted_task"]


class SchemeTotalsSerializer(serializers.Serializer):
    batches = serializers.IntegerField()
    random_batches = serializers.IntegerField()
    targeted_batches = serializers.IntegerField()
    planned_cells = serializers.IntegerField()
    edited_cells = serializers.IntegerField()
    expected_failures = serializers.FloatField()
    categories_below_minimum = serializers.ListField(child=serializers.ListField())


class SamplingSchemeSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = SamplingScheme
        fields = ["id", "name", "year", "period", "owner_city", "status", "status_display", "created_by", "budget",
                  "max_per_cell", "min_per_category", "min_per_city", "random_share", "seed", "city_minimums",
                  "category_minimums", "history_from", "history_to", "history_period", "categories", "plan_kinds",
                  "include_unsampled", "history_batches", "history_failed", "history_periods", "half_life",
                  "correction_odds_ratio",
                  "frame_size", "proposed_random_batches", "proposed_expected_failures", "uniform_expected_failures",
                  "notes", "generation_seconds", "adopted_plan", "adopted_at", "created_at", "updated_at"]
        read_only_fields = fields


class SamplingSchemeDetailSerializer(SamplingSchemeSerializer):
    cells = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()

    class Meta(SamplingSchemeSerializer.Meta):
        fields = SamplingSchemeSerializer.Meta.fields + ["totals", "cells"]
        read_only_fields = fields

    def get_cells(self, scheme) -> list[dict]:
        cells = scheme.cells.all()
        if self.context.get("planned_only", True):
            cells = cells.filter(batches__gt=0)
        return PlanCellSerializer(cells.order_by("risk_rank", "id"), many=True).data

    def get_totals(self, scheme) -> dict:
        from nqi.planning.actions import scheme_totals

        return SchemeTotalsSerializer(scheme_totals(scheme)).data


class GenerateSchemeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    period = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    budget = serializers.IntegerField(min_value=1, max_value=100000)
    max_per_cell = serializers.IntegerField(min_value=1, max_value=1000)
    min_per_category = serializers.IntegerField(min_value=0, default=0)
    min_per_city = serializers.IntegerField(min_value=0, default=0)
    random_share = serializers.FloatField(min_value=0.0, max_value=1.0, default=0.2)
    seed = serializers.IntegerField(min_value=0, max_value=MAX_SEED, required=False, allow_null=True, default=None)
    history_from = serializers.DateField(required=False, allow_null=True, default=None)
    history_to = serializers.DateField(required=False, allow_null=True, default=None)
    history_period = serializers.ChoiceField(choices=HistoryPeriod.choices, default=HistoryPeriod.QUARTER)
    categories = serializers.ListField(child=serializers.CharField(max_length=60), default=list)
    include_unsampled = serializers.BooleanField(default=True)


class EditCellSerializer(serializers.Serializer):
    cell = serializers.IntegerField(min_value=1)
    batches = serializers.IntegerField(min_value=0)


class AdoptSchemeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=ADOPTABLE_KINDS)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    batch = serializers.IntegerField(min_value=1, max_value=99, default=1)
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField()
    labs = serializers.PrimaryKeyRelatedField(many=True, queryset=Organisation.objects.all())


class DiscardSchemeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PassRateEstimateSerializer(serializers.Serializer):
    pass_rate = serializers.FloatField()
    low = serializers.FloatField()
    high = serializers.FloatField()
    confidence = serializers.FloatField()
    batches = serializers.IntegerField()
    failed = serializers.IntegerField()
    effective_batches = serializers.FloatField()
    method = serializers.CharField()
    note = serializers.CharField()


class SchemeEstimateSerializer(serializers.Serializer):
    random = PassRateEstimateSerializer(allow_null=True)
    ipw = PassRateEstimateSerializer(allow_null=True)
    naive = PassRateEstimateSerializer(allow_null=True)
    decided = serializers.IntegerField()
    planned = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.CharField())

