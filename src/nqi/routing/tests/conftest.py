"""A small Liuzhou catalog for the routing tests: a food lab, a metrology institute, a lift inspector, their
experts, two solved cases and a few standards, plus a model trained once per session on synthetic history."""

import datetime as dt

import pytest

from nqi.accounts.choices import OrgKind
from nqi.accounts.models import Organisation
from nqi.catalog.models import Accreditation, Expert, ServiceItem
from nqi.core.choices import City
from nqi.core.models import ServiceLine
from nqi.routing import indexes, store, training
from nqi.routing.classifier import ServiceLineClassifier
from nqi.routing.history_corpus import generate_history
from nqi.servicedesk.models import SolvedCase
from nqi.standards.models import Standard


@pytest.fixture(scope="session")
def trained_classifier():
    return ServiceLineClassifier().fit([(r.text, r.line) for r in generate_history(3000, seed=5)])


@pytest.fixture(autouse=True)
def _fresh_routing_caches(settings):
    # Every test has its own database, so the per-process caches must not carry over between tests.
    settings.NQI_ROUTING_REFRESH_SECONDS = 0
    settings.NQI_ROUTING_MIN_SAMPLES = 400
    indexes.cache.invalidate()
    store.cache.invalidate()
    yield
    indexes.cache.invalidate()
    store.cache.invalidate()


@pytest.fixture
def routing_model(db, trained_classifier):
    return training.store(trained_classifier, note="test")


def _provider(name, city, lines, description, scopes=(), items=()):
    org = Organisation.objects.create(kind=OrgKind.PROVIDER, name=name, city=city, description=description)
    org.service_lines.set(ServiceLine.objects.filter(code__in=lines))
    for n, (kind, scope) in enumerate(scopes):
        Accreditation.objects.create(provider=org, kind=kind, number=f"{name[:2]}{n}", scope=scope,
                                     valid_until=dt.date(2030, 12, 31))
    made = [ServiceItem.objects.create(provider=org, line_id=line, name=item_name, description=text)
            for line, item_name, text in items]
    return org, made


@pytest.fixture
def catalog(desk, routing_model):
    class Catalog:
        pass

    c = Catalog()
    c.food_lab, c.food_items = _provider(
        "柳州食品安全检测中心", City.LIUZHOU, ["testing"], "螺蛳粉、米粉等食品的微生物与理化检验",
        scopes=[("CMA", "食品：预包装柳州螺蛳粉（DBS45/034全部参数）、米粉制品；微生物：菌落总数、大肠菌群、霉菌和酵母、商业无菌")],
        items=[("testing", "食品微生物检验", "菌落总数、大肠菌群、霉菌检验，出具CMA报告"),
               ("testing", "袋装螺蛳粉全项检验", "按DBS45/034对袋装螺蛳粉全部项目检验")])
    c.method_lab, _ = _provider(
        "南宁方法检测所", City.NANNING, ["testing"], "食品理化与微生物方法检测",
        scopes=[("CNAS", "GB 4789.2、GB 4789.3、GB 5009.3方法；产品：米粉、螺蛳粉")])
    c.metrology, c.metrology_items = _provider(
        "柳州衡器计量所", City.LIUZHOU, ["metrology"], "电子秤、地磅等衡器检定",
        scopes=[("CNAS", "校准：电子天平、砝码、数字指示秤")],
        items=[("metrology", "电子秤检定", "电子台秤、案秤首次检定和后续检定，出具检定证书")])
    c.lift, c.lift_items = _provider(
        "柳州特种设备检验所", City.LIUZHOU, ["special_equipment"], "电梯、锅炉、压力容器定期检验",
        scopes=[("other", "特种设备检验机构核准：电梯、锅炉定期检验")],
        items=[("special_equipment", "电梯定期检验", "乘客电梯、货梯定期检验和监督检验")])
    c.food_expert = Expert.objects.create(name="覃微生", title="研究员", fields="食品微生物检验、螺蛳粉保质期、杀菌工艺",
                                          bio="长期从事袋装螺蛳粉胀袋与杀菌研究", city=City.LIUZHOU)
    c.food_expert.lines.set(ServiceLine.objects.filter(code="testing"))
    c.scale_expert = Expert.objects.create(name="韦衡", title="高级工程师", fields="衡器检定、砝码、电子秤",
                                           bio="计量检定", city=City.LIUZHOU)
    c.scale_expert.lines.set(ServiceLine.objects.filter(code="metrology"))
    c.luosifen_case = SolvedCase.objects.create(
        title="袋装螺蛳粉胀袋问题攻关", industry="螺蛳粉", line_id="testing", city=City.LIUZHOU,
        problem="袋装螺蛳粉放置后胀袋，菌落总数超标", cause="酸笋包杀菌不足", solution="调整杀菌工艺并检验商业无菌",
        result="保质期延长到180天", tags="螺蛳粉 胀袋 杀菌")
    c.scale_case = SolvedCase.objects.create(
        title="电子秤检定超差整改", industry="商超", line_id="metrology", city=City.LIUZHOU,
        problem="电子秤示值误差超差", cause="传感器老化", solution="更换传感器后重新检定", result="检定合格")
    c.dbs = Standard.objects.create(number="DBS45/034-2021", title="食品安全地方标准 柳州螺蛳粉", kind="DBS45",
                                    status="in_force", product_categories="螺蛳粉;米粉;酸笋",
                                    test_items="水分;酸价;菌落总数;大肠菌群;霉菌", keywords="螺蛳粉;柳州螺蛳粉")
    c.dbs.service_lines.set(ServiceLine.objects.filter(code__in=["standards", "testing"]))
    c.gb4789 = Standard.objects.create(number="GB 4789.2-2022", title="食品安全国家标准 食品微生物学检验 菌落总数测定",
                                       kind="GB", status="in_force", product_categories="预包装食品;螺蛳粉;米粉",
                                       test_items="菌落总数", keywords="菌落总数;平板计数")
    c.gb4789.service_lines.set(ServiceLine.objects.filter(code="testing"))
    c.jjg = Standard.objects.create(number="JJG 539-2016", title="数字指示秤检定规程", kind="JJG", status="in_force",
                                    product_categories="电子秤", test_items="", keywords="电子秤;台秤;检定")
    return c
