from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "nqi.servicedesk"
    verbose_name = _("服务台")

    def ready(self):
        # The overview's rollups follow every saved request through signals, wherever the save happens.
        from . import rollups  # noqa: F401
