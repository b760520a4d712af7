from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "nqi.planning"
    verbose_name = _("抽样计划")
