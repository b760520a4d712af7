"""Routing state kept in the database: the trained service-line model every process loads, the suggestion
shown to a dispatcher for a request, and what the dispatcher then chose (feedback for retraining)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RoutingModel(models.Model):
    """One trained service-line classifier; the row with the highest version is the one in use."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    trained_at = models.DateTimeField(_("训练时间"), default=timezone.now)
    blob = models.BinaryField(_("模型文件（npz）"))
    history_samples = models.PositiveIntegerField(_("历史分派样本数"), default=0)
    correction_samples = models.PositiveIntegerField(_("纠正样本数"), default=0)
    synthetic_samples = models.PositiveIntegerField(_("合成样本数"), default=0)
    features = models.PositiveIntegerField(_("特征数"), default=0)
    training_seconds = models.FloatField(_("训练用时（秒）"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("分派模型")
        verbose_name_plural = _("分派模型")

    def __str__(self):
        return f"v{self.version} {self.trained_at:%Y-%m-%d %H:%M}"


class Suggestion(models.Model):
    """What the platform proposed for a request when a dispatcher looked at it (one row per model version)."""

    request = models.ForeignKey("servicedesk.ServiceRequest", on_delete=models.CASCADE,
                                related_name="routing_suggestions", verbose_name=_("服务需求"))
    model_version = models.PositiveIntegerField(_("模型版本"), default=0)
    line = models.ForeignKey("core.ServiceLine", null=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("建议服务类别"))
    line_score = models.FloatField(_("服务类别概率"), default=0)
    provider = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("建议承办机构"))
    service_item = models.ForeignKey("catalog.ServiceItem", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("建议服务项目"))
    expert = models.ForeignKey("catalog.Expert", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("建议专家"))
    reasons = models.JSONField(_("理由"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        unique_together = [("request", "model_version")]
        verbose_name = _("分派建议")
        verbose_name_plural = _("分派建议")

    def __str__(self):
        return f"{self.request_id} -> {self.line_id}/{self.provider_id}"


class DispatchFeedback(models.Model):
    """A dispatch made from a suggestion: what was proposed against what the dispatcher submitted."""

    request = models.ForeignKey("servicedesk.ServiceRequest", on_delete=models.CASCADE,
                                related_name="routing_feedback", verbose_name=_("服务需求"))
    suggestion = models.ForeignKey(Suggestion, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="feedback", verbose_name=_("建议"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("分派人"))
    suggested_line = models.CharField(_("建议服务类别"), max_length=32, blank=True)
    suggested_provider_id = models.BigIntegerField(_("建议机构"), null=True, blank=True)
    chosen_line = models.CharField(_("选定服务类别"), max_length=32)
    chosen_provider = models.ForeignKey("accounts.Organisation", null=True, on_delete=models.SET_NULL,
                                        related_name="+", verbose_name=_("选定机构"))
    chosen_item = models.ForeignKey("catalog.ServiceItem", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("选定服务项目"))
    chosen_expert = models.ForeignKey("catalog.Expert", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name=_("选定专家"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("分派反馈")
        verbose_name_plural = _("分派反馈")

    def __str__(self):
        return f"{self.request_id}: {self.suggested_line} -> {self.chosen_line}"

    @property
    def is_line_correction(self) -> bool:
        return bool(self.suggested_line) and self.suggested_line != self.chosen_line

    @property
    def is_provider_correction(self) -> bool:
        return self.suggested_provider_id is not None and self.suggested_provider_id != self.chosen_provider_id
