"""Every state change of a service request: one do_* function per transition.

Each checks that the actor may act, changes the state, writes the audit record and notifies, in one
transaction. Views, the API, commands and tests all call these functions and nothing else.
"""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nqi.accounts.choices import Role
from nqi.accounts.models import User
from nqi.core import audit, workdays
from nqi.core.exceptions import ActionNotAllowed, InvalidTransition
from nqi.core.notify import notify

from . import deadlines
from .choices import Action, ParticipantRole, RequestKind, RequestStatus
from .models import Attachment, ProgressNote, RequestParticipant, ServiceRequest, SolvedCase
from .scoping import can_see

S = RequestStatus


# ---------------------------------------------------------------- helpers

def _lock(service_request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().get(pk=service_request.pk)


def _require_state(req, allowed, action_label):
    if req.status not in allowed:
        raise InvalidTransition(
            _("当前状态为“%(status)s”，不能%(action)s") % {"status": req.get_status_display(), "action": action_label})


def _enterprise_users(req):
    return User.objects.filter(organisation_id=req.enterprise_id, is_active=True)


def _provider_users(provider_id):
    return User.objects.filter(organisation_id=provider_id, role=Role.PROVIDER, is_active=True)


def _regulators_for(city):
    users = list(User.objects.filter(role=Role.CITY_REGULATOR, organisation__city=city, is_active=True))
    return users or list(User.objects.filter(role=Role.REGION_REGULATOR, is_active=True))


def _notify(users, req, title, event, body=""):
    notify(users, title=f"{req.number} {title}", body=body or req.title, url=req.get_absolute_url(), event=event)


def _is_regulator_for(user, req):
    if user.is_platform_admin or user.role == Role.REGION_REGULATOR:
        return True
    return user.role == Role.CITY_REGULATOR and user.organisation_id and user.organisation.city == req.city


def _is_provider_staff_of(user, provider_id):
    return user.role == Role.PROVIDER and provider_id is not None and user.organisation_id == provider_id


def _is_enterprise_member(user, req):
    return user.role == Role.ENTERPRISE and user.organisation_id == req.enterprise_id


def _turnaround_days(req):
    if req.service_item_id:
        return req.service_item.turnaround_days
    return req.line.default_turnaround_days if req.line_id else 10


# ---------------------------------------------------------------- transitions

@dataclass
class NewRequest:
    kind: str
    title: str
    description: str
    product: str = ""
    line_id: str | None = None
    service_item_id: int | None = None
    urgency: str = "normal"


@transaction.atomic
def do_submit_request(actor, data: NewRequest, at=None) -> ServiceRequest:
    if actor.role != Role.ENTERPRISE or not actor.organisation_id:
        raise ActionNotAllowed(_("只有企业用户可以提交服务需求"))
    if not actor.organisation.is_approved:
        raise ActionNotAllowed(_("企业信息尚在审核中，审核通过后即可提交需求"))
    at = at or timezone.now()
    req = ServiceRequest(
        kind=data.kind, title=data.title.strip(), description=data.description.strip(), product=data.product.strip(),
        line_id=data.line_id or None, service_item_id=data.service_item_id, urgency=data.urgency,
        enterprise=actor.organisation, city=actor.organisation.city, created_by=actor,
        submitted_at=at, number=f"TMP{timezone.now().timestamp()}",
    )
    req.full_clean(exclude=["number"])
    req.save()
    req.number = f"FW{timezone.localtime(at):%Y%m}{req.pk:06d}"
    req.save(update_fields=["number"])
    audit.record(req, actor, Action.SUBMIT, "", S.SUBMITTED, req.title, at=at)
    _notify(_regulators_for(req.city), req, _("新的服务需求待分派"), Action.SUBMIT)
    return req


@transaction.atomic
def do_dispatch_request(actor, req, provider, expert=None, line=None, service_item=None, note="", at=None):
    req = _lock(req)
    if not _is_regulator_for(actor, req):
        raise ActionNotAllowed(_("只有本地市的监管人员可以分派"))
    _require_state(req, [S.SUBMITTED, S.DISPATCHED], _("分派"))
    if provider is None or provider.kind != "provider":
        raise ValidationError({"provider": _("请选择一家服务机构")})
    if service_item is not None and service_item.provider_id != provider.pk:
        raise ValidationError({"service_item": _("所选服务项目不属于该机构")})
    line = line or (service_item.line if service_item else None) or req.line
    if line is None:
        raise ValidationError({"line": _("请选择服务类别")})
    if expert is not None and not expert.available:
        raise ValidationError({"expert": _("该专家当前不接受指派")})
    at = at or timezone.now()
    from_state = req.status
    deadline = workdays.deadline_after(at, line.accept_working_days)
    req.provider, req.expert, req.line = provider, expert, line
    req.service_item = service_item or req.service_item
    if req.service_item and req.service_item.provider_id != provider.pk:
        req.service_item = None
    req.status, req.dispatched_at = S.DISPATCHED, at
    req.accept_due_at, req.deadline_fallback = deadline.due, deadline.fallback
    req.escalated_at = None
    req.save()
    who = provider.name + (f"，专家 {expert.name}" if expert else "")
    audit.record(req, actor, Action.DISPATCH, from_state, S.DISPATCHED, f"{who}。{note}".strip("。") , at=at)
    recipients = list(_provider_users(provider.pk)) + ([expert.user] if expert and expert.user_id else [])
    _notify(recipients, req, _("新的分派待受理"), Action.DISPATCH)
    _notify(_enterprise_users(req), req, _("需求已分派给%(p)s") % {"p": provider.name}, Action.DISPATCH)
    return req


@transaction.atomic
def do_accept_request(actor, req, note="", at=None):
    req = _lock(req)
    if not _is_provider_staff_of(actor, req.provider_id):
        raise ActionNotAllowed(_("只有承办机构人员可以受理"))
    _require_state(req, [S.DISPATCHED], _("受理"))
    at = at or timezone.now()
    deadline = workdays.deadline_after(at, _turnaround_days(req))
    req.status, req.accepted_at = S.ACCEPTED, at
    req.resolve_due_at = deadline.due
    req.deadline_fallback = req.deadline_fallback or deadline.fallback
    req.save()
    audit.record(req, actor, Action.ACCEPT, S.DISPATCHED, S.ACCEPTED, note, at=at)
    _notify(_enterprise_users(req), req, _("需求已受理"), Action.ACCEPT,
            _("办结期限：%(d)s") % {"d": f"{timezone.localtime(req.resolve_due_at):%Y-%m-%d}"})
    return req


@transaction.atomic
def do_decline_request(actor, req, reason, at=None):
    req = _lock(req)
    if not _is_provider_staff_of(actor, req.provider_id):
        raise ActionNotAllowed(_("只有承办机构人员可以退回"))
    _require_state(req, [S.DISPATCHED], _("退回"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写退回原因")})
    at = at or timezone.now()
    provider_name = req.provider.name
    req.status, req.provider, req.expert = S.SUBMITTED, None, None
    req.dispatched_at = req.accept_due_at = None
    req.save()
    audit.record(req, actor, Action.DECLINE, S.DISPATCHED, S.SUBMITTED, f"{provider_name}：{reason}", at=at)
    _notify(_regulators_for(req.city), req, _("需求被退回，请重新分派"), Action.DECLINE, reason)
    return req


def _may_work_on(actor, req):
    if _is_provider_staff_of(actor, req.provider_id):
        return True
    if actor.role == Role.EXPERT:
        if req.expert_id and req.expert.user_id == actor.pk:
            return True
        return req.participants.filter(expert__user=actor).exists()
    if actor.role == Role.PROVIDER and actor.organisation_id:
        return req.participants.filter(provider_id=actor.organisation_id).exists()
    return False


@transaction.atomic
def do_add_progress(actor, req, text, percent=None, at=None):
    req = _lock(req)
    if not _may_work_on(actor, req):
        raise ActionNotAllowed(_("只有承办机构、指派专家或攻关成员可以填报进展"))
    _require_state(req, [S.ACCEPTED, S.IN_PROGRESS], _("填报进展"))
    if not (text or "").strip():
        raise ValidationError({"text": _("请填写进展说明")})
    at = at or timezone.now()
    note = ProgressNote.objects.create(request=req, author=actor, text=text.strip(), percent=percent, created_at=at)
    from_state = req.status
    if req.status == S.ACCEPTED:
        req.status = S.IN_PROGRESS
        req.save(update_fields=["status", "updated_at"])
    audit.record(req, actor, Action.PROGRESS, from_state, req.status, text.strip(), at=at)
    _notify(_enterprise_users(req), req, _("办理进展更新"), Action.PROGRESS, text.strip()[:200])
    return note


@transaction.atomic
def do_resolve_request(actor, req, solution, at=None):
    req = _lock(req)
    if not _is_provider_staff_of(actor, req.provider_id):
        raise ActionNotAllowed(_("只有承办机构人员可以办结"))
    _require_state(req, [S.ACCEPTED, S.IN_PROGRESS], _("办结"))
    if not (solution or "").strip():
        raise ValidationError({"solution": _("请填写解决方案摘要")})
    at = at or timezone.now()
    from_state = req.status
    req.status, req.resolved_at, req.solution = S.RESOLVED, at, solution.strip()
    req.resolved_on_time = bool(req.resolve_due_at is None or at <= req.resolve_due_at)
    req.save()
    audit.record(req, actor, Action.RESOLVE, from_state, S.RESOLVED, solution.strip(), at=at)
    _notify(_enterprise_users(req), req, _("需求已办结，请确认并评价"), Action.RESOLVE, solution.strip()[:200])
    return req


@transaction.atomic
def do_close_request(actor, req, rating, comment="", at=None):
    req = _lock(req)
    if not _is_enterprise_member(actor, req):
        raise ActionNotAllowed(_("只有提出需求的企业可以确认"))
    _require_state(req, [S.RESOLVED], _("确认评价"))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("评分须为1到5分")})
    at = at or timezone.now()
    req.status, req.closed_at, req.rating, req.rating_comment = S.CLOSED, at, rating, (comment or "").strip()
    req.save()
    audit.record(req, actor, Action.CLOSE, S.RESOLVED, S.CLOSED, f"{rating}分 {req.rating_comment}".strip(), at=at)
    _notify(_provider_users(req.provider_id), req, _("企业已确认办结，评分%(r)s分") % {"r": rating}, Action.CLOSE)
    return req


@transaction.atomic
def do_reopen_request(actor, req, reason, at=None):
    req = _lock(req)
    if not _is_enterprise_member(actor, req):
        raise ActionNotAllowed(_("只有提出需求的企业可以重新打开"))
    _require_state(req, [S.RESOLVED], _("重新打开"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明问题为何尚未解决")})
    at = at or timezone.now()
    req.status, req.resolved_at, req.resolved_on_time = S.IN_PROGRESS, None, None
    req.save()
    audit.record(req, actor, Action.REOPEN, S.RESOLVED, S.IN_PROGRESS, reason.strip(), at=at)
    _notify(_provider_users(req.provider_id), req, _("企业认为问题未解决，已重新打开"), Action.REOPEN, reason)
    return req


@transaction.atomic
def do_cancel_request(actor, req, reason="", at=None):
    req = _lock(req)
    if not _is_enterprise_member(actor, req):
        raise ActionNotAllowed(_("只有提出需求的企业可以撤销"))
    _require_state(req, [S.SUBMITTED, S.DISPATCHED], _("撤销"))
    at = at or timezone.now()
    from_state, provider_id = req.status, req.provider_id
    req.status = S.CANCELLED
    req.save(update_fields=["status", "updated_at"])
    audit.record(req, actor, Action.CANCEL, from_state, S.CANCELLED, reason, at=at)
    if provider_id:
        _notify(_provider_users(provider_id), req, _("企业已撤销需求"), Action.CANCEL, reason)
    return req


@transaction.atomic
def do_start_joint_tackling(actor, req, providers=(), experts=(), note="", at=None):
    """Escalate a technical problem to joint tackling (攻关) with several providers and experts."""
    req = _lock(req)
    if not _is_regulator_for(actor, req):
        raise ActionNotAllowed(_("只有监管人员可以组织联合攻关"))
    if req.kind != RequestKind.PROBLEM:
        raise InvalidTransition(_("只有技术难题可以升级为联合攻关"))
    _require_state(req, [S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS], _("组织联合攻关"))
    if not providers and not experts:
        raise ValidationError({"providers": _("请至少选择一家参与机构或一位专家")})
    for provider in providers:
        if provider.kind != "provider":
            raise ValidationError({"providers": _("%(n)s 不是服务机构") % {"n": provider.name}})
    at = at or timezone.now()
    if req.provider_id:
        RequestParticipant.objects.get_or_create(request=req, provider_id=req.provider_id, expert=None,
                                                 defaults={"role": ParticipantRole.LEAD, "joined_at": at})
    for provider in providers:
        RequestParticipant.objects.get_or_create(request=req, provider=provider, expert=None,
                                                 defaults={"joined_at": at})
    for expert in experts:
        RequestParticipant.objects.get_or_create(request=req, provider=None, expert=expert,
                                                 defaults={"joined_at": at})
    req.is_joint = True
    req.save(update_fields=["is_joint", "updated_at"])
    names = [p.name for p in providers] + [f"专家{e.name}" for e in experts]
    audit.record(req, actor, Action.JOINT, req.status, req.status, "、".join(names) + (f"。{note}" if note else ""),
                 at=at)
    recipients = [u for p in providers for u in _provider_users(p.pk)] + [e.user for e in experts if e.user_id]
    _notify(recipients, req, _("邀请参加技术难题联合攻关"), Action.JOINT)
    _notify(_enterprise_users(req), req, _("技术难题已升级为联合攻关"), Action.JOINT)
    return req


@transaction.atomic
def do_publish_case(actor, req, *, title, problem, cause, solution, result, industry="", tags="", at=None):
    req = _lock(req)
    if not (_is_regulator_for(actor, req) or _is_provider_staff_of(actor, req.provider_id)):
        raise ActionNotAllowed(_("只有监管人员或承办机构可以发布案例"))
    _require_state(req, [S.RESOLVED, S.CLOSED], _("发布案例"))
    if SolvedCase.objects.filter(request=req).exists():
        raise InvalidTransition(_("该需求的案例已发布"))
    at = at or timezone.now()
    providers = [req.provider.name] if req.provider_id else []
    providers += [p.provider.name for p in req.participants.select_related("provider")
                  if p.provider_id and p.provider_id != req.provider_id]
    case = SolvedCase(request=req, title=title, industry=industry or req.enterprise.industry, line=req.line,
                      city=req.city, problem=problem, cause=cause, solution=solution, result=result,
                      providers_text="、".join(dict.fromkeys(providers)), tags=tags, published_by=actor,
                      published_at=at)
    case.full_clean(exclude=["request", "published_by"])
    case.save()
    audit.record(req, actor, Action.PUBLISH_CASE, req.status, req.status, title, at=at)
    return case


def validate_upload(uploaded_file):
    """Size limit, extension allow-list and a content-type that agrees with the extension."""
    max_bytes = settings.NQI_UPLOAD_MAX_BYTES
    suffix = Path(uploaded_file.name or "").suffix.lower()
    allowed = settings.NQI_UPLOAD_EXTENSIONS
    if suffix not in allowed:
        raise ValidationError({"file": _("不支持的文件类型 %(s)s，允许：%(a)s") % {
            "s": suffix or _("（无扩展名）"), "a": _("、").join(sorted(allowed))}})
    if uploaded_file.size > max_bytes:
        raise ValidationError({"file": _("文件过大（%(n).1f MB），上限为 %(m)d MB") % {
            "n": uploaded_file.size / 1048576, "m": max_bytes // 1048576}})
    content_type = (getattr(uploaded_file, "content_type", "") or "").split(";")[0].strip().lower()
    if content_type and content_type != "application/octet-stream" and content_type not in allowed[suffix]:
        raise ValidationError({"file": _("文件内容类型 %(c)s 与扩展名 %(s)s 不符") % {"c": content_type, "s": suffix}})
    head = uploaded_file.read(8)
    uploaded_file.seek(0)
    signatures = {".pdf": b"%PDF", ".png": b"\x89PNG", ".jpg": b"\xff\xd8", ".jpeg": b"\xff\xd8",
                  ".xlsx": b"PK", ".docx": b"PK"}
    if suffix in signatures and not head.startswith(signatures[suffix]):
        raise ValidationError({"file": _("文件内容与扩展名 %(s)s 不符") % {"s": suffix}})
    return suffix, content_type or sorted(allowed[suffix])[0]


@transaction.atomic
def do_attach_file(actor, req, uploaded_file, at=None):
    if not can_see(actor, req):
        raise ActionNotAllowed(_("无权为该需求上传附件"))
    if req.status in (S.CLOSED, S.CANCELLED):
        raise InvalidTransition(_("已办结或已撤销的需求不能再上传附件"))
    _suffix, content_type = validate_upload(uploaded_file)
    at = at or timezone.now()
    attachment = Attachment.objects.create(
        request=req, file=uploaded_file, original_name=Path(uploaded_file.name).name[:200],
        content_type=content_type, size=uploaded_file.size, uploaded_by=actor, created_at=at)
    audit.record(req, actor, Action.ATTACH, req.status, req.status, attachment.original_name, at=at)
    return attachment


# ---------------------------------------------------------------- scheduled (nqi sla)

def overdue_requests(now=None):
    return deadlines.overdue(ServiceRequest.objects.all(), now)


@transaction.atomic
def do_escalate_overdue(req, now=None):
    """Escalate once per deadline: a request already escalated after its current deadline is left alone."""
    req = _lock(req)
    now = now or timezone.now()
    due = req.current_due_at
    if due is None or due >= now or (req.escalated_at and req.escalated_at >= due):
        return False
    req.escalated_at = now
    req.save(update_fields=["escalated_at", "updated_at"])
    which = _("受理") if req.status == S.DISPATCHED else _("办结")
    note = _("%(w)s期限 %(d)s 已过，自动提请监管部门督办") % {"w": which, "d": f"{timezone.localtime(due):%Y-%m-%d}"}
    audit.record(req, None, Action.ESCALATE, req.status, req.status, note, at=now)
    regulators = _regulators_for(req.city) + list(User.objects.filter(role=Role.REGION_REGULATOR, is_active=True))
    _notify(regulators + list(_provider_users(req.provider_id)), req, _("超期督办"), Action.ESCALATE, note)
    return True


@transaction.atomic
def do_auto_close(req, now=None, after_days=None):
    req = _lock(req)
    now = now or timezone.now()
    after_days = settings.NQI_AUTO_CLOSE_WORKING_DAYS if after_days is None else after_days
    if req.status != S.RESOLVED or req.resolved_at is None:
        return False
    waited = workdays.working_days_between(timezone.localtime(req.resolved_at).date(), timezone.localtime(now).date())
    if waited < after_days:
        return False
    req.status, req.closed_at = S.CLOSED, now
    req.save(update_fields=["status", "closed_at", "updated_at"])
    audit.record(req, None, Action.AUTO_CLOSE, S.RESOLVED, S.CLOSED,
                 _("办结后%(n)s个工作日未确认，系统自动办结") % {"n": after_days}, at=now)
    _notify(list(_enterprise_users(req)) + list(_provider_users(req.provider_id)), req, _("需求已自动办结"),
            Action.AUTO_CLOSE)
    return True


def run_sla(now=None):
    """The periodic SLA pass: escalate overdue requests, auto-close long-resolved ones. Idempotent."""
    now = now or timezone.now()
    escalated = sum(do_escalate_overdue(r, now=now) for r in overdue_requests(now).only("pk"))
    # Working days are never more than calendar days, so older-than-N-calendar-days is a safe prefilter.
    after_days = settings.NQI_AUTO_CLOSE_WORKING_DAYS
    candidates = ServiceRequest.objects.filter(
        status=S.RESOLVED, resolved_at__lte=now - timedelta(days=after_days)).only("pk")
    closed = sum(do_auto_close(r, now=now) for r in candidates)
    return {"escalated": escalated, "auto_closed": closed}


# ---------------------------------------------------------------- what the UI offers

def allowed_actions(user, req) -> set[str]:
    """The actions this user may take on this request now (the action functions check again)."""
    allowed = set()
    if _is_regulator_for(user, req):
        if req.status in (S.SUBMITTED, S.DISPATCHED):
            allowed.add("dispatch")
        if req.kind == RequestKind.PROBLEM and req.status in (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS):
            allowed.add("joint")
    if _is_provider_staff_of(user, req.provider_id):
        if req.status == S.DISPATCHED:
            allowed |= {"accept", "decline"}
        if req.status in (S.ACCEPTED, S.IN_PROGRESS):
            allowed.add("resolve")
    if req.status in (S.ACCEPTED, S.IN_PROGRESS) and _may_work_on(user, req):
        allowed.add("progress")
    if _is_enterprise_member(user, req):
        if req.status == S.RESOLVED:
            allowed |= {"close", "reopen"}
        if req.status in (S.SUBMITTED, S.DISPATCHED):
            allowed.add("cancel")
    if (req.status in (S.RESOLVED, S.CLOSED) and not hasattr(req, "case")
            and (_is_regulator_for(user, req) or _is_provider_staff_of(user, req.provider_id))):
        allowed.add("publish_case")
    if req.status not in (S.CLOSED, S.CANCELLED):
        allowed.add("attach")
    return allowed
