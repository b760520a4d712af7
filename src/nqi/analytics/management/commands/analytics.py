"""`nqi analytics refresh`: recompute the failure-rate CUSUM alarms listed on the regulators' home.

Run it nightly (cron or a systemd timer) or `nqi analytics refresh --enqueue` to hand it to the worker.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from nqi.analytics import monitoring


class Command(BaseCommand):
    help = "质量统计维护：refresh 重新计算不合格率 CUSUM 预警"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refresh"])
        parser.add_argument("--enqueue", action="store_true", help="交给后台 worker 执行")
        parser.add_argument("--today", help="按此日期计算（YYYY-MM-DD，默认今天）")
        parser.add_argument("--months", type=int, default=monitoring.WINDOW_MONTHS, help="读取最近几个月")
        parser.add_argument("--baseline-months", type=int, default=monitoring.BASELINE_MONTHS,
                            help="其中前几个月作为基线")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from nqi.analytics.tasks import refresh_cusum_task

            self.stdout.write(f"已排队：{refresh_cusum_task.enqueue().id}")
            return
        try:
            today = dt.date.fromisoformat(options["today"]) if options["today"] else None
            log = monitoring.refresh(today, options["months"], options["baseline_months"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"监测 {log.groups} 组，报警 {log.alarms} 组，"
                          f"基线 {log.window_start} 起，监测 {log.baseline_end} 起，耗时 {log.seconds:.2f} 秒")
