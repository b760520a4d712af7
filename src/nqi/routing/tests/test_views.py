"""Pages: suggestions in the request form, the dispatcher's proposal and one-click dispatch with feedback,
the capability lookup, and who may use them."""

import pytest
from django.urls import reverse

from nqi import testing
from nqi.routing.models import DispatchFeedback, Suggestion
from nqi.servicedesk.models import ServiceRequest

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def luosifen_request(desk):
    # The factory's description is the luosifen swelling problem; the title adds the test items.
    return testing.submit(desk.enterprise_user, title="袋装螺蛳粉胀袋，想送检菌落总数和大肠菌群")


def test_request_form_asks_for_suggestions_while_typing(catalog, desk, client):
    page = login(client, desk.enterprise_user).get(reverse("servicedesk:request_new")).content.decode()
    assert f'hx-post="{reverse("routing:suggest")}"' in page
    assert "from:#id_description" in page and 'id="suggest-empty"' in page


def test_suggestion_partial_shows_line_providers_cases_and_standards(catalog, desk, client):
    login(client, desk.enterprise_user)
    page = client.post(reverse("routing:suggest"), {"title": "袋装螺蛳粉胀袋",
                                                    "description": "想送检菌落总数和大肠菌群"},
                       HTTP_HX_REQUEST="true").content.decode()
    first_line = page.index('data-line="')
    assert page.startswith('data-line="testing"', first_line)
    assert catalog.food_lab.name in page
    assert catalog.luosifen_case.title in page
    assert "DBS45/034-2021" in page
    # Too little text: the hint, not a guess.
    assert 'id="suggest-empty"' in client.post(reverse("routing:suggest"), {"title": "螺"}).content.decode()


def test_dispatcher_sees_the_proposal_and_dispatches_in_one_click(catalog, desk, client):
    req = luosifen_request(desk)
    login(client, desk.regulator)
    page = client.get(req.get_absolute_url()).content.decode()
    assert 'id="one-click-dispatch"' in page and catalog.food_lab.name in page.split('id="proposal-provider"')[1]
    suggestion = Suggestion.objects.get(request=req)
    assert suggestion.line_id == "testing" and suggestion.provider_id == catalog.food_lab.pk
    # The ordinary dispatch form is prefilled with the same proposal.
    assert f'<option value="{catalog.food_lab.pk}" selected>' in page

    response = client.post(reverse("routing:dispatch", args=[req.pk]), {
        "line": "testing", "provider": catalog.food_lab.pk, "service_item": suggestion.service_item_id or "",
        "expert": suggestion.expert_id or "", "suggestion": suggestion.pk, "note": "按智能分派建议"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == "dispatched" and req.provider_id == catalog.food_lab.pk and req.line_id == "testing"
    feedback = DispatchFeedback.objects.get(request=req)
    assert feedback.suggestion == suggestion and feedback.actor == desk.regulator
    assert feedback.suggested_line == feedback.chosen_line == "testing"
    assert not feedback.is_line_correction and not feedback.is_provider_correction


def test_a_dispatch_that_differs_from_the_suggestion_is_recorded_as_a_correction(catalog, desk, client):
    req = luosifen_request(desk)
    login(client, desk.regulator).get(req.get_absolute_url())
    suggestion = Suggestion.objects.get(request=req)
    client.post(reverse("routing:dispatch", args=[req.pk]), {
        "line": "metrology", "provider": catalog.metrology.pk, "suggestion": suggestion.pk})
    feedback = DispatchFeedback.objects.get(request=req)
    assert feedback.chosen_line == "metrology" and feedback.is_line_correction and feedback.is_provider_correction


def test_only_the_responsible_regulator_may_dispatch_from_a_suggestion(catalog, desk, client):
    req = luosifen_request(desk)
    data = {"line": "testing", "provider": catalog.food_lab.pk}
    url = reverse("routing:dispatch", args=[req.pk])
    # The enterprise sees its request but no proposal, and cannot dispatch it.
    page = login(client, desk.enterprise_user).get(req.get_absolute_url()).content.decode()
    assert 'id="routing-proposal"' not in page and not Suggestion.objects.exists()
    client.post(url, data)
    # Another city's regulator does not see the request at all.
    assert login(client, desk.other_regulator).post(url, data).status_code == 404
    req.refresh_from_db()
    assert req.status == "submitted" and not DispatchFeedback.objects.exists()


def test_anonymous_users_are_sent_to_login(catalog, client):
    req_pk = ServiceRequest.objects.values_list("pk", flat=True).first() or 1
    for method, url in (("get", reverse("routing:capability")), ("post", reverse("routing:suggest")),
                        ("post", reverse("routing:dispatch", args=[req_pk]))):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_capability_page_highlights_the_matching_scope(catalog, desk, client):
    login(client, desk.enterprise_user)
    page = client.get(reverse("routing:capability"), {"item": "菌落总数", "product": "螺蛳粉"}).content.decode()
    assert "<mark>菌落总数</mark>" in page
    first = page.split('class="card p-3 mb-2 capability-result"')[1]
    assert catalog.food_lab.name in first
    # A synonym finds the same lab.
    assert catalog.food_lab.name in client.get(reverse("routing:capability"), {"item": "细菌总数"}).content.decode()
    # Nothing asked: a field-level message, not a 500.
    empty = client.get(reverse("routing:capability"), {"item": "", "product": ""})
    assert empty.status_code == 200 and "请至少填写" in empty.content.decode()
    export = client.get(reverse("routing:capability"), {"item": "菌落总数", "format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
