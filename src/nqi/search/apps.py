from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "nqi.search"
    verbose_name = "全站搜索"

    def ready(self):
        from . import signals

        signals.connect()
