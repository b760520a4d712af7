"""Shared models: reference service lines, the audit trail, in-app notifications and the holiday table."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import ServiceLine as ServiceLineCode


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class ServiceLine(models.Model):
    """One of the seven service lines; holds the line's acceptance time in working days."""

    code = models.CharField(_("代码"), max_length=32, primary_key=True, choices=ServiceLineCode.choices)
    name = models.CharField(_("名称"), max_length=50)
    accept_working_days = models.PositiveSmallIntegerField(_("受理时限（工作日）"), default=2)
    default_turnaround_days = models.PositiveSmallIntegerField(_("默认办结时限（工作日）"), default=10)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("服务类别")
        verbose_name_plural = _("服务类别")

    def __str__(self):
        return str(ServiceLineCode(self.code).label) if self.code in ServiceLineCode.values else self.name


class AuditEntry(models.Model):
    """Who did what to which object, when, from which state to which: the timeline of every workflow."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(_("动作"), max_length=40)
    from_state = models.CharField(_("原状态"), max_length=30, blank=True)
    to_state = models.CharField(_("新状态"), max_length=30, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self):
        return f"{self.action} {self.from_state}->{self.to_state}"


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    event = models.CharField(_("事件"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self):
        return self.title


class Holiday(models.Model):
    """An administrator's entry for a day the chinese-calendar package does not know (e.g. next year's plan)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(
        _("是否工作日"), default=False, help_text=_("勾选表示调休上班日；不勾选表示法定节假日放假"))
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")

    def __str__(self):
        return f"{self.date} {self.name}"
