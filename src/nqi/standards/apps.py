from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "nqi.standards"
    verbose_name = "标准"
