from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    SERVICE = "service", _("服务需求")
    PROBLEM = "problem", _("技术难题")


class Urgency(models.TextChoices):
    LOW = "low", _("一般")
    NORMAL = "normal", _("较急")
    URGENT = "urgent", _("紧急")


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待分派")
    DISPATCHED = "dispatched", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("待确认")
    CLOSED = "closed", _("已办结")
    CANCELLED = "cancelled", _("已撤销")


OPEN_STATUSES = [RequestStatus.SUBMITTED, RequestStatus.DISPATCHED, RequestStatus.ACCEPTED,
                 RequestStatus.IN_PROGRESS]
ACTIVE_FOR_PROVIDER = [RequestStatus.DISPATCHED, RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS]


class ParticipantRole(models.TextChoices):
    LEAD = "lead", _("牵头")
    MEMBER = "member", _("参与")


class Action(models.TextChoices):
    SUBMIT = "submit", _("提交")
    DISPATCH = "dispatch", _("分派")
    ACCEPT = "accept", _("受理")
    DECLINE = "decline", _("退回")
    PROGRESS = "progress", _("进展")
    RESOLVE = "resolve", _("办结")
    CLOSE = "close", _("确认评价")
    REOPEN = "reopen", _("重新打开")
    CANCEL = "cancel", _("撤销")
    JOINT = "joint", _("联合攻关")
    ESCALATE = "escalate", _("超期督办")
    AUTO_CLOSE = "auto_close", _("自动办结")
    ATTACH = "attach", _("上传附件")
    PUBLISH_CASE = "publish_case", _("发布案例")
