"""Login, self-registration of enterprises, approval by regulators, the role-based home page, notifications."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nqi.core.exceptions import InvalidTransition
from nqi.core.models import Notification
from nqi.servicedesk import home as servicedesk_home

from . import actions, forms
from .choices import OrgKind, OrgStatus
from .scoping import visible_organisations


def register(request):
    form = forms.EnterpriseRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = actions.do_register_enterprise(
                username=data["username"], password=data["password"], full_name=data["full_name"],
                email=data["email"], phone=data["phone"], org_name=data["org_name"],
                credit_code=data["credit_code"], city=data["city"], county=data["county"],
                industry=data["industry"], size=data["size"])
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                target = {"name": "org_name"}.get(field_name, field_name)
                form.add_error(target if target in form.fields else None, errors)
        else:
            login(request, user)
            messages.success(request, _("注册成功，企业信息待所在地市监管部门审核，审核通过后即可提交需求"))
            return redirect("home")
    return render(request, "accounts/register.html", {"form": form})


@login_required
def home(request):
    return render(request, "home.html", servicedesk_home.context_for(request.user))


@login_required
def notifications(request):
    qs = Notification.objects.filter(recipient=request.user)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")


@login_required
def notification_open(request, pk):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return redirect(notification.url or "notifications")


@login_required
def pending_organisations(request):
    if not (request.user.is_regulator or request.user.is_platform_admin):
        raise PermissionDenied(_("仅监管人员可以审核企业注册"))
    qs = visible_organisations(request.user).filter(kind=OrgKind.ENTERPRISE, status=OrgStatus.PENDING)
    return render(request, "accounts/pending.html", {"organisations": qs, "form": forms.ReviewForm()})


@login_required
@require_POST
def review_organisation(request, pk):
    org = get_object_or_404(visible_organisations(request.user), pk=pk)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            actions.do_review_organisation(request.user, org, form.cleaned_data["decision"] == "approve",
                                           form.cleaned_data["note"])
            messages.success(request, _("已审核：%(n)s") % {"n": org.name})
        except (ValidationError, InvalidTransition, PermissionDenied) as exc:
            messages.error(request, getattr(exc, "message", None) or "；".join(getattr(exc, "messages", [str(exc)])))
    return redirect("pending_organisations")
