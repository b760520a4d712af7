from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "nqi.servicedesk"
    verbose_name = "服务台"
