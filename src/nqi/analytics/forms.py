"""The dashboard filter form, shared by the pages and the API (which answers 400 with its errors)."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from nqi.accounts.choices import EnterpriseSize
from nqi.core.choices import City
from nqi.inspections.choices import PlanKind, Stage

from .aggregation import (
    DIMENSION_LABELS,
    FUNNEL_DIMENSIONS,
    GRANULARITIES,
    METHODS,
    SELECTION_LABELS,
    Filters,
)


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type="month"> sends), cleaned to the first day of that month."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return dt.datetime.strptime(value.strip()[:7], "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("请按“年-月”填写，例如 2026-03")) from None


class DashboardFilterForm(forms.Form):
    by = forms.ChoiceField(label=_("统计维度"), choices=list(DIMENSION_LABELS.items()), required=False)
    month_from = MonthField(label=_("起始月份"), required=False,
                            widget=forms.TextInput(attrs={"type": "month"}))
    month_to = MonthField(label=_("截止月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    category = forms.CharField(label=_("产品类别"), required=False, max_length=60)
    city = forms.ChoiceField(label=_("地市"), choices=[("", _("全部地市"))] + list(City.choices), required=False)
    stage = forms.ChoiceField(label=_("抽样环节"), choices=[("", _("全部环节"))] + list(Stage.choices),
                              required=False)
    size = forms.ChoiceField(label=_("企业规模"), choices=[("", _("全部规模"))] + list(EnterpriseSize.choices),
                             required=False)
    kind = forms.ChoiceField(label=_("抽查类型"), required=False,
                             choices=[("", _("监督抽查（不含风险监测）"))] + list(PlanKind.choices))
    selection = forms.ChoiceField(label=_("抽取方式"), required=False,
                                  choices=[("", _("全部批次"))] + list(SELECTION_LABELS.items()),
                                  help_text=_("风险定向批次有意抽取高风险企业，不合格率偏高"))
    method = forms.ChoiceField(label=_("区间方法"), choices=list(METHODS.items()), required=False)
    granularity = forms.ChoiceField(label=_("趋势粒度"), choices=list(GRANULARITIES.items()), required=False)
    funnel = forms.ChoiceField(label=_("漏斗图比较"), required=False,
                               choices=[(d, DIMENSION_LABELS[d]) for d in FUNNEL_DIMENSIONS])

    def __init__(self, *args, city_locked=None, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.city_locked = city_locked
        if city_locked is not None:
            # A city regulator's figures are its own city's: no city menu to suggest otherwise.
            del self.fields["city"]
        self.fields["category"].widget = forms.Select(choices=[("", _("全部类别"))] + [(c, c) for c in categories])

    def clean(self):
        data = super().clean()
        if data.get("month_from") and data.get("month_to") and data["month_from"] > data["month_to"]:
            self.add_error("month_to", _("截止月份不能早于起始月份"))
        return data

    def value(self, name, default=""):
        data = self.cleaned_data if self.is_bound and not self.errors else {}
        return data.get(name) or default

    def filters(self) -> Filters:
        return Filters(month_from=self.value("month_from", None), month_to=self.value("month_to", None),
                       category=self.value("category"), city=self.value("city"), stage=self.value("stage"),
                       size=self.value("size"), kind=self.value("kind"), selection=self.value("selection"))
