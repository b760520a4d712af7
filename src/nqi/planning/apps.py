from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "nqi.planning"
    verbose_name = "抽样计划"
