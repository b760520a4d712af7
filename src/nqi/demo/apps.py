from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "nqi.demo"
    verbose_name = "演示数据"
