"""`nqi routing train` retrains the service-line model from dispatch history; `nqi routing status` shows it."""

from django.core.management.base import BaseCommand, CommandError

from nqi.routing import training
from nqi.routing.models import DispatchFeedback, RoutingModel, Suggestion


class Command(BaseCommand):
    help = "智能分派模型：train 用分派历史重新训练，status 查看当前模型"

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", title="子命令", required=True)
        train = subcommands.add_parser("train", help="用平台分派历史（含分派纠正）重新训练并保存新版本")
        train.add_argument("--min-samples", type=int, default=None,
                           help="历史不足该数时用合成样本补足（默认20000，设置项 NQI_ROUTING_MIN_SAMPLES）")
        train.add_argument("--correction-weight", type=float, default=None, help="纠正样本的权重（默认3）")
        train.add_argument("--note", default="", help="版本说明")
        subcommands.add_parser("status", help="当前模型版本、样本数与反馈统计")

    def handle(self, *args, **options):
        if options["subcommand"] == "train":
            if options["min_samples"] is not None and options["min_samples"] < 0:
                raise CommandError("--min-samples 不能为负数")
            row = training.train(min_samples=options["min_samples"],
                                 correction_weight=options["correction_weight"], note=options["note"])
            self.stdout.write(self.style.SUCCESS(
                f"分派模型 v{row.version} 已保存：历史样本 {row.history_samples}（其中纠正 {row.correction_samples}），"
                f"合成样本 {row.synthetic_samples}，特征 {row.features}，用时 {row.training_seconds:.1f} 秒"))
        else:
            row = RoutingModel.objects.order_by("-version").first()
            if row is None:
                self.stdout.write("尚无分派模型；首次请求建议时会自动训练，或运行 nqi routing train")
            else:
                self.stdout.write(f"当前模型 v{row.version}，训练于 {row.trained_at:%Y-%m-%d %H:%M}，历史样本 "
                                  f"{row.history_samples}（纠正 {row.correction_samples}），合成样本 {row.synthetic_samples}")
            feedback = DispatchFeedback.objects.all()
            corrections = sum(f.is_line_correction for f in feedback.only("suggested_line", "chosen_line"))
            self.stdout.write(f"已记录建议 {Suggestion.objects.count()} 条，一键分派反馈 {feedback.count()} 条，"
                              f"其中改选服务类别 {corrections} 条")
