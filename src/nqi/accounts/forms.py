from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from nqi.core import uscc
from nqi.core.choices import City

from .choices import EnterpriseSize
from .models import Organisation, User


class EnterpriseRegistrationForm(forms.Form):
    org_name = forms.CharField(label=_("企业名称"), max_length=200)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    city = forms.ChoiceField(label=_("所在地市"), choices=City.choices)
    county = forms.CharField(label=_("区县"), max_length=40, required=False)
    industry = forms.CharField(label=_("行业"), max_length=40, required=False)
    size = forms.ChoiceField(label=_("企业规模"), choices=[("", "---")] + EnterpriseSize.choices, required=False)
    full_name = forms.CharField(label=_("联系人姓名"), max_length=60)
    phone = forms.CharField(label=_("手机"), max_length=30)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    username = forms.CharField(label=_("登录名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)

    def clean_credit_code(self):
        try:
            code = uscc.validate(self.cleaned_data["credit_code"])
        except uscc.InvalidCreditCode as exc:
            raise forms.ValidationError(str(exc))
        if Organisation.objects.filter(credit_code=code).exists():
            raise forms.ValidationError(_("该统一社会信用代码已注册，请联系本企业已有账号"))
        return code

    def clean_org_name(self):
        name = self.cleaned_data["org_name"].strip()
        if Organisation.objects.filter(name=name).exists():
            raise forms.ValidationError(_("该企业名称已注册"))
        return name

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("该登录名已被使用"))
        return username

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致"))
        elif data.get("password"):
            try:
                password_validation.validate_password(data["password"], User(username=data.get("username", "")))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("通过")), ("reject", _("不通过"))])
    note = forms.CharField(label=_("意见"), required=False, max_length=500)
