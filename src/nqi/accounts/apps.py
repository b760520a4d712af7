from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nqi.accounts"
    verbose_name = "账户与组织"
