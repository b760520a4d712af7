from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "nqi.inspections"
    verbose_name = "监督抽查"
