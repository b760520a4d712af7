from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "nqi.core"
    verbose_name = "平台"

    def ready(self):
        from . import signals  # noqa: F401
