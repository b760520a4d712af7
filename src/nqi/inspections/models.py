"""Spot-check supervision (监督抽查): plans, tasks to labs, sampling records with their test items,
objections and re-tests, follow-up of failures, imports of results tables and the pass-rate rollup."""

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nqi.core.choices import City
from nqi.core.models import TimeStampedModel

from .choices import (
    Conclusion,
    Escalation,
    FollowUpStatus,
    ImportStatus,
    Judgement,
    ObjectionStatus,
    PlanKind,
    PlanStatus,
    RecordSource,
    RecordStatus,
    RetestPayer,
    Selection,
    Stage,
    TaskStatus,
)


class InspectionPlan(TimeStampedModel):
    """A year's batch of spot checks (e.g. 2026年第2批自治区监督抽查) with its quota and labs."""

    name = models.CharField(_("计划名称"), max_length=150)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    batch = models.PositiveSmallIntegerField(pgettext_lazy("plan round", "批次"), default=1)
    kind = models.CharField(_("抽查类型"), max_length=20, choices=PlanKind.choices, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    # The city that runs a city-level plan; blank for national / regional plans.
    owner_city = models.CharField(_("组织地市"), max_length=6, choices=City.choices, blank=True, db_index=True)
    product_categories = models.JSONField(_("产品类别"), default=list, blank=True)
    cities = models.JSONField(_("抽查地市"), default=list, blank=True, help_text=_("留空表示全区"))
    quota = models.PositiveIntegerField(_("计划批次数"), default=0)
    labs = models.ManyToManyField("accounts.Organisation", blank=True, related_name="inspection_plans",
                                  verbose_name=_("承检机构"))
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    publish_risk_results = models.BooleanField(
        _("风险监测结果可公布"), default=False, help_text=_("风险监测结果默认不公布；勾选后可公布"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("结束人"))
    close_reason = models.CharField(_("结束说明"), max_length=300, blank=True)
    is_imported = models.BooleanField(_("由导入生成"), default=False)
    import_source = models.CharField(_("导入文件"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("制定人"))

    class Meta:
        ordering = ["-year", "-batch", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "kind", "import_source"], condition=models.Q(is_imported=True),
                                    name="inspections_one_imported_plan_per_file_year_kind"),
        ]
        verbose_name = _("抽查计划")
        verbose_name_plural = _("抽查计划")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("inspections:plan_detail", args=[self.pk])

    @property
    def is_risk_monitoring(self):
        return self.kind == PlanKind.RISK_MONITORING

    @property
    def is_closed(self):
        return self.status == PlanStatus.CLOSED

    @property
    def results_publishable(self):
        return not self.is_risk_monitoring or self.publish_risk_results

    @property
    def city_names(self):
        labels = dict(City.choices)
        return [str(labels.get(code, code)) for code in self.cities] or [str(_("全区"))]


class SamplingTask(TimeStampedModel):
    """A share of a plan given to one testing lab: product category, city, batches to sample."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="tasks",
                             verbose_name=_("抽查计划"))
    lab = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="inspection_tasks",
                            verbose_name=_("承检机构"))
    product_category = models.CharField(_("产品类别"), max_length=60)
    city = models.CharField(_("地市"), max_length=6, choices=City.choices, blank=True, db_index=True)
    quota = models.PositiveIntegerField(_("任务批次数"), default=1)
    due_date = models.DateField(_("完成期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.ASSIGNED)
    # Set when the task comes from a risk-based sampling plan (planning app): the enterprise to sample, whether
    # it was drawn at random or targeted by risk, and its inclusion probability for unbiased estimates.
    enterprise = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="planned_inspection_tasks", verbose_name=_("受检企业"))
    enterprise_name = models.CharField(_("受检企业名称"), max_length=200, blank=True, default="", db_default="")
    selection = models.CharField(_("抽取方式"), max_length=10, choices=Selection.choices, blank=True, default="",
                                 db_default="")
    inclusion_probability = models.FloatField(_("入样概率"), null=True, blank=True)
    status_reason = models.CharField(_("撤回或关闭理由"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("撤回或关闭时间"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "product_category", "city"]
        verbose_name = _("抽样任务")
        verbose_name_plural = _("抽样任务")

    def __str__(self):
        if self.selection:
            return (f"{self.plan.name} · {self.enterprise_name or self.enterprise} · {self.product_category} · "
                    f"{self.get_selection_display()} {self.quota}批 · {self.lab}")
        return f"{self.plan.name} · {self.product_category} · {self.lab}"

    @property
    def is_open(self):
        """Still taking batches: neither withdrawn nor closed (a done task may grow again if its quota rises)."""
        return self.status in (TaskStatus.ASSIGNED, TaskStatus.DONE)

    @property
    def is_planned(self):
        """From a risk-based sampling scheme: its quota is part of the scheme's inclusion probabilities."""
        return bool(self.selection)


def record_dedup_key(manufacturer_name: str, product_name: str, batch_no: str, sampling_date) -> uuid.UUID:
    """The identity of a sample: same manufacturer, product, batch and sampling date = the same sample.

    Compared without spaces and case (as the import parser does); stored as 128 bits of a SHA-1 in a UUID
    column, so the unique index stays small (16 bytes a row on PostgreSQL) and collisions are out of reach.
    """
    parts = [manufacturer_name, product_name, batch_no]
    text = "\x1f".join("".join(str(p).split()).casefold() for p in parts) + "\x1f" + sampling_date.isoformat()
    return uuid.UUID(bytes=hashlib.sha1(text.encode("utf-8")).digest()[:16])


class SamplingRecord(TimeStampedModel):
    """One sampled batch (抽样单) and its result: who sampled where, the sample, the conclusion, the notice."""

    number = models.CharField(_("抽样单编号"), max_length=24)
    # Foreign keys led by a composite index below get no index of their own: every index is paid for on
    # each imported row. Nor do they get PostgreSQL's row-by-row foreign-key triggers (a third of a COPY's
    # time): set-based triggers check a whole statement's references at once and keep referenced rows from
    # being deleted (migration 0008, db_constraint=False below).
    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="records", db_index=False,
                             db_constraint=False, verbose_name=_("抽查计划"))
    task = models.ForeignKey(SamplingTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="records",
                             db_index=False, db_constraint=False, verbose_name=_("抽样任务"))
    plan_kind = models.CharField(_("抽查类型"), max_length=20, choices=PlanKind.choices,
                                 help_text=_("冗余自计划，便于统计"))
    lab = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="inspection_records", db_index=False, db_constraint=False,
                            verbose_name=_("承检机构"))
    lab_name = models.CharField(_("承检机构名称"), max_length=200, blank=True)
    samplers = models.JSONField(_("抽样人员"), default=list, blank=True)
    stage = models.CharField(_("抽样环节"), max_length=12, choices=Stage.choices, blank=True)
    sampling_place = models.CharField(_("抽样地点"), max_length=200, blank=True)
    city = models.CharField(_("所在地市"), max_length=6, choices=City.choices)
    sampling_date = models.DateField(_("抽样日期"), db_index=True)

    sampled_unit = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="sampled_records", db_index=False, db_constraint=False,
                                     verbose_name=_("受检单位（平台企业）"))
    sampled_unit_name = models.CharField(_("受检单位"), max_length=200, blank=True)
    sampled_unit_uscc = models.CharField(_("受检单位统一社会信用代码"), max_length=18, blank=True)
    manufacturer = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="manufactured_records", db_index=False, db_constraint=False,
                                     verbose_name=_("标称生产企业（平台企业）"))
    manufacturer_name = models.CharField(_("标称生产企业"), max_length=200)
    manufacturer_uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    manufacturer_address = models.CharField(_("标称生产企业地址"), max_length=200, blank=True)
    enterprise_size = models.CharField(_("企业规模"), max_length=10, blank=True,
                                       help_text=_("取自平台企业信息，便于统计"))

    product_name = models.CharField(_("产品名称"), max_length=120)
    product_category = models.CharField(_("产品类别"), max_length=60, blank=True)
    specification = models.CharField(_("规格型号"), max_length=120, blank=True)
    trademark = models.CharField(_("商标"), max_length=60, blank=True)
    batch_no = models.CharField(_("生产日期/批号"), max_length=120, blank=True)
    production_date = models.DateField(_("生产日期"), null=True, blank=True)
    sample_quantity = models.CharField(_("检验样品数量"), max_length=40, blank=True)
    backup_quantity = models.CharField(_("备份样品数量"), max_length=40, blank=True)

    status = models.CharField(_("状态"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.TESTING)
    conclusion = models.CharField(_("检验结论"), max_length=4, choices=Conclusion.choices, blank=True,
                                  default=Conclusion.PENDING)
    conclusion_overridden = models.BooleanField(_("结论经人工修改"), default=False)
    override_reason = models.TextField(_("修改结论理由"), blank=True)
    failed_items_text = models.CharField(_("主要不合格项目"), max_length=500, blank=True)
    tested_at = models.DateTimeField(_("检验完成时间"), null=True, blank=True)
    notified_at = models.DateTimeField(_("告知时间"), null=True, blank=True)
    received_on = models.DateField(_("企业收到结果日期"), null=True, blank=True)
    objection_due = models.DateField(_("异议期限"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("结论确定时间"), null=True, blank=True)
    published = models.BooleanField(_("已公布"), default=False)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    source = models.CharField(_("来源"), max_length=10, choices=RecordSource.choices, default=RecordSource.MANUAL)
    import_job = models.ForeignKey("ImportJob", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="records", db_index=False, db_constraint=False, verbose_name=_("导入批次"))
    source_row = models.PositiveIntegerField(_("导入文件行号"), null=True, blank=True)
    remarks = models.CharField(_("备注"), max_length=300, blank=True)
    # Copied from the task when the batch is recorded. A database default too: the importer's COPY lists columns.
    selection = models.CharField(_("抽取方式"), max_length=10, choices=Selection.choices, blank=True, default="",
                                 db_default="", help_text=_("来自风险抽样方案的任务：双随机抽取或风险定向"))
    dedup_key = models.UUIDField(_("去重键"), editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)  # not indexed here (see above)

    class Meta:
        ordering = ["-sampling_date", "-id"]
        indexes = [
            models.Index(fields=["plan", "-sampling_date"]),
            models.Index(fields=["city", "-sampling_date"]),
            # Partial indexes: imported rows are mostly final and often unlinked, so they skip these.
            models.Index(fields=["manufacturer", "-sampling_date"], condition=models.Q(manufacturer__isnull=False),
                         name="insp_record_maker_date"),
            models.Index(fields=["sampled_unit", "-sampling_date"], condition=models.Q(sampled_unit__isnull=False),
                         name="insp_record_unit_date"),
            models.Index(fields=["lab", "-sampling_date"], condition=models.Q(lab__isnull=False),
                         name="insp_record_lab_date"),
            # Imported results belong to no task: only records sampled on the platform are indexed by task.
            models.Index(fields=["task"], condition=models.Q(task__isnull=False), name="insp_record_task"),
            models.Index(fields=["objection_due"], condition=models.Q(status="notified"),
                         name="insp_record_objection_due"),
            # Records still in the workflow (to test, to notify, in the objection window, re-testing): the
            # regulator's to-do counts and the status filter find them without reading the final ones.
            models.Index(fields=["status", "city"], condition=~models.Q(status="final"), name="insp_record_open"),
            models.Index(fields=["manufacturer_uscc"]),
        ]
        # Constraints rather than unique=True: on PostgreSQL a unique CharField also gets a second,
        # LIKE-pattern index that nothing here uses and every imported row would pay for.
        constraints = [
            models.UniqueConstraint(fields=["number"], name="inspections_record_number_unique"),
            models.UniqueConstraint(fields=["dedup_key"], name="inspections_record_dedup_key_unique"),
        ]
        verbose_name = _("抽样检验记录")
        verbose_name_plural = _("抽样检验记录")

    def __str__(self):
        return f"{self.number} {self.product_name}"

    def get_absolute_url(self):
        return reverse("inspections:record_detail", args=[self.pk])

    def compute_dedup_key(self) -> str:
        return record_dedup_key(self.manufacturer_name, self.product_name, self.batch_no, self.sampling_date)

    @property
    def passed(self):
        return {Conclusion.PASS: True, Conclusion.FAIL: False}.get(self.conclusion)

    @property
    def is_risk_monitoring(self):
        return self.plan_kind == PlanKind.RISK_MONITORING

    @property
    def failed_items(self) -> list[str]:
        return [item for item in self.failed_items_text.split("、") if item]

    @property
    def samplers_text(self):
        return "、".join(self.samplers)


class TestItemResult(models.Model):
    """One test item of a sample: measured value against the standard's limit, and its judgement."""

    __test__ = False  # not a pytest test class despite the name

    record = models.ForeignKey(SamplingRecord, on_delete=models.CASCADE, related_name="items",
                               verbose_name=_("抽样记录"))
    item = models.CharField(_("检验项目"), max_length=120)
    standard = models.CharField(_("依据标准"), max_length=80, blank=True)
    clause = models.CharField(_("条款"), max_length=40, blank=True)
    unit = models.CharField(_("单位"), max_length=30, blank=True)
    measured = models.CharField(_("实测值"), max_length=60, blank=True)
    limit = models.CharField(_("标准要求"), max_length=60, blank=True)
    judgement = models.CharField(_("单项判定"), max_length=4, choices=Judgement.choices, default=Judgement.PASS)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["record", "sort_order", "id"]
        verbose_name = _("检验项目结果")
        verbose_name_plural = _("检验项目结果")

    def __str__(self):
        return f"{self.item} {self.get_judgement_display()}"


class Objection(TimeStampedModel):
    """An enterprise's re-test request (复检申请) within 15 days, and the re-test on the backup sample."""

    record = models.OneToOneField(SamplingRecord, on_delete=models.CASCADE, related_name="objection",
                                  verbose_name=_("抽样记录"))
    applicant = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="objections",
                                  verbose_name=_("申请企业"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"))
    reason = models.TextField(_("异议理由"))
    items = models.CharField(_("申请复检项目"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ObjectionStatus.choices,
                              default=ObjectionStatus.REQUESTED, db_index=True)
    retest_lab = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="retests", verbose_name=_("复检机构"))
    retest_conclusion = models.CharField(_("复检结论"), max_length=4, choices=Conclusion.choices, blank=True)
    retest_agrees = models.BooleanField(_("复检结论与初检一致"), null=True, blank=True)
    payer = models.CharField(_("复检费用承担"), max_length=12, choices=RetestPayer.choices, blank=True)
    retest_note = models.TextField(_("复检说明"), blank=True)
    decided_at = models.DateTimeField(_("复检结论时间"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("复检申请")
        verbose_name_plural = _("复检申请")

    def __str__(self):
        return f"{self.record.number} 复检"


class FollowUp(TimeStampedModel):
    """Handling of a failed batch: order to correct by a date, rectification report, follow-up check (复查)."""

    record = models.OneToOneField(SamplingRecord, on_delete=models.CASCADE, related_name="follow_up",
                                  verbose_name=_("抽样记录"))
    enterprise = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="inspection_follow_ups", verbose_name=_("企业"))
    enterprise_name = models.CharField(_("企业名称"), max_length=200)
    city = models.CharField(_("地市"), max_length=6, choices=City.choices, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=FollowUpStatus.choices,
                              default=FollowUpStatus.ORDERED, db_index=True)
    ordered_at = models.DateTimeField(_("责令改正时间"))
    correction_due = models.DateField(_("整改期限"), db_index=True)
    order_note = models.TextField(_("改正要求"), blank=True)
    report = models.TextField(_("整改报告"), blank=True)
    reported_at = models.DateTimeField(_("提交整改报告时间"), null=True, blank=True)
    recheck_count = models.PositiveSmallIntegerField(_("复查次数"), default=0)
    recheck_passed = models.BooleanField(_("复查合格"), null=True, blank=True)
    recheck_note = models.TextField(_("复查情况"), blank=True)
    rechecked_at = models.DateTimeField(_("复查时间"), null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(_("处置升级"), choices=Escalation.choices,
                                                  default=Escalation.NONE)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    # The correction deadline already escalated for, so the periodic pass escalates once per deadline.
    escalated_for_due = models.DateField(null=True, blank=True, editable=False)
    onsite_required = models.BooleanField(_("需现场检查"), default=False,
                                          help_text=_("连续两次抽查不合格，应实施现场检查并跟踪抽查"))
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        ordering = ["correction_due", "id"]
        verbose_name = _("不合格后处理")
        verbose_name_plural = _("不合格后处理")

    def __str__(self):
        return f"{self.enterprise_name} {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("inspections:record_detail", args=[self.record_id])


def import_upload_path(instance, filename):
    return f"inspection-imports/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class ImportJob(models.Model):
    """One uploaded results file: its confirmed column mapping, progress while importing, and the report."""

    file = models.FileField(upload_to=import_upload_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED, db_index=True)
    plan = models.ForeignKey(InspectionPlan, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="import_jobs", verbose_name=_("归入计划"))
    plan_kind = models.CharField(_("抽查类型"), max_length=20, choices=PlanKind.choices,
                                 default=PlanKind.PROVINCIAL)
    publish = models.BooleanField(_("导入后即公布"), default=False)
    mapping = models.JSONField(_("列对应关系"), default=dict, blank=True)
    header_row = models.PositiveIntegerField(_("表头行"), null=True, blank=True)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    progress_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    progress_total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    inserted = models.PositiveIntegerField(_("新增记录"), default=0)
    summary = models.JSONField(_("导入报告"), default=dict, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("inspections:import_detail", args=[self.pk])

    @property
    def percent(self):
        if self.status == ImportStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(99, int(self.progress_done * 100 / self.progress_total))

    @property
    def is_running(self):
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)


class InspectionRollup(models.Model):
    """Batches / passed / failed per month, product category, city, stage, enterprise size, plan kind and
    selection (random / targeted / ordinary), so a targeted sample's low pass rate can be told apart.

    Kept in step with SamplingRecord in the same transaction as every write (import, result entry, override,
    re-test), so pass-rate statistics over millions of records read a few thousand rows. Only records with a
    conclusion count. Empty strings, not NULL, stand for "unknown" so the unique key works on every database.
    """

    period = models.DateField(_("月份"), help_text=_("抽样日期所在月的1日"))
    product_category = models.CharField(_("产品类别"), max_length=60, blank=True)
    city = models.CharField(_("地市"), max_length=6, choices=City.choices)
    stage = models.CharField(_("抽样环节"), max_length=12, choices=Stage.choices, blank=True)
    enterprise_size = models.CharField(_("企业规模"), max_length=10, blank=True)
    plan_kind = models.CharField(_("抽查类型"), max_length=20, choices=PlanKind.choices)
    selection = models.CharField(_("抽取方式"), max_length=10, choices=Selection.choices, blank=True, default="",
                                 db_default="")
    batches = models.IntegerField(_("批次"), default=0)
    passed = models.IntegerField(_("合格批次"), default=0)
    failed = models.IntegerField(_("不合格批次"), default=0)

    class Meta:
        ordering = ["period", "product_category", "city"]
        constraints = [
            models.UniqueConstraint(fields=["period", "product_category", "city", "stage", "enterprise_size",
                                            "plan_kind", "selection"], name="inspections_rollup_key"),
        ]
        indexes = [models.Index(fields=["plan_kind", "period"]), models.Index(fields=["city", "period"])]
        verbose_name = _("抽查统计汇总")
        verbose_name_plural = _("抽查统计汇总")

    def __str__(self):
        return f"{self.period:%Y-%m} {self.product_category} {self.city} {self.passed}/{self.batches}"

    @property
    def pass_rate(self):
        return self.passed / self.batches if self.batches else None


class MarginalDimension(models.TextChoices):
    CATEGORY = "product_category", _("产品类别")
    STAGE = "stage", _("抽样环节")
    SIZE = "enterprise_size", _("企业规模")


class InspectionMarginal(models.Model):
    """The rollup summed over all but one of product category, stage and enterprise size: per month, city, plan
    kind, selection and one value of one of those dimensions.

    A region-wide breakdown by category (or stage, or size), its trend and its funnel by city read these rows,
    a fraction of the full rollup's; anything filtered on two of the three dimensions reads InspectionRollup.
    Kept with the rollup in the same statement batch (`rollups.apply`) and rebuilt from it (`rollups.rebuild`).
    """

    period = models.DateField(_("月份"))
    city = models.CharField(_("地市"), max_length=6, choices=City.choices)
    plan_kind = models.CharField(_("抽查类型"), max_length=20, choices=PlanKind.choices)
    selection = models.CharField(_("抽取方式"), max_length=10, choices=Selection.choices, blank=True, default="")
    dimension = models.CharField(_("维度"), max_length=16, choices=MarginalDimension.choices)
    value = models.CharField(_("取值"), max_length=60, blank=True)
    batches = models.IntegerField(_("批次"), default=0)
    passed = models.IntegerField(_("合格批次"), default=0)
    failed = models.IntegerField(_("不合格批次"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dimension", "plan_kind", "period", "city", "selection", "value"],
                                    name="inspections_marginal_key"),
        ]
        verbose_name = _("抽查统计单维汇总")
        verbose_name_plural = _("抽查统计单维汇总")

    def __str__(self):
        return f"{self.period:%Y-%m} {self.dimension}={self.value} {self.city} {self.passed}/{self.batches}"


__all__ = [
    "Conclusion", "Escalation", "FollowUp", "ImportJob", "InspectionMarginal", "InspectionPlan", "InspectionRollup",
    "Judgement", "MarginalDimension", "Objection", "SamplingRecord", "SamplingTask", "Selection", "TestItemResult", "record_dedup_key",
]
