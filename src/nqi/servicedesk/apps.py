from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "nqi.servicedesk"
    verbose_name = "服务台"

    def ready(self):
        # The overview's rollups follow every saved request through signals, wherever the save happens.
        from . import rollups  # noqa: F401
