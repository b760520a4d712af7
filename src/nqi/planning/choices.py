"""Named choice sets of risk-based sampling plans (抽样方案)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("草案")
    ADOPTED = "adopted", _("已采用")
    DISCARDED = "discarded", _("已作废")


class HistoryPeriod(models.TextChoices):
    """How the inspection history is cut into periods for the risk model's recency weighting."""

    QUARTER = "quarter", _("按季度")
    YEAR = "year", _("按年度")


class Action(models.TextChoices):
    """Audit actions of sampling plans."""

    GENERATE = "generate_scheme", _("生成抽样方案")
    EDIT_CELL = "edit_cell", _("调整单元批次")
    ADOPT = "adopt_scheme", _("采用方案，生成抽查计划")
    DISCARD = "discard_scheme", _("作废方案")
    ADOPTED_FROM = "adopted_from_scheme", _("由抽样方案生成任务")
