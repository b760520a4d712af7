"""Organisations (enterprises, providers, regulators) and the people who act for them."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from nqi.core import uscc
from nqi.core.choices import City
from nqi.core.models import TimeStampedModel

from .choices import EnterpriseSize, OrgKind, OrgStatus, RegulatorLevel, Role


def validate_credit_code(value):
    try:
        uscc.validate(value)
    except uscc.InvalidCreditCode as exc:
        raise ValidationError(str(exc), code="invalid_credit_code")


class Organisation(TimeStampedModel):
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=200, unique=True)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True,
                                   validators=[validate_credit_code])
    city = models.CharField(_("所在地市"), max_length=6, choices=City.choices, db_index=True)
    county = models.CharField(_("区县"), max_length=40, blank=True)
    industry = models.CharField(_("行业"), max_length=40, blank=True, db_index=True)
    size = models.CharField(_("规模"), max_length=10, choices=EnterpriseSize.choices, blank=True)
    regulator_level = models.CharField(_("监管层级"), max_length=10, choices=RegulatorLevel.choices, blank=True)
    status = models.CharField(_("审核状态"), max_length=10, choices=OrgStatus.choices, default=OrgStatus.APPROVED,
                              db_index=True)
    service_lines = models.ManyToManyField("core.ServiceLine", blank=True, verbose_name=_("服务类别"),
                                           related_name="providers")
    description = models.TextField(_("简介"), blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("组织")
        verbose_name_plural = _("组织")

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == OrgKind.ENTERPRISE and not self.credit_code:
            raise ValidationError({"credit_code": _("企业必须填写统一社会信用代码")})
        if self.credit_code:
            self.credit_code = uscc.normalize(self.credit_code)
        if self.kind == OrgKind.REGULATOR and not self.regulator_level:
            raise ValidationError({"regulator_level": _("监管部门必须选择层级")})

    @property
    def is_approved(self):
        return self.status == OrgStatus.APPROVED


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.ENTERPRISE, db_index=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="members", verbose_name=_("所属组织"))
    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self):
        return self.full_name or self.username

    @property
    def is_regulator(self):
        return self.role in (Role.CITY_REGULATOR, Role.REGION_REGULATOR)

    @property
    def is_platform_admin(self):
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def regulated_city(self):
        """The city a city regulator oversees; None for the region level (all cities)."""
        if self.role == Role.CITY_REGULATOR and self.organisation_id:
            return self.organisation.city
        return None
