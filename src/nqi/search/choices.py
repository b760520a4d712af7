from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    """What a search entry points to; the order is the order of the groups on the results page."""

    STANDARD = "standard", _("标准")
    CASE = "case", _("案例")
    REQUEST = "request", _("服务需求")
    PROVIDER = "provider", _("服务机构")
    EXPERT = "expert", _("专家")


KIND_ORDER = [kind for kind, _label in EntryKind.choices]
