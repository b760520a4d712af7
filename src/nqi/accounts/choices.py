from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PROVIDER = "provider", _("服务机构")
    REGULATOR = "regulator", _("监管部门")


class RegulatorLevel(models.TextChoices):
    CITY = "city", _("市级")
    REGION = "region", _("自治区级")


class OrgStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


class EnterpriseSize(models.TextChoices):
    MICRO = "micro", _("微型")
    SMALL = "small", _("小型")
    MEDIUM = "medium", _("中型")
    LARGE = "large", _("大型")


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业用户")
    PROVIDER = "provider", _("服务机构人员")
    EXPERT = "expert", _("专家")
    CITY_REGULATOR = "city_regulator", _("市级监管人员")
    REGION_REGULATOR = "region_regulator", _("自治区级监管人员")
    ADMIN = "admin", _("平台管理员")
