"""The service desk workflow, driven through the action functions as users drive it."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from nqi import testing
from nqi.core.audit import timeline
from nqi.core.exceptions import InvalidTransition
from nqi.core.models import Notification
from nqi.servicedesk import actions
from nqi.servicedesk.choices import RequestStatus as S
from nqi.servicedesk.models import SolvedCase

pytestmark = pytest.mark.django_db


def test_request_walks_from_submission_to_rating(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        req = testing.submit(desk.enterprise_user)
    assert req.status == S.SUBMITTED and req.number.startswith("FW")
    assert Notification.objects.filter(recipient=desk.regulator, event="submit").exists()
    assert any("待分派" in m.subject for m in mail.outbox)

    req = actions.do_dispatch_request(desk.regulator, req, desk.provider, desk.expert, service_item=desk.items[0])
    assert req.status == S.DISPATCHED and req.accept_due_at > req.dispatched_at
    assert Notification.objects.filter(recipient=desk.expert.user, event="dispatch").exists()

    req = actions.do_accept_request(desk.provider_user, req)
    assert req.status == S.ACCEPTED and req.resolve_due_at is not None

    actions.do_add_progress(desk.expert.user, req, "已完成现场取样，样品送实验室", 40)
    req.refresh_from_db()
    assert req.status == S.IN_PROGRESS

    req = actions.do_resolve_request(desk.provider_user, req, "酸笋杀菌不彻底，调整杀菌工艺后复测合格")
    assert req.status == S.RESOLVED and req.resolved_on_time is True

    req = actions.do_close_request(desk.enterprise_user, req, 5, "很专业")
    assert (req.status, req.rating) == (S.CLOSED, 5)

    steps = [(e.action, e.from_state, e.to_state) for e in timeline(req)]
    assert steps == [("submit", "", "submitted"), ("dispatch", "submitted", "dispatched"),
                     ("accept", "dispatched", "accepted"), ("progress", "accepted", "in_progress"),
                     ("resolve", "in_progress", "resolved"), ("close", "resolved", "closed")]
    assert all(e.actor is not None for e in timeline(req))


def test_resolve_deadline_uses_the_catalog_items_turnaround(desk):
    req = testing.submit(desk.enterprise_user)
    dispatched = timezone.make_aware(dt.datetime(2026, 9, 29, 9))
    actions.do_dispatch_request(desk.regulator, req, desk.provider, service_item=desk.items[0], at=dispatched)
    req = actions.do_accept_request(desk.provider_user, req, at=timezone.make_aware(dt.datetime(2026, 9, 30, 9)))
    # 5 working days after Sep 30 across the National Day week: Oct 8, 9, 10 (makeup Saturday), 12, 13.
    assert timezone.localtime(req.resolve_due_at).date() == dt.date(2026, 10, 13)


def test_decline_sends_request_back_to_dispatch_with_reason(desk):
    req = testing.submit(desk.enterprise_user)
    actions.do_dispatch_request(desk.regulator, req, desk.provider, line=desk.items[0].line)
    with pytest.raises(ValidationError):
        actions.do_decline_request(desk.provider_user, req, "  ")
    req = actions.do_decline_request(desk.provider_user, req, "本机构无该项目CMA资质")
    assert req.status == S.SUBMITTED and req.provider is None
    assert "无该项目CMA资质" in list(timeline(req))[-1].note


def test_only_the_right_people_may_act(desk):
    req = testing.submit(desk.enterprise_user)
    with pytest.raises(PermissionDenied):
        actions.do_dispatch_request(desk.other_regulator, req, desk.provider, line=desk.items[0].line)
    with pytest.raises(PermissionDenied):
        actions.do_dispatch_request(desk.enterprise_user, req, desk.provider, line=desk.items[0].line)
    actions.do_dispatch_request(desk.region, req, desk.provider, line=desk.items[0].line)
    with pytest.raises(PermissionDenied):
        actions.do_accept_request(desk.other_provider_user, req)
    with pytest.raises(PermissionDenied):
        actions.do_cancel_request(desk.other_enterprise_user, req)


def test_invalid_transitions_are_refused(desk):
    req = testing.submit(desk.enterprise_user)
    with pytest.raises(InvalidTransition, match="待分派"):
        actions.do_close_request(desk.enterprise_user, req, 5)
    with pytest.raises(ValidationError):
        actions.do_dispatch_request(desk.regulator, req, desk.provider)  # no line chosen


def test_rating_must_be_between_one_and_five(desk, resolved_request):
    with pytest.raises(ValidationError):
        actions.do_close_request(desk.enterprise_user, resolved_request, 6)
    with pytest.raises(ValidationError):
        actions.do_close_request(desk.enterprise_user, resolved_request, "abc")


def test_reopen_returns_to_progress(desk, resolved_request):
    req = actions.do_reopen_request(desk.enterprise_user, resolved_request, "复测仍然胀袋")
    assert req.status == S.IN_PROGRESS and req.resolved_at is None


def test_cancel_only_before_acceptance(desk):
    req = testing.submit(desk.enterprise_user)
    actions.do_cancel_request(desk.enterprise_user, req, "已解决")
    req.refresh_from_db()
    assert req.status == S.CANCELLED
    other = testing.submit(desk.enterprise_user)
    actions.do_dispatch_request(desk.regulator, other, desk.provider, line=desk.items[0].line)
    actions.do_accept_request(desk.provider_user, other)
    with pytest.raises(InvalidTransition):
        actions.do_cancel_request(desk.enterprise_user, other)


def test_unapproved_enterprise_cannot_submit(db):
    _org, user = testing.make_enterprise(status="pending")
    with pytest.raises(PermissionDenied, match="审核"):
        testing.submit(user)


def test_joint_tackling_and_case_publication(desk, resolved_request):
    req = testing.submit(desk.enterprise_user, title="螺蛳粉保质期短")
    actions.do_dispatch_request(desk.regulator, req, desk.provider, line=desk.items[0].line)
    actions.do_accept_request(desk.provider_user, req)
    second, second_user, _ = testing.make_provider(lines=("quality_mgmt",), name="柳州测试质量咨询")
    other_expert = testing.make_expert("quality_mgmt")
    actions.do_start_joint_tackling(desk.regulator, req, [second], [other_expert], "联合攻关保质期")
    req.refresh_from_db()
    assert req.is_joint and req.participants.count() == 3
    # Members of the joint tackling see the request and may report progress.
    actions.do_add_progress(second_user, req, "完成HACCP危害分析")
    actions.do_add_progress(other_expert.user, req, "建议增加二次杀菌")
    actions.do_resolve_request(desk.provider_user, req, "酸笋包巴氏杀菌+高阻隔包装")
    case = actions.do_publish_case(desk.regulator, req, title="袋装螺蛳粉保质期由15天延长至180天",
                                   problem="胀袋", cause="酸笋包微生物", solution="二次杀菌、高阻隔包装",
                                   result="保质期由15天延长至180天")
    assert SolvedCase.objects.filter(pk=case.pk, providers_text__contains="柳州测试质量咨询").exists()
    with pytest.raises(InvalidTransition):
        actions.do_publish_case(desk.regulator, req, title="again", problem="p", cause="c", solution="s", result="r")


def test_service_requests_cannot_become_joint(desk):
    req = testing.submit(desk.enterprise_user, kind="service")
    actions.do_dispatch_request(desk.regulator, req, desk.provider, line=desk.items[0].line)
    with pytest.raises(InvalidTransition):
        actions.do_start_joint_tackling(desk.regulator, req, [desk.other_provider])


@pytest.fixture
def resolved_request(desk):
    req = testing.submit(desk.enterprise_user)
    actions.do_dispatch_request(desk.regulator, req, desk.provider, line=desk.items[0].line)
    actions.do_accept_request(desk.provider_user, req)
    return actions.do_resolve_request(desk.provider_user, req, "已解决")
