from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "nqi.routing"
    verbose_name = "智能分派"
