from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Accreditation, ServiceItem


class ServiceItemForm(forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields = ["line", "name", "description", "fee_min", "fee_max", "turnaround_days", "mode", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class AccreditationForm(forms.ModelForm):
    class Meta:
        model = Accreditation
        fields = ["kind", "number", "scope", "valid_until"]
        widgets = {"scope": forms.Textarea(attrs={"rows": 4}), "valid_until": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"scope": _("可检测的产品、项目与依据标准，用于智能分派的能力查询")}
