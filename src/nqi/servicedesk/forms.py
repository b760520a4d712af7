from django import forms
from django.utils.translation import gettext_lazy as _

from nqi.accounts.choices import OrgKind, OrgStatus
from nqi.accounts.models import Organisation
from nqi.catalog.models import Expert, ServiceItem
from nqi.core.models import ServiceLine

from .choices import RequestKind, Urgency


class SubmitRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=RequestKind.choices, initial=RequestKind.SERVICE,
                             widget=forms.RadioSelect)
    title = forms.CharField(label=_("标题"), max_length=120,
                            widget=forms.TextInput(attrs={"placeholder": _("一句话说明需求，如：袋装螺蛳粉胀袋问题")}))
    description = forms.CharField(label=_("需求描述"), max_length=5000, widget=forms.Textarea(attrs={
        "rows": 6, "placeholder": _("产品、批次、出现的问题、希望得到的帮助……")}))
    product = forms.CharField(label=_("涉及产品"), max_length=100, required=False)
    line = forms.ModelChoiceField(label=_("服务类别"), queryset=ServiceLine.objects.all(), required=False,
                                  empty_label=_("不确定，由平台分派"))
    service_item = forms.ModelChoiceField(label=_("服务项目（可选）"), required=False,
                                          queryset=ServiceItem.objects.filter(active=True).select_related("provider"))
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    attachment = forms.FileField(label=_("附件（可选）"), required=False,
                                 help_text=_("PDF、图片、Excel、Word，单个不超过10MB"))


class DispatchForm(forms.Form):
    line = forms.ModelChoiceField(label=_("服务类别"), queryset=ServiceLine.objects.all())
    provider = forms.ModelChoiceField(label=_("承办机构"), queryset=Organisation.objects.filter(
        kind=OrgKind.PROVIDER, status=OrgStatus.APPROVED))
    service_item = forms.ModelChoiceField(label=_("服务项目"), required=False,
                                          queryset=ServiceItem.objects.filter(active=True).select_related("provider"))
    expert = forms.ModelChoiceField(label=_("指派专家（可选）"), required=False,
                                    queryset=Expert.objects.filter(available=True))
    note = forms.CharField(label=_("分派说明"), required=False, max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("进展说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    percent = forms.IntegerField(label=_("完成进度(%)"), min_value=0, max_value=100, required=False)


class ResolveForm(forms.Form):
    solution = forms.CharField(label=_("解决方案摘要"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))


class CloseForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("评分"), coerce=int, choices=[(i, f"{i} ★") for i in range(5, 0, -1)],
                                    widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评价"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class JointForm(forms.Form):
    providers = forms.ModelMultipleChoiceField(label=_("参与机构"), required=False, queryset=Organisation.objects.filter(
        kind=OrgKind.PROVIDER, status=OrgStatus.APPROVED), widget=forms.SelectMultiple(attrs={"size": 6}))
    experts = forms.ModelMultipleChoiceField(label=_("参与专家"), required=False,
                                             queryset=Expert.objects.filter(available=True),
                                             widget=forms.SelectMultiple(attrs={"size": 6}))
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class PublishCaseForm(forms.Form):
    title = forms.CharField(label=_("案例标题"), max_length=150)
    industry = forms.CharField(label=_("行业"), max_length=40, required=False)
    problem = forms.CharField(label=_("问题"), widget=forms.Textarea(attrs={"rows": 3}))
    cause = forms.CharField(label=_("原因分析"), widget=forms.Textarea(attrs={"rows": 3}))
    solution = forms.CharField(label=_("解决方案"), widget=forms.Textarea(attrs={"rows": 3}))
    result = forms.CharField(label=_("成效"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("例如：袋装保质期由15天延长至180天"))
    tags = forms.CharField(label=_("标签"), max_length=200, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件"))
