"""`nqi plan-sampling`: next period's risk-based spot-check plan from a history CSV, offline.

Needs no database: it reads the history file, fits the risk model, allocates and writes the plan CSV.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from nqi.planning.allocator import DEFAULT_RANDOM_SHARE, PlanningError, plan_sampling
from nqi.planning.history import HistoryError, read_history_csv, write_plan_csv
from nqi.planning.risk import RiskModelError


class Command(BaseCommand):
    help = "根据抽检历史生成下一期基于风险的抽样计划（CSV 输入，CSV 输出）"
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--history", required=True, help="历史 CSV：period,region,product_category,enterprise_id,sampled,failed")
        parser.add_argument("--budget", required=True, type=int, help="本期抽样总批次")
        parser.add_argument("--max-per-cell", required=True, type=int, help="每个企业-产品单元的批次上限")
        parser.add_argument("--min-per-category", type=int, default=0, help="每个产品类别的最低批次（默认 0）")
        parser.add_argument(
            "--random-share", type=float, default=DEFAULT_RANDOM_SHARE, help="双随机抽取比例，0 到 1（默认 0.2）"
        )
        parser.add_argument("--out", required=True, help="输出计划 CSV 路径")
        parser.add_argument("--seed", type=int, default=None, help="随机种子（省略时随机生成并打印，便于复现）")

    def handle(self, *args, **options) -> None:
        if options["budget"] < 1:
            raise CommandError(f"--budget 必须是正整数，当前为 {options['budget']}")
        if options["max_per_cell"] < 1:
            raise CommandError(f"--max-per-cell 必须是正整数，当前为 {options['max_per_cell']}")
        if options["min_per_category"] < 0:
            raise CommandError(f"--min-per-category 不能为负数，当前为 {options['min_per_category']}")
        if not 0.0 <= options["random_share"] <= 1.0:
            raise CommandError(f"--random-share 必须在 0 到 1 之间，当前为 {options['random_share']}")
        if options["seed"] is not None and options["seed"] < 0:
            raise CommandError(f"--seed 不能为负数，当前为 {options['seed']}")
        try:
            rows = read_history_csv(options["history"])
            plan = plan_sampling(
                rows,
                budget=options["budget"],
                max_per_cell=options["max_per_cell"],
                min_per_category=options["min_per_category"],
                random_share=options["random_share"],
                seed=options["seed"],
            )
        except (HistoryError, PlanningError, RiskModelError) as exc:
            raise CommandError(f"无法生成抽样计划：{exc}")
        try:
            written = write_plan_csv(plan.allocations, options["out"])
        except OSError as exc:
            raise CommandError(f"无法写入计划文件 {options['out']}：{exc.strerror or exc}")

        model = plan.model
        self.stdout.write(
            f"抽样计划已写入 {options['out']}：{written} 个企业-产品单元，共 {plan.budget} 批"
            f"（双随机 {plan.random_batches} 批，风险定向 {plan.targeted_batches} 批）"
        )
        self.stdout.write(
            f"抽样框 {plan.frame_size} 个单元，历史 {len(model.periods)} 期（{model.periods[0]} 至 {model.periods[-1]}），"
            f"近期加权半衰期 {model.half_life:g} 期；随机种子 {plan.seed}"
        )
        for note in plan.notes:
            self.stdout.write(f"注意：{note}")
