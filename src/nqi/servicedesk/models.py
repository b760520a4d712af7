"""Service requests and technical problems, their progress, attachments, joint tackling and the case library."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nqi.core.choices import City
from nqi.core.models import TimeStampedModel

from .choices import OPEN_STATUSES, ParticipantRole, RequestKind, RequestStatus, Urgency


class ServiceRequest(TimeStampedModel):
    number = models.CharField(_("编号"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("类型"), max_length=10, choices=RequestKind.choices, default=RequestKind.SERVICE)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("需求描述"))
    product = models.CharField(_("涉及产品"), max_length=100, blank=True)
    line = models.ForeignKey("core.ServiceLine", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="requests", verbose_name=_("服务类别"))
    service_item = models.ForeignKey("catalog.ServiceItem", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="requests", verbose_name=_("服务项目"))
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("状态"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.SUBMITTED, db_index=True)
    enterprise = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="requests",
                                   verbose_name=_("企业"))
    city = models.CharField(_("地市"), max_length=6, choices=City.choices, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="submitted_requests", verbose_name=_("提交人"))
    provider = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="assigned_requests", verbose_name=_("承办机构"))
    expert = models.ForeignKey("catalog.Expert", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="assigned_requests", verbose_name=_("专家"))
    is_joint = models.BooleanField(_("联合攻关"), default=False)

    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    dispatched_at = models.DateTimeField(_("分派时间"), null=True, blank=True)
    accept_due_at = models.DateTimeField(_("受理期限"), null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("办结期限"), null=True, blank=True, db_index=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    deadline_fallback = models.BooleanField(
        _("期限按周末推算"), default=False,
        help_text=_("期限所在年份的法定节假日尚未公布，按周末推算"))
    escalated_at = models.DateTimeField(_("超期督办时间"), null=True, blank=True)
    resolved_on_time = models.BooleanField(_("按期办结"), null=True, blank=True)

    solution = models.TextField(_("解决方案"), blank=True)
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(5)])
    rating_comment = models.TextField(_("评价"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "-submitted_at"]),
            models.Index(fields=["provider", "status", "-submitted_at"]),
            models.Index(fields=["provider", "-submitted_at"], name="sd_request_provider_recent"),
            models.Index(fields=["city", "status", "-submitted_at"]),
            models.Index(fields=["status", "-submitted_at"]),
            models.Index(fields=["line", "submitted_at"]),
        ]
        verbose_name = _("服务需求")
        verbose_name_plural = _("服务需求")

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("servicedesk:request_detail", args=[self.pk])

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def current_due_at(self):
        if self.status == RequestStatus.DISPATCHED:
            return self.accept_due_at
        if self.status in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS):
            return self.resolve_due_at
        return None

    @property
    def is_overdue(self):
        due = self.current_due_at
        return bool(due and due < timezone.now())


class RequestParticipant(models.Model):
    """A provider (and optionally an expert) joined to a technical problem's joint tackling (攻关)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="participants")
    provider = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="joint_requests", verbose_name=_("机构"))
    expert = models.ForeignKey("catalog.Expert", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="joint_requests", verbose_name=_("专家"))
    role = models.CharField(_("角色"), max_length=10, choices=ParticipantRole.choices, default=ParticipantRole.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        unique_together = [("request", "provider", "expert")]
        verbose_name = _("攻关成员")
        verbose_name_plural = _("攻关成员")

    def __str__(self):
        return str(self.provider or self.expert)


class ProgressNote(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("进展说明"))
    percent = models.PositiveSmallIntegerField(_("完成进度(%)"), null=True, blank=True,
                                               validators=[MaxValueValidator(100)])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.text[:40]


def attachment_path(instance, filename):
    suffix = Path(filename).suffix.lower()
    return f"requests/{instance.request_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.original_name


class SolvedCase(TimeStampedModel):
    """A published write-up of a solved technical problem, browsable by everyone logged in."""

    request = models.OneToOneField(ServiceRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="case")
    title = models.CharField(_("标题"), max_length=150)
    industry = models.CharField(_("行业"), max_length=40, blank=True, db_index=True)
    line = models.ForeignKey("core.ServiceLine", on_delete=models.PROTECT, related_name="cases",
                             verbose_name=_("服务类别"))
    city = models.CharField(_("地市"), max_length=6, choices=City.choices, blank=True)
    problem = models.TextField(_("问题"))
    cause = models.TextField(_("原因分析"))
    solution = models.TextField(_("解决方案"))
    result = models.TextField(_("成效"))
    providers_text = models.CharField(_("参与机构"), max_length=300, blank=True)
    tags = models.CharField(_("标签"), max_length=200, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("案例")
        verbose_name_plural = _("案例库")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("servicedesk:case_detail", args=[self.pk])
