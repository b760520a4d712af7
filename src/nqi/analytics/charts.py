"""Turn results of `nqi.analytics.stats` into Chart.js configuration dicts (type, data, options).

Rates are given in percent rounded to two decimals; a missing value is None (JSON null), which Chart.js
draws as a gap. Extra facts a template may want for tooltips or tables (batch counts, small-sample
flags, funnel statuses) go under the top-level "meta" key, which Chart.js ignores. No HTML here: a view
passes the dict through `json_script`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.utils.translation import gettext as _

from .stats import (
    FUNNEL_LEVELS,
    CusumGroup,
    FunnelPoint,
    PassRate,
    funnel_limits,
)

# Colours shared by every chart so a status means the same colour on every page.
COLOURS = {
    "rate": "#2f6fb0",
    "rate_light": "rgba(47, 111, 176, 0.35)",  # small samples
    "interval": "#6b7785",
    "band": "rgba(107, 119, 133, 0.15)",
    "target": "#333333",
    "limit_95": "#e0a030",
    "limit_998": "#c0392b",
    "above_998": "#1e8449",
    "above_95": "#52be80",
    "within": "#2f6fb0",
    "below_95": "#e67e22",
    "below_998": "#c0392b",
}


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100.0 * value, 2)


def _label(value) -> str:
    return "" if value is None else str(value)


def _percent_axis(title: str) -> dict:
    return {"title": {"display": True, "text": title}, "suggestedMin": 0, "suggestedMax": 100}


def _zoomed_percent_axis(title: str, lowest: float | None) -> dict:
    """A percent axis from a round number a little below `lowest` (a rate in 0..1) to 100.

    Pass rates mostly lie above 90%, where a 0-100 axis squeezes every line and point into the top tenth.
    Lines and points (not bars, whose length is the value) are drawn on an axis that starts near the data.
    """
    if lowest is None:
        return _percent_axis(title)
    bottom = max(0, 5 * int((100 * lowest - 2) // 5))
    return {"title": {"display": True, "text": title}, "min": bottom, "max": 100}


def pass_rate_bar_chart(rates: Sequence[PassRate], title: str = "") -> dict:
    """Bar per group with its interval drawn as short horizontal marks at the low and high ends."""
    confidence = round(100 * rates[0].confidence, 1) if rates else 95
    interval_point = {"type": "line", "showLine": False, "pointStyle": "line", "pointRadius": 10,
                      "borderColor": COLOURS["interval"], "borderWidth": 2}
    return {
        "type": "bar",
        "data": {
            "labels": [_label(r.label) for r in rates],
            "datasets": [
                {
                    "type": "bar",
                    "label": _("合格率 (%)"),
                    "data": [_percent(r.rate) for r in rates],
                    "backgroundColor": [
                        COLOURS["rate_light"] if r.small_sample else COLOURS["rate"] for r in rates
                    ],
                },
                {**interval_point, "label": _("%(level)s%% 区间下限") % {"level": f"{confidence:g}"},
                 "data": [_percent(r.low) for r in rates]},
                {**interval_point, "label": _("%(level)s%% 区间上限") % {"level": f"{confidence:g}"},
                 "data": [_percent(r.high) for r in rates]},
            ],
        },
        "options": {
            "plugins": {"title": {"display": bool(title), "text": title}},
            "scales": {"y": _percent_axis(_("合格率 (%)"))},
        },
        "meta": {
            "passed": [r.passed for r in rates],
            "total": [r.total for r in rates],
            "small_sample": [r.small_sample for r in rates],
            "method": rates[0].method if rates else None,
        },
    }


def trend_chart(rates: Sequence[PassRate], title: str = "") -> dict:
    """Pass rate over periods with its interval as a shaded band between the low and high lines."""
    return {
        "type": "line",
        "data": {
            "labels": [_label(r.label) for r in rates],
            "datasets": [
                {"label": _("合格率 (%)"), "data": [_percent(r.rate) for r in rates],
                 "borderColor": COLOURS["rate"], "spanGaps": False, "fill": False},
                {"label": _("区间下限"), "data": [_percent(r.low) for r in rates],
                 "borderColor": COLOURS["band"], "pointRadius": 0, "fill": False},
                # fill "-1" shades down to the previous dataset, the lower limit.
                {"label": _("区间上限"), "data": [_percent(r.high) for r in rates],
                 "borderColor": COLOURS["band"], "backgroundColor": COLOURS["band"], "pointRadius": 0,
                 "fill": "-1"},
            ],
        },
        "options": {
            "plugins": {"title": {"display": bool(title), "text": title}},
            "scales": {"y": _zoomed_percent_axis(_("合格率 (%)"), min(
                (value for r in rates for value in (r.rate, r.low) if value is not None), default=None))},
        },
        "meta": {
            "passed": [r.passed for r in rates],
            "total": [r.total for r in rates],
            "small_sample": [r.small_sample for r in rates],
        },
    }


def funnel_size_grid(max_size: int, points: int = 120) -> list[int]:
    """Sizes at which to draw the limit lines: every size up to 50, then geometric steps to max_size,
    since the funnel bends most at small sizes."""
    max_size = max(1, int(max_size))
    small = list(range(1, min(max_size, 50) + 1))
    if max_size <= 50:
        return small
    large = np.unique(np.geomspace(50, max_size, num=max(2, points - 50)).round().astype(int))
    return sorted(set(small) | {int(n) for n in large} | {max_size})


def funnel_chart(
    points: Sequence[FunnelPoint],
    overall_rate: float,
    levels: Sequence[float] = FUNNEL_LEVELS,
    phi: float = 1.0,
    title: str = "",
) -> dict:
    """Scatter of units (x = batches checked, y = pass rate) with the target line and the limit lines."""
    shown = [p for p in points if p.rate is not None]
    max_size = max((p.total for p in shown), default=1)
    grid = funnel_size_grid(max_size)
    limits = funnel_limits(overall_rate, grid, levels, phi)
    # The axis reaches down to the lowest unit and to the widest limit at the smallest unit's size, so
    # every point and the part of the funnel where units lie are in view; the limits below that are cut off.
    smallest = min((p.total for p in shown), default=None)
    widest = [fl.limits[max(levels)][0] for fl in limits if smallest is not None and fl.size == smallest]
    lowest = min([p.rate for p in shown] + widest, default=None)
    datasets = [
        {
            "type": "scatter",
            "label": _("抽检单位"),
            "data": [{"x": p.total, "y": _percent(p.rate), "label": _label(p.label)} for p in shown],
            "pointBackgroundColor": [COLOURS.get(p.status, COLOURS["within"]) for p in shown],
            "pointRadius": 5,
        },
        {
            "type": "line",
            "label": _("总体合格率"),
            "data": [{"x": grid[0], "y": _percent(overall_rate)}, {"x": grid[-1], "y": _percent(overall_rate)}],
            "borderColor": COLOURS["target"],
            "pointRadius": 0,
        },
    ]
    for level in levels:
        colour = COLOURS["limit_998"] if level == max(levels) else COLOURS["limit_95"]
        name = f"{100 * level:g}%"
        for side, index in ((_("下控制限"), 0), (_("上控制限"), 1)):
            datasets.append({
                "type": "line",
                "label": f"{name} {side}",
                "data": [{"x": fl.size, "y": _percent(fl.limits[level][index])} for fl in limits],
                "borderColor": colour,
                "borderDash": [] if level == max(levels) else [6, 4],
                "pointRadius": 0,
                "borderWidth": 1.5,
            })
    return {
        "type": "scatter",
        "data": {"datasets": datasets},
        "options": {
            "plugins": {"title": {"display": bool(title), "text": title}},
            "scales": {
                "x": {"type": "linear", "title": {"display": True, "text": _("抽检批次数")}, "min": 0},
                "y": _zoomed_percent_axis(_("合格率 (%)"), lowest),
            },
        },
        "meta": {
            "units": [
                {"label": _label(p.label), "passed": p.passed, "total": p.total, "status": p.status,
                 "status_label": p.status_label}
                for p in points
            ],
        },
    }


def cusum_chart(group: CusumGroup, title: str = "") -> dict:
    """CUSUM statistic of one group over its monitored batches, with the alarm threshold h."""
    labels = [d.isoformat() for d in group.dates]
    datasets = [
        {"label": _("CUSUM 统计量"), "data": [round(s, 4) for s in group.path],
         "borderColor": COLOURS["rate"], "pointRadius": 0, "stepped": True},
    ]
    if group.h is not None:
        datasets.append({"label": _("报警阈值 h"), "data": [round(group.h, 4)] * len(labels),
                         "borderColor": COLOURS["limit_998"], "borderDash": [6, 4], "pointRadius": 0})
    return {
        "type": "line",
        "data": {"labels": labels, "datasets": datasets},
        "options": {"plugins": {"title": {"display": bool(title), "text": title or _label(group.group)}}},
        "meta": {
            "alarm_date": group.alarm_date.isoformat() if group.alarm_date else None,
            "baseline_rate": _percent(group.baseline_rate),
            "recent_rate": _percent(group.recent_rate),
        },
    }
