"""Forms of the spot-check pages: plans, tasks, sampling, results, the workflow steps and the import upload."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nqi.core.choices import City

from . import actions
from .choices import Conclusion, Judgement, PlanKind, Stage
from .importing import FIELDS

CONCLUSIONS = [(Conclusion.PASS, Conclusion.PASS.label), (Conclusion.FAIL, Conclusion.FAIL.label)]


def _lines(text):
    return [part.strip() for part in text.replace("，", ",").replace("、", ",").split(",") if part.strip()]


class PlanForm(forms.Form):
    name = forms.CharField(label=_("计划名称"), max_length=150)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    batch = forms.IntegerField(label=pgettext_lazy("plan round", "批次"), min_value=1, max_value=99, initial=1)
    kind = forms.ChoiceField(label=_("抽查类型"), choices=PlanKind.choices)
    product_categories = forms.CharField(label=_("产品类别"), max_length=500, required=False,
                                         help_text=_("多个类别以逗号或顿号分隔"))
    cities = forms.MultipleChoiceField(label=_("抽查地市"), choices=City.choices, required=False,
                                       widget=forms.SelectMultiple(attrs={"size": 6}), help_text=_("不选表示全区"))
    quota = forms.IntegerField(label=_("计划批次数"), min_value=0)
    labs = forms.ModelMultipleChoiceField(label=_("承检机构"), queryset=actions.testing_labs(), required=False,
                                          widget=forms.SelectMultiple(attrs={"size": 6}))
    start_date = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    publish_risk_results = forms.BooleanField(label=_("风险监测结果可公布"), required=False)

    def to_plan(self):
        d = self.cleaned_data
        return actions.NewPlan(name=d["name"], year=d["year"], batch=d["batch"], kind=d["kind"],
                               product_categories=_lines(d["product_categories"]), cities=list(d["cities"]),
                               quota=d["quota"], start_date=d["start_date"], end_date=d["end_date"],
                               publish_risk_results=d["publish_risk_results"])

    @classmethod
    def for_plan(cls, plan, data=None):
        """The edit form: the plan's values, with what may no longer change shown but disabled."""
        form = cls(data, initial={
            "name": plan.name, "year": plan.year, "batch": plan.batch, "kind": plan.kind,
            "product_categories": "、".join(plan.product_categories), "cities": plan.cities, "quota": plan.quota,
            "labs": [lab.pk for lab in plan.labs.all()], "start_date": plan.start_date, "end_date": plan.end_date,
            "publish_risk_results": plan.publish_risk_results})
        if plan.is_imported:
            for name, field in form.fields.items():
                if name != "name":
                    field.disabled = True
            form.fields["name"].help_text = _("由导入生成的计划与结果文件一致，只能修改名称")
            return form
        if plan.records.exists():
            form.fields["kind"].disabled = True
            form.fields["kind"].help_text = _("已有抽样记录，抽查类型不能再改")
        if plan.owner_city:
            form.fields["cities"].disabled = True
            form.fields["cities"].help_text = _("市级计划的抽查地市固定为本市")
        return form

    def changes(self):
        """The submitted values as do_update_plan takes them."""
        d = self.cleaned_data
        return {"name": d["name"], "year": d["year"], "batch": d["batch"], "kind": d["kind"],
                "product_categories": _lines(d["product_categories"]), "cities": list(d["cities"]),
                "quota": d["quota"], "labs": list(d["labs"]), "start_date": d["start_date"],
                "end_date": d["end_date"], "publish_risk_results": d["publish_risk_results"]}


class TaskForm(forms.Form):
    lab = forms.ModelChoiceField(label=_("承检机构"), queryset=actions.testing_labs())
    product_category = forms.CharField(label=_("产品类别"), max_length=60)
    city = forms.ChoiceField(label=_("地市"), choices=[("", _("全区"))] + list(City.choices), required=False)
    quota = forms.IntegerField(label=_("任务批次数"), min_value=1)
    due_date = forms.DateField(label=_("完成期限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def for_task(cls, task, sampled, data=None):
        """The inline edit form of a task row: what the records or the risk-based scheme fix is disabled."""
        form = cls(data, auto_id=f"id_task{task.pk}_%s", initial={
            "lab": task.lab_id, "product_category": task.product_category, "city": task.city, "quota": task.quota,
            "due_date": task.due_date})
        fixed = set(actions.TASK_FIELDS_FIXED_BY_RECORDS) if sampled else set()
        if task.is_planned:
            fixed |= {"product_category", "city"}
        for name in fixed:
            form.fields[name].disabled = True
        if sampled:
            form.fields["quota"].help_text = _("不少于已抽样的 %(n)s 批次") % {"n": sampled}
        return form

    def changes(self):
        d = self.cleaned_data
        return {"lab": d["lab"], "product_category": d["product_category"], "city": d["city"] or "",
                "quota": d["quota"], "due_date": d["due_date"]}


class TaskStopForm(forms.Form):
    """Withdraw a task with no batches, or close one that has some: the reason goes to the lab and the audit."""

    reason = forms.CharField(label=_("理由"), max_length=300, widget=forms.TextInput(
        attrs={"placeholder": _("例如：企业已停产，无法抽样")}))


class PlanCloseForm(forms.Form):
    reason = forms.CharField(label=_("说明"), max_length=300, required=False,
                             widget=forms.TextInput(attrs={"placeholder": _("可不填")}))


class ImportWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=300, error_messages={"required": _("请说明撤销原因")},
                             widget=forms.TextInput(attrs={"placeholder": _("如：误传了去年的文件")}))


class SamplingForm(forms.Form):
    task = forms.ModelChoiceField(label=_("抽样任务"), queryset=None, required=False)
    product_name = forms.CharField(label=_("产品名称"), max_length=120)
    product_category = forms.CharField(label=_("产品类别"), max_length=60, required=False)
    specification = forms.CharField(label=_("规格型号"), max_length=120, required=False)
    trademark = forms.CharField(label=_("商标"), max_length=60, required=False)
    batch_no = forms.CharField(label=_("生产日期/批号"), max_length=120, required=False)
    production_date = forms.DateField(label=_("生产日期"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    manufacturer_name = forms.CharField(label=_("标称生产企业"), max_length=200)
    manufacturer_uscc = forms.CharField(label=_("生产企业统一社会信用代码"), max_length=18, required=False)
    manufacturer_address = forms.CharField(label=_("标称生产企业地址"), max_length=200, required=False)
    stage = forms.ChoiceField(label=_("抽样环节"), choices=Stage.choices)
    sampled_unit_name = forms.CharField(label=_("受检单位"), max_length=200, required=False,
                                        help_text=_("生产环节抽样可不填（即生产企业）"))
    sampled_unit_uscc = forms.CharField(label=_("受检单位统一社会信用代码"), max_length=18, required=False)
    sampling_place = forms.CharField(label=_("抽样地点"), max_length=200, required=False)
    city = forms.ChoiceField(label=_("所在地市"), choices=City.choices)
    sampling_date = forms.DateField(label=_("抽样日期"), widget=forms.DateInput(attrs={"type": "date"}))
    samplers = forms.CharField(label=_("抽样人员"), max_length=200, help_text=_("不少于2名，以逗号或顿号分隔"))
    sample_quantity = forms.CharField(label=_("检验样品数量"), max_length=40)
    backup_quantity = forms.CharField(label=_("封存备份样品数量"), max_length=40)
    remarks = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks
        self.fields["task"].required = False

    def to_sample(self):
        d = dict(self.cleaned_data)
        d.pop("task")
        d["samplers"] = _lines(d["samplers"])
        return actions.NewSample(**d)


class ItemForm(forms.Form):
    item = forms.CharField(label=_("检验项目"), max_length=120, required=False)
    standard = forms.CharField(label=_("依据标准"), max_length=80, required=False)
    clause = forms.CharField(label=_("条款"), max_length=40, required=False)
    unit = forms.CharField(label=_("单位"), max_length=30, required=False)
    measured = forms.CharField(label=_("实测值"), max_length=60, required=False)
    limit = forms.CharField(label=_("标准要求"), max_length=60, required=False)
    judgement = forms.ChoiceField(label=_("判定"), choices=Judgement.choices, initial=Judgement.PASS)


ItemFormSet = forms.formset_factory(ItemForm, extra=6, max_num=60)


class NotifyForm(forms.Form):
    received_on = forms.DateField(label=_("企业收到日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text=_("通过平台送达为当天；纸质送达请填签收日期"))


class ReceiptForm(forms.Form):
    received_on = forms.DateField(label=_("签收日期"), widget=forms.DateInput(attrs={"type": "date"}))


class OverrideForm(forms.Form):
    conclusion = forms.ChoiceField(label=_("修改为"), choices=CONCLUSIONS, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("理由（记入审计）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    reason = forms.CharField(label=_("异议理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    items = forms.CharField(label=_("申请复检项目"), max_length=300, required=False,
                            help_text=_("不填则为全部不合格项目"))


class RetestLabForm(forms.Form):
    lab = forms.ModelChoiceField(label=_("复检机构"), queryset=actions.testing_labs())


class RetestResultForm(forms.Form):
    conclusion = forms.ChoiceField(label=_("复检结论"), choices=CONCLUSIONS, widget=forms.RadioSelect)
    note = forms.CharField(label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OrderCorrectionForm(forms.Form):
    due = forms.DateField(label=_("整改期限"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          help_text=_("不填则为30日"))
    note = forms.CharField(label=_("改正要求"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RectifyForm(forms.Form):
    report = forms.CharField(label=_("整改报告"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))


class RecheckForm(forms.Form):
    passed = forms.TypedChoiceField(label=_("复查结果"), coerce=lambda v: v == "1",
                                    choices=[("1", _("合格，结案")), ("0", _("不合格，升级处置"))], widget=forms.RadioSelect)
    note = forms.CharField(label=_("复查情况"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_due = forms.DateField(label=_("再次整改期限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class PublishForm(forms.Form):
    pass


class UploadForm(forms.Form):
    file = forms.FileField(label=_("抽查结果表"), help_text=_("xlsx、xls 或 csv（UTF-8 或 GBK），可带标题行与备注"))
    plan = forms.ModelChoiceField(label=_("归入计划"), queryset=None, required=False,
                                  empty_label=_("按文件、年度自动生成导入计划"))
    plan_kind = forms.ChoiceField(label=_("抽查类型"), choices=PlanKind.choices, initial=PlanKind.PROVINCIAL)
    publish = forms.BooleanField(label=_("导入后即标记为已公布"), required=False)

    def __init__(self, *args, plans=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in (".xlsx", ".xls", ".csv", ".xlsm"):
            raise forms.ValidationError(_("请上传 xlsx、xls 或 csv 文件"))
        limit = getattr(settings, "NQI_IMPORT_MAX_BYTES", 300 * 1024 * 1024)
        if upload.size > limit:
            raise forms.ValidationError(_("文件过大，上限 %(m)d MB") % {"m": limit // 1048576})
        return upload


# The field labels are gettext_noop-marked in importing.fields; translated lazily here, when the page renders.
FIELD_CHOICES = [("", _("（不导入）"))] + [(f.key, format_lazy("{}{}", _(f.label), " *" if f.required else ""))
                                          for f in FIELDS]


class MappingForm(forms.Form):
    """One select per column of the sheet, prefilled with the detected field, plus the header row."""

    header_row = forms.IntegerField(label=_("表头所在行"), min_value=1, required=False)

    def __init__(self, *args, columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = list(columns)
        for column in self.columns:
            self.fields[f"col_{column['index']}"] = forms.ChoiceField(
                label=f"{column['letter']} {column['name'] or ''}".strip(), choices=FIELD_CHOICES, required=False,
                initial=column.get("field") or "")

    def mapping(self):
        return {str(c["index"]): (self.cleaned_data.get(f"col_{c['index']}") or "ignore") for c in self.columns}

    def clean(self):
        data = super().clean()
        chosen = [data.get(f"col_{c['index']}") for c in self.columns if data.get(f"col_{c['index']}")]
        repeated = {key for key in chosen if chosen.count(key) > 1}
        if repeated:
            labels = dict(FIELD_CHOICES)
            raise forms.ValidationError(_("同一字段不能对应多列：%(f)s") % {
                "f": "、".join(str(labels[k]) for k in sorted(repeated))})
        return data
