from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "nqi.routing"
    verbose_name = _("智能分派")
