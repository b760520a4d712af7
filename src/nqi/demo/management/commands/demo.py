"""`nqi demo`: migrate, load the demo data into an empty database, print the demo accounts and serve."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from nqi.accounts.models import Organisation
from nqi.demo import generate


class Command(BaseCommand):
    help = "迁移数据库、加载演示数据（仅空库）并在 http://127.0.0.1:8000 启动平台"

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="只加载数据，不启动服务")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="监听地址（默认 127.0.0.1:8000）")
        parser.add_argument("--requests", type=int, default=3000, help="历史服务需求数量（默认3000）")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if Organisation.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据加载。")
        else:
            started = time.monotonic()
            self.stdout.write("正在生成演示数据（广西14个地市、企业、服务机构、专家与两年服务记录）……")

            def progress(done, total):
                self.stdout.write(f"  服务需求 {done}/{total}")

            generate.build_world(seed=options["seed"], scale=generate.Scale(requests=options["requests"]),
                                 progress=progress)
            self.stdout.write(self.style.SUCCESS(f"演示数据已加载，用时 {time.monotonic() - started:.0f} 秒。"))
        self.print_accounts(options["addr"])
        if not options["no_serve"]:
            call_command("runserver", options["addr"], use_reloader=False, use_threading=True)

    def print_accounts(self, addr):
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"演示账号（密码均为 {generate.DEMO_PASSWORD}）  http://{addr}/"))
        for username, _role, description in generate.DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<10} {description}")
        self.stdout.write("")
