"""Risk-based sampling plans (抽样方案): the parameters a regulator chose, the plan the engine proposed per
(enterprise, product category) cell with its reasons, the regulator's edits, and the spot-check plan it was
adopted into. Cells are the whole sampling frame, planned or not, so an unplanned cell can be given batches
and the estimates know the frame size."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nqi.core.choices import City
from nqi.core.models import TimeStampedModel

from .choices import HistoryPeriod, SchemeStatus


class SamplingScheme(TimeStampedModel):
    """One period's risk-based sampling plan draft of a city bureau (owner_city) or the region (blank)."""

    name = models.CharField(_("方案名称"), max_length=150)
    year = models.PositiveSmallIntegerField(_("计划年度"), db_index=True)
    period = models.CharField(_("计划期次"), max_length=30, blank=True, help_text=_("例如：第1批、上半年"))
    owner_city = models.CharField(_("组织地市"), max_length=6, choices=City.choices, blank=True, db_index=True,
                                  help_text=_("留空表示自治区级（全区）"))
    status = models.CharField(_("状态"), max_length=10, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT,
                              db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("制定人"))

    # Parameters of the allocation.
    budget = models.PositiveIntegerField(_("抽样总批次"), validators=[MinValueValidator(1)])
    max_per_cell = models.PositiveSmallIntegerField(_("每单元批次上限"), validators=[MinValueValidator(1)])
    min_per_category = models.PositiveIntegerField(_("每类别最低批次"), default=0)
    random_share = models.FloatField(_("双随机抽取比例"), default=0.2,
                                     validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    seed = models.PositiveBigIntegerField(_("随机种子"))
    min_per_city = models.PositiveIntegerField(_("每地市最低批次"), default=0)
    city_minimums = models.JSONField(_("地市最低批次"), default=dict, blank=True)
    category_minimums = models.JSONField(_("类别最低批次（按抽样框容量调整后）"), default=dict, blank=True)

    # The history the risk model was fitted to.
    history_from = models.DateField(_("历史数据起"))
    history_to = models.DateField(_("历史数据止"))
    history_period = models.CharField(_("历史分期"), max_length=10, choices=HistoryPeriod.choices,
                                      default=HistoryPeriod.QUARTER)
    categories = models.JSONField(_("产品类别"), default=list, blank=True, help_text=_("留空表示历史中的全部类别"))
    plan_kinds = models.JSONField(_("使用的抽查类型"), default=list, blank=True)
    include_unsampled = models.BooleanField(_("纳入无抽检记录的平台企业"), default=True)
    history_batches = models.PositiveIntegerField(_("历史批次"), default=0)
    history_failed = models.PositiveIntegerField(_("历史不合格批次"), default=0)
    history_periods = models.JSONField(_("历史期次"), default=list, blank=True)
    half_life = models.FloatField(_("近期加权半衰期（期）"), null=True, blank=True)
    correction_odds_ratio = models.FloatField(
        _("整改效应（几率比）"), null=True, blank=True,
        help_text=_("模型估计：单元每有一期检出不合格（整改后），此后每批不合格几率乘以该值"))

    # What the engine proposed (the live figures after edits are computed from the cells).
    frame_size = models.PositiveIntegerField(_("抽样框单元数"), default=0)
    proposed_random_batches = models.PositiveIntegerField(_("双随机抽取批次（生成时）"), default=0)
    proposed_expected_failures = models.FloatField(_("预计发现不合格批次（生成时）"), default=0.0)
    uniform_expected_failures = models.FloatField(_("同预算均匀抽样预计发现不合格批次"), default=0.0)
    notes = models.JSONField(_("生成说明"), default=list, blank=True)
    generation_seconds = models.FloatField(_("生成用时（秒）"), default=0.0)

    adopted_plan = models.OneToOneField("inspections.InspectionPlan", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="sampling_scheme",
                                        verbose_name=_("生成的抽查计划"))
    adopted_at = models.DateTimeField(_("采用时间"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-created_at", "-id"]
        verbose_name = _("抽样方案")
        verbose_name_plural = _("抽样方案")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("planning:scheme_detail", args=[self.pk])

    @property
    def is_draft(self):
        return self.status == SchemeStatus.DRAFT

    @property
    def scope_label(self):
        return str(City(self.owner_city).label) if self.owner_city else str(_("全区"))


class PlanCell(models.Model):
    """One (enterprise, product category) cell of the sampling frame and the batches planned for it."""

    scheme = models.ForeignKey(SamplingScheme, on_delete=models.CASCADE, related_name="cells",
                               verbose_name=_("抽样方案"))
    # The risk model's enterprise identity: "org:<id>" for a platform enterprise, else the USCC or the name.
    enterprise_key = models.CharField(_("企业标识"), max_length=200)
    enterprise = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("平台企业"))
    enterprise_name = models.CharField(_("企业名称"), max_length=200)
    enterprise_uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    product_category = models.CharField(_("产品类别"), max_length=60)
    city = models.CharField(_("地市"), max_length=6, choices=City.choices, blank=True)
    batches = models.PositiveIntegerField(_("计划批次"), default=0)
    random_batches = models.PositiveIntegerField(_("双随机批次"), default=0)
    targeted_batches = models.PositiveIntegerField(_("风险定向批次"), default=0)
    proposed_batches = models.PositiveIntegerField(_("建议批次"), default=0)
    minimum_batches = models.PositiveIntegerField(_("为保障最低批次安排"), default=0)
    inclusion_probability = models.FloatField(_("入样概率"), default=0.0)
    estimated_risk = models.FloatField(_("估计不合格率"))
    risk_low = models.FloatField(_("区间下限"))
    risk_high = models.FloatField(_("区间上限"))
    risk_rank = models.PositiveIntegerField(_("风险排名"), default=0)
    history_sampled = models.PositiveIntegerField(_("历史抽检批次"), default=0)
    history_failed = models.PositiveIntegerField(_("历史不合格批次"), default=0)
    reason = models.TextField(_("安排理由"), blank=True)
    edited = models.BooleanField(_("人工调整"), default=False)
    # The spot-check tasks the cell became when the scheme was adopted (random and targeted batches apart).
    random_task = models.OneToOneField("inspections.SamplingTask", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", verbose_name=_("双随机任务"))
    targeted_task = models.OneToOneField("inspections.SamplingTask", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+", verbose_name=_("定向任务"))

    class Meta:
        ordering = ["scheme", "risk_rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "enterprise_key", "product_category"],
                                    name="planning_cell_unique_per_scheme"),
        ]
        indexes = [models.Index(fields=["scheme", "-estimated_risk"]), models.Index(fields=["scheme", "-batches"])]
        verbose_name = _("方案单元")
        verbose_name_plural = _("方案单元")

    def __str__(self):
        return f"{self.enterprise_name} · {self.product_category} · {self.batches}批"

    @property
    def city_label(self):
        return str(City(self.city).label) if self.city else ""
