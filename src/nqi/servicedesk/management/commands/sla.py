"""`nqi sla`: the periodic deadline pass. Escalates overdue requests, auto-closes long-resolved ones, and runs the
spot-check deadlines (objection windows closing, overdue corrections). Idempotent.

Schedule it (cron or a systemd timer) every 15 minutes, or run `nqi sla --enqueue` to hand it to the worker.
"""

import json

from django.core.management.base import BaseCommand

from nqi.servicedesk import actions


class Command(BaseCommand):
    help = "超期督办与自动办结（可重复执行）"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--enqueue", action="store_true", help="交给后台 worker 执行")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from nqi.servicedesk.tasks import run_sla_task

            result = run_sla_task.enqueue()
            self.stdout.write(f"已排队：{result.id}")
            return
        from nqi.inspections.actions import run_deadlines

        outcome = actions.run_sla()
        inspections = run_deadlines()
        if options["json"]:
            self.stdout.write(json.dumps(outcome | {"inspections": inspections}))
        else:
            self.stdout.write(f"超期督办 {outcome['escalated']} 件，自动办结 {outcome['auto_closed']} 件；"
                              f"抽查结果确认 {inspections['accepted']} 件，整改超期升级 {inspections['escalated']} 件")
