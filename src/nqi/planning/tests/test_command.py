import csv
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from nqi.planning.history import HISTORY_COLUMNS, HistoryError, parse_history_csv, read_history_csv
from nqi.planning.tests.factories import make_history


def write_history(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HISTORY_COLUMNS)
        for r in rows:
            writer.writerow([r.period, r.region, r.product_category, r.enterprise_id, r.sampled, r.failed])


def read_plan(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def run(history, out, **options):
    args = {"budget": 60, "max_per_cell": 2, "min_per_category": 4, "random_share": 0.2, "seed": 11} | options
    call_command("plan_sampling", history=str(history), out=str(out), **args)


def test_plan_csv_meets_every_rule(tmp_path):
    rows, _truth = make_history(n_enterprises=120, periods=3, batches_per_period=100, seed=8)
    history, out = tmp_path / "history.csv", tmp_path / "plan.csv"
    write_history(history, rows)
    run(history, out)
    plan = read_plan(out)
    assert list(plan[0])[:3] == ["enterprise_id", "product_category", "batches"]
    batches = [int(p["batches"]) for p in plan]
    assert sum(batches) == 60 and max(batches) <= 2
    assert sum(int(p["random_batches"]) for p in plan) == 12
    frame = {(r.enterprise_id, r.product_category) for r in rows}
    assert {(p["enterprise_id"], p["product_category"]) for p in plan} <= frame
    per_category = Counter()
    for p in plan:
        per_category[p["product_category"]] += int(p["batches"])
    assert all(per_category[c] >= 4 for c in {r.product_category for r in rows})
    assert all(p["reason"] for p in plan)


def test_same_seed_same_file_and_gbk_input(tmp_path, capsys):
    rows, _truth = make_history(n_enterprises=60, periods=3, batches_per_period=60, seed=9)
    utf8, gbk = tmp_path / "h-utf8.csv", tmp_path / "h-gbk.csv"
    write_history(utf8, rows)
    write_history(gbk, rows, encoding="gbk")
    run(utf8, tmp_path / "a.csv", seed=5)
    run(gbk, tmp_path / "b.csv", seed=5)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert "随机种子 5" in capsys.readouterr().out


def test_bad_row_is_a_command_error_naming_row_and_column(tmp_path):
    history = tmp_path / "bad.csv"
    history.write_text(
        "period,region,product_category,enterprise_id,sampled,failed\n"
        "2024H1,柳州市,螺蛳粉,E1,3,0\n"
        "2024H1,柳州市,螺蛳粉,E2,2,5\n"
        "2024H2,柳州市,螺蛳粉,E3,two,0\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as caught:
        run(history, tmp_path / "plan.csv", budget=2, min_per_category=0)
    message = str(caught.value)
    assert "第 3 行" in message and "failed" in message
    assert "第 4 行" in message and "sampled" in message
    assert not (tmp_path / "plan.csv").exists()


def test_missing_column_missing_file_and_impossible_budget(tmp_path):
    history = tmp_path / "h.csv"
    history.write_text("period,region,enterprise_id,sampled,failed\n2024H1,南宁,E1,1,0\n", encoding="utf-8")
    with pytest.raises(CommandError, match="product_category"):
        run(history, tmp_path / "p.csv")
    with pytest.raises(CommandError, match="找不到历史数据文件"):
        run(tmp_path / "none.csv", tmp_path / "p.csv")
    rows, _truth = make_history(n_enterprises=10, periods=3, batches_per_period=10, seed=1)
    write_history(history, rows)
    with pytest.raises(CommandError, match="超过抽样框容量"):
        run(history, tmp_path / "p.csv", budget=10_000)
    with pytest.raises(CommandError, match="--random-share"):
        run(history, tmp_path / "p.csv", random_share=1.5)


def test_history_parser_accepts_city_variants_and_skips_blank_lines():
    rows = parse_history_csv(
        "\ufeffperiod,region,product_category,enterprise_id,sampled,failed,note\n"
        "2024H1,柳州,螺蛳粉,E1,3,1,x\n"
        "\n"
        "2024H2,450200,螺蛳粉,E1,2.0,0,\n"
    )
    assert [r.region for r in rows] == ["柳州市", "柳州市"]
    assert [r.line for r in rows] == [2, 4]
    assert rows[1].sampled == 2


def test_history_errors_name_the_line(tmp_path):
    with pytest.raises(HistoryError) as caught:
        parse_history_csv("period,region,product_category,enterprise_id,sampled,failed\n2024H1,,米粉,E1,-1,0\n")
    assert caught.value.problems == [
        "第 2 行，列 region（地区）：不能为空",
        "第 2 行，列 sampled（抽样批次）：不能为负数（-1）",
    ]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(HistoryError, match="缺少表头"):
        read_history_csv(empty)
