from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "nqi.analytics"
    verbose_name = "质量统计"
