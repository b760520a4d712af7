"""Named choice sets of the spot-check (监督抽查) workflow."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanKind(models.TextChoices):
    NATIONAL = "national", _("国家监督抽查")
    PROVINCIAL = "provincial", _("自治区监督抽查")
    CITY = "city", _("市级监督抽查")
    SPECIAL = "special", _("专项抽查")
    RISK_MONITORING = "risk_monitoring", _("风险监测")


class Selection(models.TextChoices):
    """How a batch's enterprise was chosen. Blank: an ordinary spot check, not from a risk-based sampling plan."""

    ORDINARY = "", _("常规抽查")
    RANDOM = "random", _("双随机抽取")
    TARGETED = "targeted", _("风险定向")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    ACTIVE = "active", _("实施中")
    CLOSED = "closed", _("已结束")


class Stage(models.TextChoices):
    PRODUCTION = "production", _("生产")
    CIRCULATION = "circulation", _("流通")
    ECOMMERCE = "ecommerce", _("电商")


class Conclusion(models.TextChoices):
    PENDING = "", _("待检验")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class Judgement(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NOT_JUDGED = "na", _("不判定")


class RecordStatus(models.TextChoices):
    TESTING = "testing", _("检验中")
    TESTED = "tested", _("待通知")
    NOTIFIED = "notified", _("异议期内")
    RETEST = "retest", _("复检中")
    FINAL = "final", _("结论已确定")


class TaskStatus(models.TextChoices):
    ASSIGNED = "assigned", _("已下达")
    DONE = "done", _("已完成")
    # Stopped early by the regulator after batches were sampled: the records stay, no more are taken.
    CLOSED = "closed", _("已关闭")
    # Withdrawn before any batch was sampled.
    CANCELLED = "cancelled", _("已撤回")


class ObjectionStatus(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    RETESTING = "retesting", _("复检中")
    DECIDED = "decided", _("已出复检结论")


class RetestPayer(models.TextChoices):
    APPLICANT = "applicant", _("申请人承担")
    DEPARTMENT = "department", _("监管部门承担")


class FollowUpStatus(models.TextChoices):
    ORDERED = "ordered", _("责令限期改正")
    REPORTED = "reported", _("整改报告已提交")
    CLOSED = "closed", _("复查合格，已结案")


class Escalation(models.IntegerChoices):
    """The ladder the Product Quality Law sets for an enterprise that keeps failing (art. 17)."""

    NONE = 0, _("无")
    PUBLIC_NOTICE = 1, _("予以公告")
    SUSPENSION = 2, _("责令停业整顿")
    LICENCE_REVOKED = 3, _("吊销营业执照")


class RecordSource(models.TextChoices):
    MANUAL = "manual", _("平台录入")
    IMPORT = "import", _("文件导入")
    DEMO = "demo", _("演示数据")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("待确认列")
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    # Done, then undone by the regulator: every record the file added was deleted again.
    WITHDRAWN = "withdrawn", _("已撤销")


class Action(models.TextChoices):
    """Audit actions of the inspections workflow."""

    CREATE_PLAN = "create_plan", _("制定计划")
    UPDATE_PLAN = "update_plan", _("修改计划")
    CLOSE_PLAN = "close_plan", _("结束计划")
    REOPEN_PLAN = "reopen_plan", _("重新启用计划")
    ASSIGN_TASK = "assign_task", _("下达任务")
    UPDATE_TASK = "update_task", _("修改任务")
    CANCEL_TASK = "cancel_task", _("撤回任务")
    CLOSE_TASK = "close_task", _("关闭任务")
    SAMPLE = "sample", _("抽样")
    ENTER_RESULTS = "enter_results", _("录入检验结果")
    OVERRIDE = "override", _("人工修改结论")
    NOTIFY = "notify", _("告知企业")
    RECEIPT = "receipt", _("企业签收")
    OBJECT = "object", _("申请复检")
    ASSIGN_RETEST = "assign_retest", _("指定复检机构")
    RETEST_RESULT = "retest_result", _("复检结论")
    ACCEPT = "accept", _("逾期未提异议，结论确认")
    ORDER_CORRECTION = "order_correction", _("责令限期改正")
    RECTIFY = "rectify", _("提交整改报告")
    RECHECK = "recheck", _("复查")
    ESCALATE = "escalate", _("逾期未整改，升级处置")
    PUBLISH = "publish", _("公布结果")
    IMPORT = "import", _("导入结果")
    WITHDRAW_IMPORT = "withdraw_import", _("撤销导入")
