"""Forms of the sampling-plan pages: generate a plan, edit a cell's batches, adopt the plan, filter the cells."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nqi.core.choices import City
from nqi.inspections.actions import testing_labs
from nqi.inspections.choices import PlanKind

from . import actions
from .choices import HistoryPeriod, SchemeStatus


class PercentField(forms.DecimalField):
    """A share typed as a percentage (20 = 20 %), cleaned to a fraction (0.2)."""

    def clean(self, value):
        value = super().clean(value)
        return None if value is None else float(value) / 100


class GenerateForm(forms.Form):
    name = forms.CharField(label=_("方案名称"), max_length=150)
    year = forms.IntegerField(label=_("计划年度"), min_value=2000, max_value=2100)
    period = forms.CharField(label=_("计划期次"), max_length=30, required=False, help_text=_("例如：第1批、上半年"))
    budget = forms.IntegerField(label=_("抽样总批次"), min_value=1, max_value=100000)
    max_per_cell = forms.IntegerField(label=_("每个企业-产品单元批次上限"), min_value=1, max_value=1000, initial=3)
    min_per_category = forms.IntegerField(label=_("每个产品类别最低批次"), min_value=0, initial=0)
    min_per_city = forms.IntegerField(label=_("每个地市最低批次"), min_value=0, initial=0, required=False,
                                      help_text=_("仅自治区级方案；0 表示不设"))
    random_share = PercentField(label=_("双随机抽取比例（%）"), min_value=0, max_value=100, initial=20,
                                decimal_places=1, help_text=_("按“双随机、一公开”要求保留的随机抽取部分，默认20%"))
    seed = forms.IntegerField(label=_("随机种子"), min_value=0, max_value=actions.MAX_SEED, required=False,
                              help_text=_("留空则随机生成并记录，便于复核"))
    history_from = forms.DateField(label=_("历史数据起"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text=_("留空为截止年份前两年的1月1日"))
    history_to = forms.DateField(label=_("历史数据止"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("留空为今天"))
    history_period = forms.ChoiceField(label=_("历史分期"), choices=HistoryPeriod.choices, initial=HistoryPeriod.QUARTER)
    categories = forms.MultipleChoiceField(label=_("产品类别"), required=False, choices=(),
                                           widget=forms.SelectMultiple(attrs={"size": 6}),
                                           help_text=_("不选表示历史中的全部类别。只使用已出结论的监督抽查结果，不含风险监测（其结果不得用于处理企业）"))
    include_unsampled = forms.BooleanField(label=_("纳入尚无抽检记录的平台企业（按行业常见类别）"), required=False,
                                           initial=True)

    def __init__(self, *args, categories=(), region_level=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [(c, c) for c in categories]
        if not region_level:
            del self.fields["min_per_city"]
        self.fields["year"].initial = timezone.localdate().year + 1

    def clean(self):
        data = super().clean()
        start, end = data.get("history_from"), data.get("history_to")
        if start and end and start > end:
            self.add_error("history_to", _("历史数据截止日期不能早于起始日期"))
        return data

    def to_parameters(self) -> actions.SchemeParameters:
        d = self.cleaned_data
        return actions.SchemeParameters(
            name=d["name"], year=d["year"], period=d["period"], budget=d["budget"], max_per_cell=d["max_per_cell"],
            min_per_category=d["min_per_category"], min_per_city=d.get("min_per_city") or 0,
            random_share=d["random_share"] if d["random_share"] is not None else 0.2, seed=d["seed"],
            history_from=d["history_from"], history_to=d["history_to"], history_period=d["history_period"],
            categories=list(d["categories"]), include_unsampled=d["include_unsampled"])


class CellEditForm(forms.Form):
    """Only carries the raw value: the action validates it (whole number, 0 to the cap) with Chinese messages."""

    batches = forms.CharField(label=_("计划批次"), max_length=10, required=False)


class AdoptForm(forms.Form):
    name = forms.CharField(label=_("抽查计划名称"), max_length=150)
    kind = forms.ChoiceField(label=_("抽查类型"), choices=[(k, label) for k, label in PlanKind.choices
                                                       if k in actions.ADOPTABLE_KINDS])
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    batch = forms.IntegerField(label=pgettext_lazy("plan round", "批次"), min_value=1, max_value=99, initial=1)
    start_date = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("结束日期（任务完成期限）"), widget=forms.DateInput(attrs={"type": "date"}))
    labs = forms.ModelMultipleChoiceField(label=_("承检机构"), queryset=testing_labs(),
                                          widget=forms.SelectMultiple(attrs={"size": 6}),
                                          help_text=_("各产品类别按批次量依次分配给承检机构，同一类别由同一机构承担"))

    def __init__(self, *args, region_level=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["labs"].queryset = testing_labs().order_by("city", "name")
        if not region_level:
            self.fields["kind"].choices = [(k, label) for k, label in PlanKind.choices
                                           if k in (PlanKind.CITY, PlanKind.SPECIAL)]

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("结束日期不能早于开始日期"))
        return data

    def to_adoption(self) -> actions.Adoption:
        d = self.cleaned_data
        return actions.Adoption(name=d["name"], kind=d["kind"], year=d["year"], batch=d["batch"],
                                start_date=d["start_date"], end_date=d["end_date"], labs=list(d["labs"]))


class DiscardForm(forms.Form):
    reason = forms.CharField(label=_("作废理由"), max_length=500, required=False)


CELL_SORTS = {
    "risk": ("-estimated_risk", "id"), "-risk": ("estimated_risk", "id"),
    "batches": ("-batches", "-estimated_risk", "id"), "-batches": ("batches", "-estimated_risk", "id"),
    "name": ("enterprise_name", "product_category"), "category": ("product_category", "-estimated_risk", "id"),
}
CELL_SORT_LABELS = {"risk": _("风险从高到低"), "-risk": _("风险从低到高"), "batches": _("批次从多到少"),
                    "-batches": _("批次从少到多"), "name": _("企业名称"), "category": _("产品类别")}
SHOW_CHOICES = [("planned", _("已安排批次的单元")), ("all", _("全部抽样框单元")), ("edited", _("人工调整的单元"))]


class CellFilterForm(forms.Form):
    q = forms.CharField(label=_("企业名称或信用代码"), required=False, max_length=100)
    city = forms.ChoiceField(label=_("地市"), required=False, choices=[("", _("全部地市"))] + list(City.choices))
    category = forms.ChoiceField(label=_("产品类别"), required=False, choices=())
    show = forms.ChoiceField(label=_("显示"), required=False, choices=SHOW_CHOICES)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=list(CELL_SORT_LABELS.items()))

    def __init__(self, *args, categories=(), cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部类别"))] + [(c, c) for c in categories]
        labels = dict(City.choices)
        self.fields["city"].choices = [("", _("全部地市"))] + [(c, labels.get(c, c)) for c in cities]

    def filter(self, cells):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        q = (data.get("q") or "").strip()
        if q:
            from django.db.models import Q

            cells = cells.filter(Q(enterprise_name__icontains=q) | Q(enterprise_uscc=q.upper()))
        if data.get("city"):
            cells = cells.filter(city=data["city"])
        if data.get("category"):
            cells = cells.filter(product_category=data["category"])
        show = data.get("show") or "planned"
        if show == "planned":
            cells = cells.filter(batches__gt=0)
        elif show == "edited":
            cells = cells.filter(edited=True)
        sort = data.get("sort") or "risk"
        return cells.order_by(*CELL_SORTS[sort]), sort


class SchemeListForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态"))] + list(SchemeStatus.choices))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)


def default_adoption(scheme) -> dict:
    year = scheme.year
    return {"name": scheme.name.removesuffix("（草案）"), "year": year, "batch": 1,
            "kind": PlanKind.PROVINCIAL if not scheme.owner_city else PlanKind.CITY,
            "start_date": dt.date(year, 3, 1), "end_date": dt.date(year, 11, 30)}
