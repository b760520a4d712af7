"""End-to-end walkthroughs in a real browser: the service desk as its four kinds of users see it."""

import re

import pytest
from django import forms
from django.utils import translation
from playwright.sync_api import expect

from nqi import testing
from nqi.core.choices import City
from nqi.servicedesk.choices import RequestStatus
from nqi.servicedesk.models import ServiceRequest

# Live-server tests need real transactions; the flush after each one wipes the reference rows a migration seeded,
# so the `reference_data` fixture (conftest) puts them back before each test.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


class Liuzhou:
    """One enterprise, one testing provider with its expert, and the city's regulator, all in Liuzhou."""

    def __init__(self):
        self.enterprise, self.enterprise_user = testing.make_enterprise(City.LIUZHOU, name="柳州螺蛳粉样板食品有限公司")
        self.provider, self.provider_user, (self.item,) = testing.make_provider(
            City.LIUZHOU, lines=("testing",), name="柳州市产品质量检验检测中心")
        self.expert = testing.make_expert("testing", org=self.provider)
        self.regulator = testing.make_regulator(City.LIUZHOU)


@pytest.fixture
def liuzhou():
    return Liuzhou()


def _status_badge(page):
    return page.locator("h1 + .badge")


def test_request_from_submission_to_rating_and_overview(open_as, liuzhou, shot, settle):
    w = liuzhou
    regulator = open_as(w.regulator)
    regulator.goto("/overview/")
    expect(regulator.locator("#stat-delivered")).to_have_text("0")

    # The enterprise describes its problem on the request form, reached from the navigation bar.
    enterprise = open_as(w.enterprise_user)
    shot(enterprise, "walkthrough-01-enterprise-home")
    enterprise.locator("nav").get_by_role("link", name="提交需求").click()
    enterprise.check("input[name=kind][value=problem]")
    enterprise.fill("#id_title", "袋装螺蛳粉胀袋")
    enterprise.fill("#id_description", "袋装螺蛳粉常温放置两个月后出现胀袋，\n想查明原因并延长保质期。")
    enterprise.fill("#id_product", "袋装螺蛳粉")
    enterprise.select_option("#id_urgency", "urgent")
    settle(enterprise)
    shot(enterprise, "walkthrough-02-request-form")
    enterprise.click("#submit-request")
    enterprise.wait_for_url(re.compile(r"/requests/\d+/$"))
    expect(enterprise.locator(".alert-success")).to_contain_text("需求已提交")
    req = ServiceRequest.objects.get(pk=int(re.search(r"/requests/(\d+)/$", enterprise.url).group(1)))
    assert (req.enterprise, req.kind, req.urgency, req.status) == (w.enterprise, "problem", "urgent", "submitted")
    expect(_status_badge(enterprise)).to_have_text("待分派")
    expect(enterprise.locator(".badge", has_text="技术难题")).to_be_visible()
    shot(enterprise, "walkthrough-03-request-submitted")

    # The city regulator is notified, finds it in the dispatch queue and dispatches it to the provider.
    regulator.goto("/")
    expect(regulator.locator("#nav-notifications .badge")).to_have_text("1")
    shot(regulator, "walkthrough-04-regulator-home")
    regulator.get_by_role("link", name=req.number).click()
    dispatch = regulator.locator("#action-dispatch")
    dispatch.locator("select[name=line]").select_option("testing")
    dispatch.locator("select[name=provider]").select_option(str(w.provider.pk))
    dispatch.locator("select[name=service_item]").select_option(str(w.item.pk))
    dispatch.locator("select[name=expert]").select_option(str(w.expert.pk))
    dispatch.locator("input[name=note]").fill("请做微生物和包装密封性检验")
    shot(regulator, "walkthrough-05-regulator-dispatch")
    dispatch.get_by_role("button", name="确定").click()
    expect(_status_badge(regulator)).to_have_text("待受理")
    expect(regulator.locator("#provider-name")).to_have_text(w.provider.name)

    # The provider accepts it from its queue, then resolves it with a solution.
    provider = open_as(w.provider_user)
    shot(provider, "walkthrough-06-provider-home")
    provider.get_by_role("link", name=req.number).click()
    expect(provider.locator("#action-accept")).to_be_visible()
    expect(provider.locator("#action-dispatch")).to_have_count(0)
    provider.locator("#action-accept").get_by_role("button", name="确定").click()
    expect(_status_badge(provider)).to_have_text("已受理")
    resolve = provider.locator("#action-resolve")
    resolve.locator("textarea[name=solution]").fill("查明为杀菌不彻底导致产气菌繁殖；调整杀菌温度和时间，改用高阻隔包装。")
    shot(provider, "walkthrough-07-provider-resolve")
    resolve.get_by_role("button", name="确定").click()
    expect(_status_badge(provider)).to_have_text("待确认")
    expect(provider.locator("#solution")).to_contain_text("高阻隔包装")

    # The enterprise sees it waiting for its confirmation, confirms and rates it.
    enterprise.goto("/")
    enterprise.get_by_role("link", name=req.number).click()
    close = enterprise.locator("#action-close")
    close.locator("input[name=rating][value='4']").check()
    close.locator("textarea[name=comment]").fill("检测及时，建议很实用")
    shot(enterprise, "walkthrough-08-enterprise-close")
    close.get_by_role("button", name="确定").click()
    expect(_status_badge(enterprise)).to_have_text("已办结")
    expect(enterprise.locator("#rating")).to_have_text("4★")
    expect(enterprise.locator(".action-card")).to_have_count(0)
    shot(enterprise, "walkthrough-09-request-closed")
    req.refresh_from_db()
    assert (req.status, req.rating, req.provider, req.expert) == (RequestStatus.CLOSED, 4, w.provider, w.expert)

    # The regulator's overview counts the delivered service and the solved problem.
    regulator.locator("nav").get_by_role("link", name="统计总览").click()
    expect(regulator.locator("#stat-delivered")).to_have_text("1")
    expect(regulator.locator("#stat-problems-solved")).to_have_text("1")
    expect(regulator.locator("#stat-open")).to_have_text("0")
    assert float(regulator.locator("#stat-avg-rating").inner_text()) == 4.0
    shot(regulator, "walkthrough-10-overview")


def _field_errors(page, name):
    """The error lines _form.html shows under one field."""
    return page.locator("form .mb-2", has=page.locator(f"[name={name}]")).locator(".field-error")


NAV_LINKS = {  # href -> (Chinese, English) for the links every enterprise user has
    "/requests/": ("服务需求", "Service requests"),
    "/requests/new/": ("提交需求", "Submit request"),
    "/cases/": ("案例库", "Case library"),
    "/catalog/providers/": ("服务机构", "Providers"),
    "/notifications/": ("通知", "Notifications"),
}


def _nav_label(page, href):
    return page.locator(f"nav a[href='{href}']")  # a top-level link or an item of a nav dropdown


def _required_message(language):
    with translation.override(language):
        return str(forms.Field.default_error_messages["required"])


def test_request_form_errors_keep_input_and_language_switch(open_as, liuzhou, shot, settle):
    required_zh, required_en = _required_message("zh-hans"), _required_message("en")
    assert re.search(r"[\u4e00-\u9fff]", required_zh), required_zh  # Django's own Chinese, e.g. 该字段是必填项。
    page = open_as(liuzhou.enterprise_user)
    page.goto("/requests/new/")
    page.check("input[name=kind][value=problem]")
    page.fill("#id_title", "   ")
    page.fill("#id_product", "袋装螺蛳粉")
    page.select_option("#id_line", "testing")
    page.select_option("#id_urgency", "urgent")
    settle(page)
    page.click("#submit-request")

    # Refused: Chinese errors under the two required fields, everything typed or chosen is still there.
    expect(_field_errors(page, "title")).to_have_text([required_zh])
    expect(_field_errors(page, "description")).to_have_text([required_zh])
    expect(_field_errors(page, "product")).to_have_count(0)
    expect(page.locator("#id_title")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page).to_have_url(re.compile(r"/requests/new/$"))
    expect(page.locator("#id_product")).to_have_value("袋装螺蛳粉")
    expect(page.locator("#id_line")).to_have_value("testing")
    expect(page.locator("#id_urgency")).to_have_value("urgent")
    expect(page.locator("input[name=kind][value=problem]")).to_be_checked()
    shot(page, "form-01-errors-zh")

    # Fixing one field leaves only the other error, and keeps the new text too.
    page.fill("#id_title", "袋装螺蛳粉胀袋")
    settle(page)
    page.click("#submit-request")
    expect(_field_errors(page, "title")).to_have_count(0)
    expect(_field_errors(page, "description")).to_have_text([required_zh])
    expect(page.locator("#id_title")).to_have_value("袋装螺蛳粉胀袋")
    assert not ServiceRequest.objects.exists()

    # The language menu switches the whole page, navigation and form, to English and back.
    for href, (chinese, _english) in NAV_LINKS.items():
        expect(_nav_label(page, href)).to_have_text(chinese)
    settle(page)
    page.select_option("select[name=language]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for href, (_chinese, english) in NAV_LINKS.items():
        expect(_nav_label(page, href)).to_have_text(english)
    expect(page.locator("nav").get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("label[for=id_title]")).to_contain_text("Title")
    expect(page.locator("label[for=id_description]")).to_contain_text("Description")
    expect(page.locator("#id_line option[value='']")).to_have_text("Not sure, let the platform decide")
    settle(page)
    page.click("#submit-request")
    expect(_field_errors(page, "title")).to_have_text([required_en])
    expect(page.locator("#submit-request")).to_have_text("Submit")
    shot(page, "form-02-errors-en")

    settle(page)
    page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(_nav_label(page, "/requests/")).to_have_text("服务需求")
