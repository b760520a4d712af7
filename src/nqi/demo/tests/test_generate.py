"""The demo loads a believable Guangxi into an empty database, and every demo account can log in."""

import pytest
from django.core.management import call_command
from django.test import Client

from nqi.accounts.models import Organisation, User
from nqi.demo import generate
from nqi.servicedesk.choices import RequestStatus
from nqi.servicedesk.models import ServiceRequest, SolvedCase
from nqi.standards.models import Standard

pytestmark = pytest.mark.django_db


def test_demo_command_loads_once_and_prints_the_accounts(capsys):
    call_command("demo", "--no-serve", "--requests", "400")
    out = capsys.readouterr().out
    for username, _role, _desc in generate.DEMO_ACCOUNTS:
        assert username in out
    assert generate.DEMO_PASSWORD in out
    assert Organisation.objects.filter(kind="enterprise").count() == 300
    assert Organisation.objects.filter(kind="provider").count() >= 40
    assert 350 <= ServiceRequest.objects.count() <= 450
    assert Standard.objects.filter(number="DBS45/034-2021").exists()
    luosifen = SolvedCase.objects.filter(result__contains="180").first()
    assert luosifen is not None and "15" in luosifen.result
    # A second run leaves the data alone.
    call_command("demo", "--no-serve")
    assert "跳过" in capsys.readouterr().out
    assert 350 <= ServiceRequest.objects.count() <= 450


def test_history_is_consistent_and_lively(db):
    generate.build_world(seed=3, scale=generate.Scale(requests=600))
    statuses = set(ServiceRequest.objects.values_list("status", flat=True))
    assert {RequestStatus.SUBMITTED, RequestStatus.CLOSED, RequestStatus.IN_PROGRESS} <= statuses
    for req in ServiceRequest.objects.exclude(status__in=[RequestStatus.SUBMITTED, RequestStatus.CANCELLED]):
        assert req.provider_id and req.dispatched_at >= req.submitted_at
        if req.resolved_at:
            assert req.accepted_at <= req.resolved_at and req.resolved_on_time is not None
    assert ServiceRequest.objects.filter(rating__isnull=False).count() > 100
    # Numbers follow the platform's format and later submissions continue the sequence.
    top = ServiceRequest.objects.order_by("-id").first()
    assert top.number.endswith(f"{top.id:06d}")


def test_every_demo_account_logs_in_and_sees_its_home():
    generate.build_world(seed=5, scale=generate.Scale(requests=200, enterprises=40, experts=20))
    for username, _role, _description in generate.DEMO_ACCOUNTS:
        client = Client()
        assert client.login(username=username, password=generate.DEMO_PASSWORD), username
        response = client.get("/")
        assert response.status_code == 200
        assert User.objects.get(username=username).display_name in response.content.decode()
