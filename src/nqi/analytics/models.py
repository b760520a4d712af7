"""Cached results of the failure-rate CUSUM (one row per monitored category, region-wide and per city) and
a log of the refreshes, so the regulator's home lists alarms without reading the records."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from nqi.core.choices import City

from .stats import CUSUM_STATUS_LABELS


class CusumStatus(models.TextChoices):
    ALARM = "alarm", CUSUM_STATUS_LABELS["alarm"]
    QUIET = "quiet", CUSUM_STATUS_LABELS["quiet"]
    SHORT_BASELINE = "short_baseline", CUSUM_STATUS_LABELS["short_baseline"]


class FailureRateCusum(models.Model):
    """Bernoulli CUSUM of one product category's failure rate, over the whole region (city "") or one city."""

    city = models.CharField(_("地市"), max_length=6, choices=City.choices, blank=True, db_index=True,
                            help_text=_("留空表示全区"))
    product_category = models.CharField(_("产品类别"), max_length=60)
    status = models.CharField(_("状态"), max_length=20, choices=CusumStatus.choices, db_index=True)
    alarm_date = models.DateField(_("首次报警日期"), null=True, blank=True)
    statistic = models.FloatField(_("当前 CUSUM 值"), null=True, blank=True)
    threshold = models.FloatField(_("报警阈值 h"), null=True, blank=True)
    p0 = models.FloatField(_("设计基线不合格率"), null=True, blank=True)
    p1 = models.FloatField(_("监测目标不合格率"), null=True, blank=True)
    baseline_failed = models.PositiveIntegerField(_("基线不合格批次"), default=0)
    baseline_total = models.PositiveIntegerField(_("基线批次"), default=0)
    recent_failed = models.PositiveIntegerField(_("监测期不合格批次"), default=0)
    recent_total = models.PositiveIntegerField(_("监测期批次"), default=0)
    window_start = models.DateField(_("基线开始"))
    baseline_end = models.DateField(_("监测开始"))
    # [[ISO date, S], ...] of the monitored days, kept for alarms only (for the chart).
    path = models.JSONField(_("CUSUM 路径"), default=list, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["city", "product_category"]
        constraints = [models.UniqueConstraint(fields=["city", "product_category"], name="analytics_cusum_key")]
        verbose_name = _("不合格率 CUSUM 监测")
        verbose_name_plural = _("不合格率 CUSUM 监测")

    def __str__(self):
        return f"{self.get_city_display() or _('全区')} {self.product_category} {self.get_status_display()}"

    @property
    def baseline_rate(self):
        return self.baseline_failed / self.baseline_total if self.baseline_total else None

    @property
    def recent_rate(self):
        return self.recent_failed / self.recent_total if self.recent_total else None

    @property
    def still_above(self):
        """The statistic is at or above h on the latest monitored day (the rise has not subsided)."""
        return self.statistic is not None and self.threshold is not None and self.statistic >= self.threshold


class CusumRefresh(models.Model):
    """One run of the CUSUM refresh (`nqi analytics refresh` or the background task)."""

    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    window_start = models.DateField(_("基线开始"))
    baseline_end = models.DateField(_("监测开始"))
    groups = models.PositiveIntegerField(_("监测分组"), default=0)
    alarms = models.PositiveIntegerField(_("报警分组"), default=0)
    seconds = models.FloatField(_("耗时（秒）"), default=0)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        verbose_name = _("CUSUM 刷新记录")
        verbose_name_plural = _("CUSUM 刷新记录")

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.alarms}/{self.groups}"
