import datetime as dt

import pytest

from nqi import testing
from nqi.catalog.models import Accreditation
from nqi.core.models import ServiceLine
from nqi.servicedesk import actions
from nqi.servicedesk.models import SolvedCase
from nqi.standards.loader import load_standards


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The desk fixture creates a dozen users; the production hasher's iterations dominate set-up otherwise.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(desk):
    """The desk plus the standards catalog, a published luosifen case, a lab with an accredited scope and two
    enterprises' requests, all indexed by the save signals as in production."""
    load_standards()
    desk.case = SolvedCase.objects.create(
        title="袋装螺蛳粉胀袋攻关", industry="螺蛳粉", line_id="testing", city="450200",
        problem="袋装螺蛳粉常温存放两个月后胀袋", cause="酸笋杀菌不彻底，产气菌残留",
        solution="酸笋巴氏杀菌并调整包装阻隔性", result="保质期由15天提高到180天")
    Accreditation.objects.create(provider=desk.provider, kind="CMA", number="CMA-SEARCH-001",
                                 scope="人造板甲醛释放量；食品中二氧化硫残留量", valid_until=dt.date(2030, 1, 1))
    desk.request = testing.submit(desk.enterprise_user, title="酸笋发酵异味排查", kind="problem")
    desk.other_request = testing.submit(desk.other_enterprise_user, title="米粉酸笋异味检测", kind="problem")
    return desk


def dispatch(desk, req, provider):
    return actions.do_dispatch_request(desk.region, req, provider, line=ServiceLine.objects.get(code="testing"))
