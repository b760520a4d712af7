"""The overview's running totals: kept exact by the actions, equal to a recount, and the same overview as counting
the requests themselves."""

import datetime as dt

import pytest
from django.utils import timezone

from nqi import testing
from nqi.accounts.choices import RegulatorLevel
from nqi.core.choices import City
from nqi.servicedesk import actions, overview, rollups
from nqi.servicedesk.models import ServiceRequest
from nqi.servicedesk.scoping import visible_requests

pytestmark = pytest.mark.django_db


def snapshot():
    months = sorted((r.city, r.line_key, r.month, *[getattr(r, c) for c in rollups.COUNTERS])
                    for r in rollups.RequestMonthRollup.objects.all() if any(getattr(r, c) for c in rollups.COUNTERS))
    enterprises = sorted((r.city, r.enterprise_id, r.delivered)
                         for r in rollups.EnterpriseDeliveryRollup.objects.all() if r.delivered)
    providers = sorted((r.provider_id, r.total) for r in rollups.ProviderRequestRollup.objects.all() if r.total)
    return months, enterprises, providers


def history(desk, now):
    """Requests in several months, cities and states: delivered on time and late, rated, reopened, cancelled."""
    line = desk.items[0].line
    ago = [now - dt.timedelta(days=d) for d in (70, 64, 40, 33, 12, 3)]
    made = []
    for n, at in enumerate(ago):
        req = testing.submit(desk.enterprise_user, title=f"需求{n}", kind="problem" if n % 2 else "service", at=at)
        made.append(req)
        if n == 5:
            continue  # stays submitted: open, no line
        actions.do_dispatch_request(desk.regulator, req, desk.provider, line=line, at=at + dt.timedelta(hours=2))
        if n == 4:
            continue
        actions.do_accept_request(desk.provider_user, req, at=at + dt.timedelta(hours=5))
        late = n == 1
        actions.do_resolve_request(desk.provider_user, req, "已出具报告",
                                   at=at + dt.timedelta(days=40 if late else 1))
        if n in (0, 1):
            actions.do_close_request(desk.enterprise_user, req, 5 - n)
        if n == 3:
            actions.do_reopen_request(desk.enterprise_user, req, "仍然胀袋")
    guilin = testing.submit(desk.other_enterprise_user, title="桂林米粉检测", at=ago[2])
    actions.do_cancel_request(desk.other_enterprise_user, testing.submit(desk.other_enterprise_user, at=ago[4]))
    return made, guilin


def test_actions_keep_the_rollups_equal_to_a_recount(desk):
    rollups.rebuild()
    assert snapshot() == ([], [], [])
    history(desk, timezone.now())
    incremental = snapshot()
    assert incremental[0], "the actions should have counted something"
    rollups.rebuild()
    assert snapshot() == incremental


def test_rollups_follow_a_deleted_request(desk):
    rollups.rebuild()
    made, _ = history(desk, timezone.now())
    made[0].delete()
    incremental = snapshot()
    rollups.rebuild()
    assert snapshot() == incremental


def test_saves_that_change_no_counter_write_nothing(desk, django_assert_num_queries):
    req = testing.submit(desk.enterprise_user)
    req.escalated_at = timezone.now()
    with django_assert_num_queries(1):  # the UPDATE alone
        req.save(update_fields=["escalated_at", "updated_at"])


@pytest.mark.parametrize("months", [1, 2, 24])
def test_overview_from_rollups_equals_counting_the_requests(desk, months):
    now = timezone.now()
    history(desk, now)
    region = testing.make_regulator(City.NANNING, RegulatorLevel.REGION)
    since = now - dt.timedelta(days=31 * months)
    for user in (desk.regulator, desk.other_regulator, region):
        scope = visible_requests(user)
        cities = rollups.scope_cities(scope)
        assert cities is not None
        assert rollups.usable()
        from_rollups = overview._build_from_rollups(scope, cities, since)
        assert from_rollups == overview._build_from_requests(scope, since)
    # The figures themselves, for the Liuzhou regulator: six requests, three delivered (one a problem), three open.
    totals = overview.build(visible_requests(desk.regulator), months=months).totals
    assert (totals["total"], totals["delivered"], totals["problems_solved"], totals["open"]) == (6, 3, 1, 3)
    assert totals["avg_rating"] == 4.5 and totals["enterprises_served"] == 1


def test_only_region_and_city_scopes_are_read_from_rollups(desk):
    region = testing.make_regulator(City.NANNING, RegulatorLevel.REGION)
    assert rollups.scope_cities(visible_requests(region)) == []
    assert rollups.scope_cities(visible_requests(desk.regulator)) == [City.LIUZHOU]
    for user in (desk.enterprise_user, desk.provider_user, desk.expert.user):
        assert rollups.scope_cities(visible_requests(user)) is None
    assert rollups.scope_cities(visible_requests(desk.regulator).filter(status="closed")) is None
    assert rollups.scope_cities(ServiceRequest.objects.exclude(city=City.LIUZHOU)) is None
    assert rollups.scope_cities(ServiceRequest.objects.all()[:10]) is None


def test_a_database_loaded_in_bulk_is_recounted_on_first_use(desk):
    req = testing.submit(desk.enterprise_user)
    # A bulk load writes past the signals, as `nqi seed` does.
    ServiceRequest.objects.bulk_create([ServiceRequest(
        number="FW-BULK-1", kind="service", title="批量导入", description="历史数据", enterprise=req.enterprise,
        city=req.city, created_by=desk.enterprise_user, status="closed", rating=3)])
    assert not rollups.RollupBuild.objects.exists()
    totals = overview.build(visible_requests(desk.regulator)).totals
    assert (totals["total"], totals["delivered"], totals["avg_rating"]) == (2, 1, 3.0)
    assert rollups.RollupBuild.objects.exists()


def test_request_list_counts_match_counting_the_requests(desk):
    from rest_framework.test import APIClient

    history(desk, timezone.now())
    rollups.rebuild()  # as `nqi seed` and the overview's first visit do
    region = testing.make_regulator(City.NANNING, RegulatorLevel.REGION)
    cases = [(region, "", 8), (region, "?city=450200", 6), (desk.regulator, "", 6), (desk.other_regulator, "", 2),
             (desk.regulator, "?status=closed", 2), (desk.regulator, "?city=450300", 0), (desk.enterprise_user, "", 6),
             (desk.provider_user, "", 5)]
    for user, query, expected in cases:
        client = APIClient()
        client.force_authenticate(user)
        body = client.get(f"/api/v1/requests/{query}").json()
        assert body["count"] == expected == len(body["results"]), (user.username, query)
    # Read from the rollups: a request saved behind their back is not in the region's count until a recount.
    ServiceRequest.objects.filter(status="cancelled").update(city=City.LIUZHOU)
    client = APIClient()
    client.force_authenticate(desk.regulator)
    assert client.get("/api/v1/requests/").json()["count"] == 6
    rollups.rebuild()
    assert client.get("/api/v1/requests/").json()["count"] == 7


def test_provider_list_count_follows_dispatch_decline_and_joint_tackling(desk):
    from rest_framework.test import APIClient

    rollups.rebuild()
    line = desk.items[0].line
    client = APIClient()
    client.force_authenticate(desk.provider_user)
    first, second = testing.submit(desk.enterprise_user), testing.submit(desk.enterprise_user)
    actions.do_dispatch_request(desk.regulator, first, desk.provider, line=line)
    actions.do_dispatch_request(desk.regulator, second, desk.provider, line=line)
    assert client.get("/api/v1/requests/").json()["count"] == 2
    actions.do_decline_request(desk.provider_user, second, "不在我方能力范围")
    body = client.get("/api/v1/requests/").json()
    assert body["count"] == 1 == len(body["results"])
    assert rollups.ProviderRequestRollup.objects.get(provider_id=desk.provider.pk).total == 1
    # Joint tackling led by another provider counts in the provider's list too, once.
    led = testing.submit(desk.enterprise_user, kind="problem")
    actions.do_dispatch_request(desk.regulator, led, desk.other_provider, line=line)
    actions.do_start_joint_tackling(desk.regulator, led, [desk.provider, desk.other_provider])
    body = client.get("/api/v1/requests/").json()
    assert body["count"] == 2 == len(body["results"])
    assert {r["id"] for r in body["results"]} == {first.pk, led.pk}


def test_provider_list_is_counted_from_the_requests_before_the_rollups_exist(desk):
    from rest_framework.test import APIClient

    req = testing.submit(desk.enterprise_user)
    actions.do_dispatch_request(desk.regulator, req, desk.provider, line=desk.items[0].line)
    rollups.RollupBuild.objects.all().delete()
    rollups.ProviderRequestRollup.objects.all().delete()
    client = APIClient()
    client.force_authenticate(desk.provider_user)
    assert client.get("/api/v1/requests/").json()["count"] == 1
