"""Forms of the routing pages: the typing-time suggestion request, the one-click dispatch, the capability lookup."""

from django import forms
from django.utils.translation import gettext_lazy as _

from nqi.servicedesk.forms import DispatchForm

from .models import Suggestion


class SuggestForm(forms.Form):
    title = forms.CharField(required=False, max_length=200)
    description = forms.CharField(required=False, max_length=5000)
    product = forms.CharField(required=False, max_length=100)
    text = forms.CharField(required=False, max_length=5000)


class OneClickDispatchForm(DispatchForm):
    """The service desk's dispatch form, plus the suggestion it came from (for the feedback record)."""

    suggestion = forms.ModelChoiceField(queryset=Suggestion.objects.all(), required=False,
                                        widget=forms.HiddenInput)


class CapabilityForm(forms.Form):
    item = forms.CharField(label=_("检测项目"), required=False, max_length=100,
                           widget=forms.TextInput(attrs={"placeholder": _("如：菌落总数、甲醛释放量、溴酸盐")}))
    product = forms.CharField(label=_("产品"), required=False, max_length=100,
                              widget=forms.TextInput(attrs={"placeholder": _("如：螺蛳粉、胶合板、包装饮用水")}))
    standard = forms.CharField(label=_("依据标准"), required=False, max_length=60,
                               widget=forms.TextInput(attrs={"placeholder": _("如：GB 4789.2（可选）")}))

    def clean(self):
        data = super().clean()
        if not any((data.get(name) or "").strip() for name in ("item", "product", "standard")):
            raise forms.ValidationError(_("请至少填写检测项目、产品或标准中的一项"))
        return data
