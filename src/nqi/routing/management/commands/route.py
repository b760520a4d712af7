"""`nqi route "TEXT"` / `nqi route --json --file FILE`: routing suggestions from the command line.

With --json, one JSON object per text (the API's contract), one per line and in input order for --file
(one text a line; "-" reads standard input). Without --json, a short readable summary.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from nqi.routing import service


class Command(BaseCommand):
    help = "根据需求文本建议服务类别、机构、专家、相似案例与标准"

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="?", help="需求文本")
        parser.add_argument("--file", help="每行一条需求文本的文件（- 表示标准输入）")
        parser.add_argument("--json", action="store_true", help="输出 JSON（--file 时每行一个对象）")
        parser.add_argument("--top", type=int, default=service.TOP_K, help="每个列表的条数（默认5）")
        parser.add_argument("--city", default=None, help="需求方所在地市代码（优先本地机构）")

    def handle(self, *args, **options):
        if bool(options["text"]) == bool(options["file"]):
            raise CommandError("请给出一条需求文本，或用 --file 指定文件（二选一）")
        if options["top"] < 1:
            raise CommandError("--top 至少为1")
        if options["file"]:
            texts = self._read(options["file"])
        else:
            texts = [options["text"]]
        for text in texts:
            result = service.suggest(text, city=options["city"], top_k=options["top"])
            if options["json"]:
                self.stdout.write(json.dumps(result, ensure_ascii=False, separators=(",", ":"), default=str))
            else:
                self._print_summary(text, result)

    def _read(self, path):
        try:
            if path == "-":
                content = sys.stdin.read()
            else:
                with open(path, encoding="utf-8-sig") as handle:
                    content = handle.read()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"文件 {path} 不是 UTF-8 文本") from exc
        # One object per input line, blank lines included, so output line n answers input line n.
        return content.splitlines()

    def _print_summary(self, text, result):
        self.stdout.write(self.style.MIGRATE_HEADING(text[:80]))
        for line in result["service_types"][:3]:
            terms = "、".join(line["terms"])
            self.stdout.write(f"  {line['label']:<10} {line['score']:.2f}  {terms}")
        for key, title in (("providers", "机构"), ("experts", "专家"), ("similar_cases", "案例"), ("standards", "标准")):
            for hit in result[key][:3]:
                self.stdout.write(f"  [{title}] {hit['name']}  {hit['why']}")
