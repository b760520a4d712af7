"""`nqi seed --requests N`: load a large synthetic history for benchmarks (into an empty database)."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from nqi.accounts.models import Organisation
from nqi.demo import generate


class Command(BaseCommand):
    help = "为基准测试生成大规模历史数据（需空库）"

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=3000)
        parser.add_argument("--enterprises", type=int, default=300)
        parser.add_argument("--days", type=int, default=730)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--no-notes", action="store_true", help="不生成进展记录（更快）")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if Organisation.objects.exists():
            raise CommandError("数据库不是空的：seed 只向空库写入。请使用新的数据库。")
        started = time.monotonic()

        def progress(done, total):
            rate = done / max(time.monotonic() - started, 1e-6)
            self.stdout.write(f"  {done}/{total} 条需求，{rate:.0f} 条/秒")

        scale = generate.Scale(requests=options["requests"], enterprises=options["enterprises"],
                               days=options["days"], with_notes=not options["no_notes"], inspections=False)
        generate.build_world(seed=options["seed"], scale=scale, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"完成：{options['requests']} 条需求，用时 {time.monotonic() - started:.0f} 秒"))
