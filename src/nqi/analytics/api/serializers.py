"""Plain-dict shapes of the analytics API (the statistics are dataclasses, not models)."""

from __future__ import annotations


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
