"""The service catalog: what each provider offers, its accreditations, and the expert pool."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from nqi.core.models import TimeStampedModel

from .choices import AccreditationKind, DeliveryMode


class Accreditation(TimeStampedModel):
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="accreditations",
                                 verbose_name=_("机构"))
    kind = models.CharField(_("类型"), max_length=10, choices=AccreditationKind.choices)
    number = models.CharField(_("证书编号"), max_length=40)
    scope = models.TextField(_("认可/资质范围"), blank=True)
    valid_until = models.DateField(_("有效期至"))

    class Meta:
        ordering = ["provider", "kind"]
        unique_together = [("kind", "number")]
        verbose_name = _("资质")
        verbose_name_plural = _("资质")

    def __str__(self):
        return f"{self.kind} {self.number}"


class ServiceItem(TimeStampedModel):
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="service_items",
                                 verbose_name=_("机构"))
    line = models.ForeignKey("core.ServiceLine", on_delete=models.PROTECT, related_name="items",
                             verbose_name=_("服务类别"))
    name = models.CharField(_("服务名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    fee_min = models.DecimalField(_("最低收费（元）"), max_digits=10, decimal_places=0, default=0)
    fee_max = models.DecimalField(_("最高收费（元）"), max_digits=10, decimal_places=0, default=0)
    turnaround_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"), default=10)
    mode = models.CharField(_("服务方式"), max_length=10, choices=DeliveryMode.choices, default=DeliveryMode.BOTH)
    active = models.BooleanField(_("在办"), default=True)

    class Meta:
        ordering = ["line", "provider", "name"]
        unique_together = [("provider", "name")]
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")

    def __str__(self):
        return f"{self.name}（{self.provider.short_name or self.provider.name}）"

    def clean(self):
        if self.fee_min is not None and self.fee_max is not None and self.fee_min > self.fee_max:
            raise ValidationError({"fee_max": _("最高收费不能低于最低收费")})
        if self.turnaround_days == 0:
            raise ValidationError({"turnaround_days": _("办结时限至少为1个工作日")})


class Expert(TimeStampedModel):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="expert_profile", verbose_name=_("账号"))
    name = models.CharField(_("姓名"), max_length=40)
    title = models.CharField(_("职称"), max_length=40, blank=True)
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="experts", verbose_name=_("所在机构"))
    affiliation = models.CharField(_("工作单位"), max_length=120, blank=True)
    city = models.CharField(_("所在地市"), max_length=6, blank=True)
    lines = models.ManyToManyField("core.ServiceLine", related_name="experts", verbose_name=_("服务类别"))
    fields = models.CharField(_("专业领域"), max_length=300, help_text=_("以顿号或逗号分隔"))
    bio = models.TextField(_("简介"), blank=True)
    available = models.BooleanField(_("可接受指派"), default=True)
    max_load = models.PositiveSmallIntegerField(_("同时承担上限"), default=5)

    class Meta:
        ordering = ["name"]
        verbose_name = _("专家")
        verbose_name_plural = _("专家")

    def __str__(self):
        return f"{self.name}（{self.title}）" if self.title else self.name
