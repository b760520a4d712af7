from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "nqi.catalog"
    verbose_name = "服务目录"
