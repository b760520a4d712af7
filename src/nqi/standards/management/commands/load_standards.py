"""`nqi load_standards [CSV]`: load or refresh the standards catalog (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from nqi.standards.loader import DEFAULT_CSV, load_standards


class Command(BaseCommand):
    help = "加载/更新标准目录（按标准号更新，可重复执行）"

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="?", default=str(DEFAULT_CSV))

    def handle(self, *args, **options):
        try:
            result = load_standards(options["csv"])
        except (OSError, KeyError, ValueError) as exc:
            raise CommandError(f"无法加载标准目录：{exc}")
        self.stdout.write(f"标准 {result['rows']} 条：新增 {result['created']}，更新 {result['updated']}")
