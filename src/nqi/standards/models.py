"""The standards catalog: numbers, titles, status and replacements, linked to products, test items and lines."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nqi.core.models import TimeStampedModel

from .choices import StandardKind, StandardStatus


class Standard(TimeStampedModel):
    number = models.CharField(_("标准号"), max_length=60, unique=True)
    title = models.CharField(_("标准名称"), max_length=200, db_index=True)
    title_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    kind = models.CharField(_("类别"), max_length=10, choices=StandardKind.choices, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=StandardStatus.choices, db_index=True)
    issued = models.CharField(_("发布日期"), max_length=10, blank=True, help_text=_("YYYY-MM-DD，或仅年份"))
    effective = models.DateField(_("实施日期"), null=True, blank=True)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="replaces", verbose_name=_("被代替为"))
    service_lines = models.ManyToManyField("core.ServiceLine", blank=True, related_name="standards",
                                           verbose_name=_("服务类别"))
    product_categories = models.CharField(_("适用产品"), max_length=500, blank=True, help_text=_("以分号分隔"))
    test_items = models.CharField(_("检验项目"), max_length=500, blank=True, help_text=_("以分号分隔"))
    keywords = models.CharField(_("关键词"), max_length=500, blank=True, help_text=_("以分号分隔"))

    class Meta:
        ordering = ["kind", "number"]
        verbose_name = _("标准")
        verbose_name_plural = _("标准")

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("standards:detail", args=[self.pk])

    @property
    def product_list(self):
        return [p for p in self.product_categories.split(";") if p]

    @property
    def test_item_list(self):
        return [t for t in self.test_items.split(";") if t]

    @property
    def keyword_list(self):
        return [k for k in self.keywords.split(";") if k]
