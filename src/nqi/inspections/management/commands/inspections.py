"""`nqi inspections import FILE` and `nqi inspections deadlines`: the spot-check operator commands.

    nqi inspections import results.xlsx [--dry-run] [--json] [--plan ID] [--kind provincial] [--publish]
        (an import job, as an upload makes: listed on the imports page with its report, and it can be withdrawn)
    nqi inspections deadlines [--json]      # objection windows and correction deadlines; idempotent
"""

import json

from django.core.management.base import BaseCommand, CommandError

from nqi.inspections import actions, importer
from nqi.inspections.choices import ImportStatus, PlanKind
from nqi.inspections.importing import FileFormatError, MappingError
from nqi.inspections.models import InspectionPlan


def _mapping(text):
    """'3=city,5=ignore' -> {3: 'city', 5: 'ignore'} (0-based columns, A = 0)."""
    mapping = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        index, _sep, key = part.partition("=")
        mapping[index.strip()] = key.strip()
    return mapping or None


class Command(BaseCommand):
    help = "监督抽查：导入抽查结果表（import）、异议期与整改期限处理（deadlines）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imp = sub.add_parser("import", help="导入抽查结果表（xlsx/xls/csv）")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
        imp.add_argument("--json", action="store_true", help="输出 JSON 摘要")
        imp.add_argument("--plan", type=int, help="归入的抽查计划 ID（默认按文件、年度、类型生成导入计划）")
        imp.add_argument("--kind", choices=PlanKind.values, default=PlanKind.PROVINCIAL, help="未指定计划时的抽查类型")
        imp.add_argument("--publish", action="store_true", help="导入的结果标记为已公布")
        imp.add_argument("--mapping", help="列对应关系，如 '3=city,5=ignore'（列号从0开始）")
        imp.add_argument("--header-row", type=int, help="表头所在行（从1开始）")
        imp.add_argument("--sheet", help="工作表名称")
        dl = sub.add_parser("deadlines", help="异议期届满确认结论、逾期未整改升级（可重复执行）")
        dl.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if options["subcommand"] == "deadlines":
            outcome = actions.run_deadlines()
            if options["json"]:
                self.stdout.write(json.dumps(outcome))
            else:
                self.stdout.write(f"异议期届满确认 {outcome['accepted']} 批次，逾期未整改升级 {outcome['escalated']} 件")
            return
        plan = None
        if options["plan"] is not None:
            plan = InspectionPlan.objects.filter(pk=options["plan"]).first()
            if plan is None:
                raise CommandError(f"抽查计划不存在：{options['plan']}")
        chosen = {"plan": plan, "plan_kind": options["kind"], "mapping": _mapping(options["mapping"]),
                    "header_row": options["header_row"], "sheet": options["sheet"], "publish": options["publish"]}
        try:
            if options["dry_run"]:
                summary = importer.import_results(options["file"], dry_run=True, **chosen)
            else:  # a job, as for an upload: listed on the imports page, with its report, and it can be withdrawn
                job = importer.run_job(importer.job_for_file(options["file"], **chosen))
                if job.status != ImportStatus.DONE:
                    raise MappingError(job.error)
                summary = {**job.summary, "job": job.pk}
        except (MappingError, FileFormatError, FileNotFoundError) as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"error": str(exc)}, ensure_ascii=False))
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        prefix = "【试运行，未写入】" if summary["dry_run"] else ""
        self.stdout.write(
            f"{prefix}数据行 {summary['data_rows']}，有效 {summary['valid']}，拒绝 {summary['rejected']}，"
            f"重复 {summary['duplicates']}（文件内 {summary['in_file_duplicates']}，库中已有 {summary['db_duplicates']}），"
            f"新增 {summary['inserted'] if not summary['dry_run'] else summary['would_insert']}")
        for error in summary["errors"][:50]:
            self.stdout.write(f"  第{error['row']}行【{error['column']}】{error['message']}")
        if len(summary["errors"]) > 50:
            self.stdout.write(f"  ……另有 {len(summary['errors']) - 50} 条错误，用 --json 查看全部")
