from django.db import models
from django.utils.translation import gettext_lazy as _


class StandardKind(models.TextChoices):
    GB = "GB", _("强制性国家标准")
    GBT = "GB/T", _("推荐性国家标准")
    GBZ = "GB/Z", _("国家标准化指导性技术文件")
    DB45 = "DB45", _("广西地方标准")
    DB45T = "DB45/T", _("广西推荐性地方标准")
    DBS45 = "DBS45", _("广西食品安全地方标准")
    JJG = "JJG", _("国家计量检定规程")
    JJF = "JJF", _("国家计量技术规范")
    TSG = "TSG", _("特种设备安全技术规范")
    INDUSTRY = "industry", _("行业标准")
    GROUP = "group", _("团体标准")


class StandardStatus(models.TextChoices):
    IN_FORCE = "in_force", _("现行")
    UPCOMING = "upcoming", _("即将实施")
    WITHDRAWN = "withdrawn", _("废止")
