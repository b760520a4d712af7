"""`nqi search reindex [--kind KIND ...]`: rebuild the full-text search index from the database."""

from django.core.management.base import BaseCommand, CommandError

from nqi.search.backends import get_backend
from nqi.search.choices import KIND_ORDER
from nqi.search.indexing import reindex_all


class Command(BaseCommand):
    help = "全站搜索索引维护：reindex 重建索引"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION")
        reindex = sub.add_parser("reindex", help="从数据库重建搜索索引（可重复执行）")
        reindex.add_argument("--kind", action="append", choices=KIND_ORDER,
                             help="只重建某一类（可多次指定）")

    def handle(self, *args, **options):
        if options.get("action") != "reindex":
            raise CommandError("用法：nqi search reindex [--kind standard|case|request|provider|expert]")
        written = reindex_all(kinds=options.get("kind"))
        total = sum(written.values())
        detail = "，".join(f"{kind} {n}" for kind, n in written.items())
        self.stdout.write(f"搜索索引已重建（{get_backend().name}）：共 {total} 条（{detail}）")
