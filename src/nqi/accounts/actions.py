"""Registration and approval of organisations."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nqi.core import audit
from nqi.core.exceptions import ActionNotAllowed, InvalidTransition
from nqi.core.notify import notify

from .choices import OrgKind, OrgStatus, Role
from .models import Organisation, User


@transaction.atomic
def do_register_enterprise(*, username, password, full_name, email, phone, org_name, credit_code, city, county="",
                           industry="", size="") -> User:
    """An enterprise user registers itself; its organisation then awaits a regulator's approval."""
    org = Organisation(kind=OrgKind.ENTERPRISE, name=org_name.strip(), credit_code=credit_code, city=city,
                       county=county, industry=industry, size=size, status=OrgStatus.PENDING)
    org.full_clean()
    org.save()
    user = User(username=username, full_name=full_name, email=email, phone=phone, role=Role.ENTERPRISE,
                organisation=org)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(org, user, "register", "", OrgStatus.PENDING, org.name)
    regulators = User.objects.filter(role=Role.CITY_REGULATOR, organisation__city=city, is_active=True)
    notify(regulators, title=_("新企业注册待审核：%(n)s") % {"n": org.name}, url="/organisations/pending/",
           event="register")
    return user


def _may_approve(actor, org):
    if actor.is_platform_admin or actor.role == Role.REGION_REGULATOR:
        return True
    return actor.role == Role.CITY_REGULATOR and actor.organisation_id and actor.organisation.city == org.city


@transaction.atomic
def do_review_organisation(actor, org, approve: bool, note=""):
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    if not _may_approve(actor, org):
        raise ActionNotAllowed(_("只有该地市的监管人员可以审核"))
    if org.status != OrgStatus.PENDING:
        raise InvalidTransition(_("该组织不在待审核状态"))
    if not approve and not note.strip():
        raise ValidationError({"note": _("不通过时请说明原因")})
    new = OrgStatus.APPROVED if approve else OrgStatus.REJECTED
    audit.record(org, actor, "review", org.status, new, note)
    org.status = new
    org.save(update_fields=["status", "updated_at"])
    title = _("企业注册审核已通过") if approve else _("企业注册审核未通过：%(r)s") % {"r": note}
    notify(org.members.all(), title=title, url="/", event="review")
    return org
