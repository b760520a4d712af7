"""Small factories for tests: organisations and people of each role, built the way the platform builds them."""

import itertools
import random

from nqi.accounts.choices import OrgKind, RegulatorLevel, Role
from nqi.accounts.models import Organisation, User
from nqi.catalog.models import Expert, ServiceItem
from nqi.core import uscc
from nqi.core.choices import City
from nqi.core.models import ServiceLine
from nqi.servicedesk import actions

_counter = itertools.count(1)
_rng = random.Random(11)
PASSWORD = "test-pass-2026"


def make_user(role, org=None, username=None, **extra):
    user = User(username=username or f"{role}{next(_counter)}", role=role, organisation=org,
                email=f"u{next(_counter)}@example.test", **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_enterprise(city=City.LIUZHOU, name=None, status="approved", industry="螺蛳粉"):
    org = Organisation.objects.create(kind=OrgKind.ENTERPRISE, name=name or f"测试食品有限公司{next(_counter)}",
                                      credit_code=uscc.generate(city, _rng), city=city, industry=industry,
                                      size="small", status=status)
    return org, make_user(Role.ENTERPRISE, org)


def make_provider(city=City.LIUZHOU, lines=("testing",), turnaround=5, name=None):
    org = Organisation.objects.create(kind=OrgKind.PROVIDER, name=name or f"测试检验检测中心{next(_counter)}",
                                      city=city)
    org.service_lines.set(ServiceLine.objects.filter(code__in=lines))
    items = [ServiceItem.objects.create(provider=org, line_id=code, name=f"{code}服务{next(_counter)}",
                                        turnaround_days=turnaround, fee_min=100, fee_max=800) for code in lines]
    return org, make_user(Role.PROVIDER, org), items


def make_regulator(city=City.LIUZHOU, level=RegulatorLevel.CITY):
    org, _ = Organisation.objects.get_or_create(
        name=f"{City(city).label}市场监督管理局" if level == RegulatorLevel.CITY else "广西壮族自治区市场监督管理局",
        defaults={"kind": OrgKind.REGULATOR, "city": city, "regulator_level": level})
    role = Role.CITY_REGULATOR if level == RegulatorLevel.CITY else Role.REGION_REGULATOR
    return make_user(role, org)


def make_expert(line="testing", org=None, with_user=True):
    expert = Expert.objects.create(name=f"专家{next(_counter)}", title="高级工程师", organisation=org,
                                   fields="食品微生物检验、食品保质期", city=City.LIUZHOU)
    expert.lines.set(ServiceLine.objects.filter(code=line))
    if with_user:
        expert.user = make_user(Role.EXPERT, org)
        expert.save()
    return expert


def submit(enterprise_user, title="袋装螺蛳粉胀袋", kind="problem", line_id=None, at=None, **extra):
    return actions.do_submit_request(enterprise_user, actions.NewRequest(
        kind=kind, title=title, description="袋装螺蛳粉放两个月就胀袋，想查原因。", product="袋装螺蛳粉",
        line_id=line_id, **extra), at=at)
