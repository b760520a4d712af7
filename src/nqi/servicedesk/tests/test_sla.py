"""Deadlines: overdue escalation and auto-close, counted in working days across holidays, idempotent."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from nqi import testing
from nqi.core.audit import timeline
from nqi.core.models import Notification
from nqi.servicedesk import actions, deadlines
from nqi.servicedesk.choices import RequestStatus as S
from nqi.servicedesk.models import ServiceRequest

pytestmark = pytest.mark.django_db


def moment(y, m, d, h=10):
    return timezone.make_aware(dt.datetime(y, m, d, h))


def dispatched_before_national_day(desk):
    req = testing.submit(desk.enterprise_user, at=moment(2026, 9, 29, 9))
    # testing line accepts within 2 working days: Sep 30 and Oct 8 -> due end of Oct 8.
    return actions.do_dispatch_request(desk.regulator, req, desk.provider, line=desk.items[0].line,
                                       at=moment(2026, 9, 29, 10))


def test_accept_deadline_spans_the_holiday(desk):
    req = dispatched_before_national_day(desk)
    assert timezone.localtime(req.accept_due_at).date() == dt.date(2026, 10, 8)
    assert not deadlines.overdue(ServiceRequest.objects.all(), moment(2026, 10, 7, 12)).exists()
    assert deadlines.overdue(ServiceRequest.objects.all(), moment(2026, 10, 9, 9)).exists()


def test_escalation_happens_once_per_deadline(desk):
    req = dispatched_before_national_day(desk)
    assert actions.run_sla(now=moment(2026, 10, 7)) == {"escalated": 0, "auto_closed": 0}
    assert actions.run_sla(now=moment(2026, 10, 9)) == {"escalated": 1, "auto_closed": 0}
    assert actions.run_sla(now=moment(2026, 10, 9, 15)) == {"escalated": 0, "auto_closed": 0}
    assert Notification.objects.filter(recipient=desk.regulator, event="escalate").count() == 1
    assert Notification.objects.filter(recipient=desk.region, event="escalate").count() == 1
    assert [e.action for e in timeline(req)].count("escalate") == 1
    # After acceptance a new deadline runs; missing it escalates again.
    req.refresh_from_db()
    actions.do_accept_request(desk.provider_user, req, at=moment(2026, 10, 9, 16))
    req.refresh_from_db()
    late = req.resolve_due_at + dt.timedelta(days=1)
    assert actions.run_sla(now=late)["escalated"] == 1


def test_auto_close_after_working_days_without_answer(desk, settings):
    settings.NQI_AUTO_CLOSE_WORKING_DAYS = 5
    req = dispatched_before_national_day(desk)
    actions.do_accept_request(desk.provider_user, req, at=moment(2026, 9, 29, 11))
    actions.do_resolve_request(desk.provider_user, req, "已出具报告", at=moment(2026, 9, 30, 11))
    # Calendar days pass over the holiday, but only 4 working days (Oct 8, 9, 10, 12) by Oct 12.
    assert actions.run_sla(now=moment(2026, 10, 12, 20))["auto_closed"] == 0
    assert actions.run_sla(now=moment(2026, 10, 13, 20))["auto_closed"] == 1
    req.refresh_from_db()
    assert req.status == S.CLOSED and req.rating is None
    assert actions.run_sla(now=moment(2026, 10, 14, 20))["auto_closed"] == 0


def test_sla_command_reports_json(desk, capsys):
    call_command("sla", "--json")
    assert '"escalated": 0' in capsys.readouterr().out


def test_sla_task_runs_through_the_task_framework(desk):
    from nqi.servicedesk.tasks import run_sla_task

    result = run_sla_task.enqueue()
    assert result.return_value == {"escalated": 0, "auto_closed": 0}
