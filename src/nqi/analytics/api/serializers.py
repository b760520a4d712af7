"""Plain-dict shapes of the analytics API (the statistics are dataclasses, not models)."""

from __future__ import annotations

from rest_framework import serializers

# --- Shapes for the OpenAPI schema (the views build the same dicts with the functions below) ---------------


class PassRateSchema(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField(allow_null=True)
    batches = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="合格率（%）")
    low = serializers.FloatField(allow_null=True, help_text="置信区间下限（%）")
    high = serializers.FloatField(allow_null=True, help_text="置信区间上限（%）")
    confidence = serializers.FloatField()
    method = serializers.CharField()
    small_sample = serializers.BooleanField()


class ChangeSchema(serializers.Serializer):
    from_ = serializers.CharField()
    to = serializers.CharField()
    change_pp = serializers.FloatField(allow_null=True)
    change_low_pp = serializers.FloatField(allow_null=True)
    change_high_pp = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    test = serializers.CharField()
    significant = serializers.BooleanField()

    def get_fields(self):  # "from" is a Python keyword: expose the field under its real name
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class FunnelPointSchema(serializers.Serializer):
    label = serializers.CharField()
    batches = serializers.IntegerField()
    passed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField()
    limits = serializers.DictField(child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
                                   help_text="控制限（%），键为置信水平，如 95、99.8")


class OverdispersionSchema(serializers.Serializer):
    phi = serializers.FloatField()
    p_value = serializers.FloatField()
    overdispersed = serializers.BooleanField()


class FunnelSchema(serializers.Serializer):
    by = serializers.CharField()
    overall_rate = serializers.FloatField(allow_null=True)
    overdispersion = OverdispersionSchema(allow_null=True)
    points = FunnelPointSchema(many=True)


class AlarmSchema(serializers.Serializer):
    product_category = serializers.CharField()
    city = serializers.CharField(allow_null=True)
    since = serializers.DateField()
    still_above_threshold = serializers.BooleanField()
    baseline_failure_rate = serializers.FloatField(allow_null=True)
    recent_failure_rate = serializers.FloatField(allow_null=True)
    baseline_batches = serializers.IntegerField()
    recent_batches = serializers.IntegerField()
    statistic = serializers.FloatField()
    threshold = serializers.FloatField()
    computed_at = serializers.DateTimeField()


class PassRatesSchema(serializers.Serializer):
    by = serializers.CharField()
    method = serializers.CharField()
    granularity = serializers.CharField()
    filters = serializers.DictField()
    targeted_batches = serializers.IntegerField()
    rates = PassRateSchema(many=True)
    overall = PassRateSchema()
    trend = PassRateSchema(many=True)
    changes = ChangeSchema(many=True)
    funnel = FunnelSchema()
    alarms = AlarmSchema(many=True)
    notes = serializers.DictField(child=serializers.CharField())


class AlarmsSchema(serializers.Serializer):
    computed_at = serializers.DateTimeField(allow_null=True)
    alarms = AlarmSchema(many=True)



def _pct(value):
    return None if value is None else round(100 * value, 4)


def pass_rate(rate, key=None) -> dict:
    return {
        "key": None if key is None else str(key), "label": None if rate.label is None else str(rate.label),
        "batches": rate.total, "passed": rate.passed, "failed": rate.failed, "rate": _pct(rate.rate),
        "low": _pct(rate.low), "high": _pct(rate.high), "confidence": rate.confidence, "method": rate.method,
        "small_sample": rate.small_sample,
    }


def change(c) -> dict:
    return {"from": c.previous.label, "to": c.current.label,
            "change_pp": None if c.change_pp is None else round(c.change_pp, 4),
            "change_low_pp": None if c.change_low_pp is None else round(c.change_low_pp, 4),
            "change_high_pp": None if c.change_high_pp is None else round(c.change_high_pp, 4),
            "p_value": c.p_value, "test": c.test, "significant": c.significant}


def funnel(f) -> dict:
    return {
        "by": f.by, "overall_rate": _pct(f.overall_rate),
        "overdispersion": None if f.overdispersion is None else {
            "phi": f.overdispersion.phi, "p_value": f.overdispersion.p_value,
            "overdispersed": f.overdispersion.overdispersed},
        "points": [{"label": str(p.label), "batches": p.total, "passed": p.passed, "rate": _pct(p.rate),
                    "status": p.status, "status_label": p.status_label,
                    "limits": {f"{100 * level:g}": [_pct(lo), _pct(hi)] for level, (lo, hi) in p.limits.items()}}
                   for p in f.points],
    }


def alarm(row) -> dict:
    return {"product_category": row.product_category, "city": row.city or None, "since": row.alarm_date,
            "still_above_threshold": row.still_above, "baseline_failure_rate": _pct(row.baseline_rate),
            "recent_failure_rate": _pct(row.recent_rate), "baseline_batches": row.baseline_total,
            "recent_batches": row.recent_total, "statistic": row.statistic, "threshold": row.threshold,
            "computed_at": row.computed_at}
