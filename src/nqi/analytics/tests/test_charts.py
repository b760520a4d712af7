"""Chart.js dicts built from the statistics: shapes, values and JSON safety."""

import json
from datetime import date, timedelta

from nqi.analytics.charts import (
    cusum_chart,
    funnel_chart,
    funnel_size_grid,
    pass_rate_bar_chart,
    trend_chart,
)
from nqi.analytics.stats import cusum_by_group, funnel_points, pass_rates, pooled_rate, trend


def test_bar_chart_has_rate_and_interval_per_group():
    rates = pass_rates([("食品", 970, 1000), ("化肥", 18, 20), ("白糖", 0, 0)])
    chart = pass_rate_bar_chart(rates, title="按类别")
    bars, low, high = chart["data"]["datasets"]
    assert chart["data"]["labels"] == ["食品", "化肥", "白糖"]
    assert bars["data"] == [97.0, 90.0, None]
    assert low["data"][0] == round(100 * rates[0].low, 2) and high["data"][1] == round(100 * rates[1].high, 2)
    assert low["data"][0] < bars["data"][0] < high["data"][0]
    assert "95%" in low["label"]
    # The 20-batch group is drawn lighter as a small sample.
    assert bars["backgroundColor"][0] != bars["backgroundColor"][1]
    assert chart["meta"]["small_sample"] == [False, True, True]
    json.dumps(chart)


def test_trend_chart_band_fills_between_limits():
    chart = trend_chart(trend([("2024-01", 90, 100), ("2024-02", 95, 100)]))
    rate, low, high = chart["data"]["datasets"]
    assert chart["data"]["labels"] == ["2024-01", "2024-02"]
    assert rate["data"] == [90.0, 95.0]
    assert high["fill"] == "-1" and all(lo < hi for lo, hi in zip(low["data"], high["data"], strict=True))
    # The axis starts at a round number below the lowest interval limit, not at 0.
    assert chart["options"]["scales"]["y"]["min"] == 5 * int((min(low["data"]) - 2) // 5)
    assert chart["options"]["scales"]["y"]["max"] == 100
    json.dumps(chart)


def test_size_grid_is_dense_at_small_sizes_and_reaches_the_largest_unit():
    grid = funnel_size_grid(5000)
    assert grid[:50] == list(range(1, 51))
    assert grid[-1] == 5000 and grid == sorted(set(grid))
    assert funnel_size_grid(12) == list(range(1, 13))


def test_funnel_chart_has_points_target_and_four_limit_lines():
    units = [("柳州", 930, 1000), ("南宁", 480, 500), ("钦州", 45, 50), ("贺州", 0, 0)]
    theta = pooled_rate(units)
    points = funnel_points(units)
    chart = funnel_chart(points, theta)
    scatter, target, *limit_lines = chart["data"]["datasets"]
    assert [d["x"] for d in scatter["data"]] == [1000, 500, 50]  # the unit without batches is not drawn
    assert scatter["data"][0]["y"] == 93.0
    assert target["data"][0]["y"] == round(100 * theta, 2)
    assert len(limit_lines) == 4
    upper_998 = next(d for d in limit_lines if d["label"].startswith("99.8%") and "上" in d["label"])
    ys = [pt["y"] for pt in upper_998["data"]]
    # The funnel narrows towards the target as size grows.
    assert ys[-1] < ys[len(ys) // 2] and ys[-1] > target["data"][0]["y"]
    assert {u["status"] for u in chart["meta"]["units"]} >= {"no_data"}
    json.dumps(chart)


def test_funnel_axis_starts_near_the_units_and_keeps_the_smallest_units_limits_in_view():
    units = [("柳州", 930, 1000), ("南宁", 480, 500), ("钦州", 45, 50)]
    theta = pooled_rate(units)
    chart = funnel_chart(funnel_points(units), theta)
    y = chart["options"]["scales"]["y"]
    lower_998 = next(d for d in chart["data"]["datasets"] if d["label"].startswith("99.8%") and "下" in d["label"])
    at_50 = next(pt["y"] for pt in lower_998["data"] if pt["x"] == 50)
    assert y["max"] == 100 and y["min"] % 5 == 0
    assert y["min"] <= min(93.0, at_50) and y["min"] > min(93.0, at_50) - 10  # near the data, not at 0


def test_cusum_chart_plots_path_and_threshold():
    start = date(2024, 1, 1)
    records = [("螺蛳粉", start + timedelta(days=i), i % 20 == 0) for i in range(100)]
    records += [("螺蛳粉", start + timedelta(days=100 + i), i % 3 == 0) for i in range(60)]
    (group,) = cusum_by_group(records, baseline_end=start + timedelta(days=100))
    chart = cusum_chart(group)
    path, threshold = chart["data"]["datasets"]
    assert len(chart["data"]["labels"]) == len(path["data"]) == 60
    assert set(threshold["data"]) == {round(group.h, 4)}
    assert chart["meta"]["alarm_date"] == group.alarm_date.isoformat()
    json.dumps(chart)
