"""Demo spot checks for Guangxi 2025–2026: plans, tasks, a few thousand sampling records with realistic pass
rates (manufacturing > 95 %, farm products > 98 %, luosifen rising from about 70 % to 97 %), objections and
re-tests, follow-ups in every state, published results, and the rollup.

    from nqi.inspections import demo
    demo.build(random.Random(2026), timezone.now())   # after enterprises and providers exist

History is written in bulk with a consistent audit trail; the rules (objection window, who pays for a re-test,
escalation) are the same as in actions.py. Calling it twice does nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from nqi.accounts.choices import OrgKind, OrgStatus, Role
from nqi.accounts.models import Organisation, User
from nqi.core.choices import City
from nqi.core.models import AuditEntry

from . import deadlines, rollups
from .actions import testing_labs
from .choices import (
    Action,
    Conclusion,
    Escalation,
    FollowUpStatus,
    Judgement,
    ObjectionStatus,
    PlanKind,
    PlanStatus,
    RecordSource,
    RecordStatus,
    RetestPayer,
    Stage,
    TaskStatus,
)
from .models import (
    FollowUp,
    InspectionPlan,
    Objection,
    SamplingRecord,
    SamplingTask,
    TestItemResult,
    record_dedup_key,
)


@dataclass(frozen=True)
class Product:
    industry: str  # Organisation.industry of the makers
    category: str
    names: tuple[str, ...]
    specs: tuple[str, ...]
    items: tuple[tuple[str, str, str, str], ...]  # (item, standard, unit, limit) tested on every sample
    failures: tuple[str, ...]  # items that fail in practice
    pass_rate: float  # luosifen's rate is a trend instead (see pass_rate())


PRODUCTS = (
    Product("螺蛳粉", "方便食品", ("袋装螺蛳粉", "螺蛳粉汤料包", "酸笋", "自热螺蛳粉"), ("300g/袋", "400g/袋", "280g/盒"),
            (("菌落总数", "DBS45/034-2021", "CFU/g", "≤10⁵"), ("大肠菌群", "DBS45/034-2021", "CFU/g", "≤10²"),
             ("过氧化值", "GB 2716-2018", "g/100g", "≤0.25"), ("酸价", "GB 2716-2018", "mg/g", "≤3"),
             ("霉菌", "DBS45/034-2021", "CFU/g", "≤50")), ("菌落总数", "大肠菌群", "过氧化值", "酸价", "霉菌"), 0.0),
    Product("制糖", "食糖", ("一级白砂糖", "精制白砂糖", "赤砂糖"), ("1kg/袋", "50kg/袋", "500g/袋"),
            (("二氧化硫残留量", "GB 13104-2014", "mg/kg", "≤30"), ("色值", "GB/T 317-2018", "IU", "≤150"),
             ("螨", "GB 13104-2014", "/250g", "不得检出")), ("二氧化硫残留量", "色值"), 0.985),
    Product("饮用水", "饮料", ("包装饮用水", "饮用天然矿泉水", "饮用纯净水"), ("550mL/瓶", "18.9L/桶", "380mL/瓶"),
            (("铜绿假单胞菌", "GB 19298-2014", "CFU/250mL", "0"), ("溴酸盐", "GB 19298-2014", "mg/L", "≤0.01"),
             ("大肠菌群", "GB 19298-2014", "CFU/mL", "0")), ("铜绿假单胞菌", "溴酸盐"), 0.965),
    Product("六堡茶", "茶叶及相关制品", ("六堡茶饼茶", "六堡茶散茶", "六堡茶砖茶"), ("500g/饼", "250g/盒", "散装称重"),
            (("铅(以Pb计)", "GB 2762-2022", "mg/kg", "≤5.0"), ("氯氰菊酯和高效氯氰菊酯", "GB 2763-2021", "mg/kg", "≤20"),
             ("草甘膦", "GB 2763-2021", "mg/kg", "≤1")), ("铅(以Pb计)", "草甘膦"), 0.988),
    Product("胶合板", "人造板", ("普通胶合板", "建筑模板", "细木工板"), ("2440mm×1220mm×18mm", "2440mm×1220mm×9mm"),
            (("甲醛释放量", "GB 18580-2017", "mg/m³", "≤0.124"), ("胶合强度", "GB/T 9846-2015", "MPa", "≥0.70"),
             ("含水率", "GB/T 9846-2015", "%", "5~14")), ("甲醛释放量", "胶合强度", "含水率"), 0.955),
    Product("铝加工", "建筑材料", ("铝合金建筑型材", "阳极氧化铝型材", "粉末喷涂铝型材"), ("6063-T5 壁厚1.4mm", "6063-T6 壁厚2.0mm"),
            (("膜厚", "GB/T 5237.2-2017", "μm", "≥10"), ("壁厚", "GB/T 5237.1-2017", "mm", "≥1.4"),
             ("硬度", "GB/T 5237.1-2017", "HW", "≥8")), ("膜厚", "壁厚", "硬度"), 0.962),
    Product("电器与电线电缆", "电动自行车及配件", ("电动自行车充电器", "电动自行车锂电池包", "电线电缆"), ("48V 3A", "60V 20Ah", "BV 2.5mm²"),
            (("防触电保护", "GB 4706.18-2014", "", "符合"), ("输入功率和电流", "GB 4706.18-2014", "%", "≤+10"),
             ("导体电阻", "GB/T 3956-2008", "Ω/km", "≤7.41")), ("防触电保护", "输入功率和电流", "导体电阻"), 0.952),
    Product("特色水果及加工", "水果制品", ("芒果干", "荔枝干", "百香果原浆"), ("200g/袋", "500g/袋"),
            (("二氧化硫残留量", "GB 2760-2014", "g/kg", "≤0.35"), ("菌落总数", "GB 14884-2016", "CFU/g", "≤10³")),
            ("二氧化硫残留量",), 0.986),
    Product("粮油", "食用油、油脂及其制品", ("花生油", "食用植物调和油", "大米"), ("5L/桶", "1.8L/瓶", "10kg/袋"),
            (("酸价", "GB 2716-2018", "mg/g", "≤3"), ("苯并[a]芘", "GB 2762-2022", "μg/kg", "≤10"),
             ("黄曲霉毒素B1", "GB 2761-2017", "μg/kg", "≤20")), ("酸价", "苯并[a]芘", "黄曲霉毒素B1"), 0.975),
    Product("建材", "建筑材料", ("普通硅酸盐水泥", "防水卷材", "陶瓷砖"), ("P·O 42.5", "SBS 3mm", "600mm×600mm"),
            (("抗压强度", "GB 175-2023", "MPa", "≥42.5"), ("安定性", "GB 175-2023", "", "合格")), ("抗压强度",), 0.964),
)
FARM = {"六堡茶", "特色水果及加工"}
SAMPLERS = ("韦明", "覃芳", "黄立", "陆海燕", "蒙志强", "莫小兰", "梁晓东", "罗春梅", "卢建", "廖晨", "潘伟", "谢婷")
SHOPS = ("华联超市", "万家福超市", "佳佳乐便利店", "东盟商贸城", "步步高超市", "惠民粮油店")
PLATFORMS = ("某电商平台旗舰店", "某直播电商店铺", "某社区团购平台")


# A problem the alarms should catch (invented, of a kind Guangxi's bulletins report): from July 2026 small
# oil presses' peanut oil fails more often, mostly on aflatoxin B1 (土榨花生油), over the autumn.
OIL_PROBLEM = dt.date(2026, 7, 1)


# Measured values as a lab report writes them (the demo's test items).
SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _number(text: str) -> float | None:
    """'10⁵' -> 100000.0, '0.25' -> 0.25, '+10' -> 10.0; None if it is not a number."""
    text = text.strip()
    if text.startswith("10") and len(text) > 2 and all(c in "⁰¹²³⁴⁵⁶⁷⁸⁹" for c in text[2:]):
        return 10.0 ** int(text[2:].translate(SUPERSCRIPT))
    try:
        return float(text)
    except ValueError:
        return None


def _shown(value: float, like: str, unit: str) -> str:
    """A measured value written as a lab report writes it: counts in scientific notation, else as many decimals
    as the limit has (one more for small limits)."""
    if unit.startswith("CFU"):
        if value < 10:
            return "<10"
        exponent = len(str(int(value))) - 1
        return f"{value / 10 ** exponent:.1f}×10{str(exponent).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))}" \
            if exponent >= 2 else f"{int(value)}"
    # As many decimals as the limit has, and at least two significant digits.
    decimals = len(like.split(".")[1]) if "." in like else 0
    decimals = min(4, max(decimals, 1 - math.floor(math.log10(value)) if value > 0 else 0))
    sign = "+" if like.startswith("+") else ""
    return f"{sign}{value:.{decimals}f}"


def measured_value(rng, limit: str, unit: str, failed: bool) -> str:
    """A plausible measured value for a test item with the given limit: inside it when passed, outside when not."""
    limit = limit.strip()
    if limit in ("符合", "合格"):
        return ("不" + limit) if failed else limit
    if limit in ("0", "不得检出"):
        return (str(rng.randint(2, 40)) if limit == "0" else "检出") if failed else "未检出"
    if "~" in limit:
        low, high = (float(x) for x in limit.split("~"))
        value = high * rng.uniform(1.1, 1.5) if failed else rng.uniform(low + 0.2 * (high - low), high - 0.2 * (high - low))
        return _shown(value, limit.split("~")[1], unit)
    if limit[:1] in "≤≥":
        bound = _number(limit[1:])
        if bound is None:
            return "不符合" if failed else "符合"
        like = limit[1:].strip()
        if limit[0] == "≤":
            value = bound * (rng.uniform(1.2, 4.0) if failed else rng.uniform(0.05, 0.8))
        else:
            value = bound * (rng.uniform(0.5, 0.95) if failed else rng.uniform(1.05, 1.6))
        return _shown(value, like, unit)
    return "不符合" if failed else "符合"


def pass_rate(product: Product, day: dt.date) -> float:
    if product.industry == "粮油" and day >= OIL_PROBLEM:
        return 0.78
    if product.industry != "螺蛳粉":
        return product.pass_rate
    # Reported: luosifen spot-check pass rate rose from about 70 % to over 97 %.
    progress = min(1.0, max(0.0, (day - dt.date(2025, 1, 1)).days / 700))
    return 0.70 + (0.975 - 0.70) * progress


@dataclass
class PlanSpec:
    name: str
    year: int
    batch: int
    kind: str
    start: dt.date
    end: dt.date
    quota: int
    industries: tuple[str, ...]
    owner_city: str = ""


def plan_specs() -> list[PlanSpec]:
    everything = tuple(p.industry for p in PRODUCTS)
    specs = []
    for year in (2025, 2026):
        for batch, (start, end) in enumerate(((dt.date(year, 3, 1), dt.date(year, 5, 31)),
                                              (dt.date(year, 6, 1), dt.date(year, 8, 31)),
                                              (dt.date(year, 9, 1), dt.date(year, 11, 30))), start=1):
            specs.append(PlanSpec(f"{year}年第{batch}批自治区产品质量监督抽查", year, batch, PlanKind.PROVINCIAL, start, end,
                                  320, everything))
        specs.append(PlanSpec(f"{year}年柳州螺蛳粉质量安全专项抽查", year, 1, PlanKind.SPECIAL, dt.date(year, 4, 1),
                              dt.date(year, 10, 31), 180, ("螺蛳粉",), City.LIUZHOU))
        specs.append(PlanSpec(f"{year}年国家监督抽查（广西承检部分）", year, 1, PlanKind.NATIONAL, dt.date(year, 5, 1),
                              dt.date(year, 9, 30), 120, ("胶合板", "铝加工", "电器与电线电缆", "建材")))
        specs.append(PlanSpec(f"{year}年食品相关产品风险监测", year, 1, PlanKind.RISK_MONITORING, dt.date(year, 3, 1),
                              dt.date(year, 11, 30), 100, ("螺蛳粉", "饮用水", "粮油", "特色水果及加工")))
    specs.append(PlanSpec("2026年梧州市六堡茶质量抽查", 2026, 1, PlanKind.CITY, dt.date(2026, 4, 1), dt.date(2026, 7, 31),
                          60, ("六堡茶",), City.WUZHOU))
    return specs


class _Audit:
    """Collects audit entries for bulk insertion (the same rows the action functions write)."""

    def __init__(self):
        self.ct = ContentType.objects.get_for_model(SamplingRecord)
        self.plan_ct = ContentType.objects.get_for_model(InspectionPlan)
        self.entries: list[AuditEntry] = []

    def add(self, record_id, actor, action, from_state, to_state, note, at):
        self.entries.append(AuditEntry(content_type=self.ct, object_id=record_id, actor=actor, action=action,
                                       from_state=from_state, to_state=to_state, note=note, created_at=at))

    def add_for_plan(self, plan, actor, action, from_state, to_state, note, at):
        self.entries.append(AuditEntry(content_type=self.plan_ct, object_id=plan.pk, actor=actor, action=action,
                                       from_state=from_state, to_state=to_state, note=note, created_at=at))


# The labs that test each demo product, by the scope of their accreditation in demo/data/providers.json. A lab
# in the sampled enterprise's own city takes that city's batches; the others go to one of the list, as a
# provincial plan gives each product to a lab that is qualified for it.
LABS_FOR = {
    "螺蛳粉": ("桂中食品质量检验检测中心有限公司", "邕城食品药品检测技术有限公司"),
    "制糖": ("桂南糖业质量检测站有限公司", "邕城食品药品检测技术有限公司"),
    "饮用水": ("北部湾水产品与饮用水检测中心有限公司", "邕城食品药品检测技术有限公司"),
    "六堡茶": ("六堡茶叶质量检测中心有限公司", "邕城食品药品检测技术有限公司"),
    "胶合板": ("西江建材与人造板检测中心有限公司",),
    "铝加工": ("桂西铝材质量检验中心有限公司",),
    "电器与电线电缆": ("漓江电器产品检测有限公司",),
    "特色水果及加工": ("邕城食品药品检测技术有限公司", "桂中食品质量检验检测中心有限公司"),
    "粮油": ("邕城食品药品检测技术有限公司", "桂中食品质量检验检测中心有限公司"),
    "建材": ("西江建材与人造板检测中心有限公司", "贺州碳酸钙石材检验检测有限公司"),
}


def _assign_tasks(rng, plan, spec, draws, elapsed, products, labs, today, tz, audit) -> dict:
    """One task per (product, city) that the plan's batches fall in, given to a lab qualified for the product.

    A finished plan's task quotas are the batches its labs took; an open plan's are those batches scaled up by
    the time left. The plan's trail records its creation, each task and, for a finished plan, its closing."""
    counts: dict[tuple[str, str], int] = {}
    for industry, maker in draws:
        counts[(industry, maker.city)] = counts.get((industry, maker.city), 0) + 1
    closed = spec.end < today
    issued = _at(rng, spec.start - dt.timedelta(days=rng.randint(5, 12)), tz)
    audit.add_for_plan(plan, plan.created_by, Action.CREATE_PLAN, "", PlanStatus.ACTIVE, plan.name, issued)
    provincial: dict[str, Organisation] = {}
    tasks = {}
    for (industry, city), count in sorted(counts.items()):
        qualified = [lab for lab in labs if lab.name in LABS_FOR.get(industry, ())] or labs
        local = [lab for lab in qualified if lab.city == city]
        lab = local[0] if local else provincial.setdefault(industry, rng.choice(qualified))
        quota = count if closed else max(count, round(count / max(elapsed, 0.05)))
        tasks[(industry, city)] = SamplingTask.objects.create(
            plan=plan, lab=lab, product_category=products[industry].category, city=city, quota=quota,
            due_date=spec.end, status=TaskStatus.DONE if count >= quota else TaskStatus.ASSIGNED)
        audit.add_for_plan(plan, plan.created_by, Action.ASSIGN_TASK, "", "",
                           f"{lab.name}：{products[industry].category} {quota}批", issued)
    plan.labs.set({t.lab_id for t in tasks.values()})
    if closed:
        plan.closed_at, plan.closed_by = _at(rng, spec.end + dt.timedelta(days=rng.randint(1, 5)), tz), plan.created_by
        plan.save(update_fields=["closed_at", "closed_by"])
        audit.add_for_plan(plan, plan.created_by, Action.CLOSE_PLAN, PlanStatus.ACTIVE, PlanStatus.CLOSED, "",
                           plan.closed_at)
    return tasks


def _at(rng: random.Random, day: dt.date, tz) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59))), tz)


def build(rng: random.Random, now: dt.datetime | None = None) -> dict:
    """Create the demo spot checks; returns counts. Needs enterprises (kind=enterprise) and testing labs."""
    now = now or timezone.now()
    if SamplingRecord.objects.filter(source=RecordSource.DEMO).exists():
        return {"plans": 0, "records": 0}
    with transaction.atomic():
        counts = _build(rng, now)
        rollups.rebuild()
    return counts


def _build(rng: random.Random, now: dt.datetime) -> dict:
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now).date()
    labs = list(testing_labs().filter(status=OrgStatus.APPROVED))
    if not labs:
        return {"plans": 0, "records": 0}
    enterprises: dict[str, list[Organisation]] = {}
    for org in Organisation.objects.filter(kind=OrgKind.ENTERPRISE, status=OrgStatus.APPROVED).order_by("pk"):
        enterprises.setdefault(org.industry, []).append(org)
    region = User.objects.filter(role=Role.REGION_REGULATOR, is_active=True).order_by("pk").first()
    city_regulators = {}
    for user in User.objects.filter(role=Role.CITY_REGULATOR, is_active=True).select_related("organisation"):
        city_regulators.setdefault(user.organisation.city, user)
    lab_staff = {}
    for user in User.objects.filter(role=Role.PROVIDER, organisation__in=labs).order_by("pk"):
        lab_staff.setdefault(user.organisation_id, user)
    products = {p.industry: p for p in PRODUCTS}
    audit = _Audit()
    plans_made = 0
    records: list[SamplingRecord] = []
    serial = 0
    for spec in plan_specs():
        if spec.start > today:
            continue
        industries = [i for i in spec.industries if enterprises.get(i)]
        if not industries:
            continue
        owner_city = spec.owner_city
        plan = InspectionPlan.objects.create(
            name=spec.name, year=spec.year, batch=spec.batch, kind=spec.kind, owner_city=owner_city,
            status=PlanStatus.CLOSED if spec.end < today else PlanStatus.ACTIVE,
            product_categories=sorted({products[i].category for i in industries}),
            cities=[owner_city] if owner_city else [], quota=spec.quota, start_date=spec.start, end_date=spec.end,
            created_by=city_regulators.get(owner_city, region) if owner_city else region)
        plans_made += 1
        last_day = min(spec.end, today - dt.timedelta(days=1))
        span = max(1, (last_day - spec.start).days)
        # The plan is done in proportion to the time elapsed.
        elapsed = min(1.0, (last_day - spec.start).days / max(1, (spec.end - spec.start).days))
        draws = []
        for _n in range(int(spec.quota * elapsed)):
            industry = rng.choice(industries)
            maker = rng.choice(enterprises[industry])
            if owner_city and owner_city != maker.city and industry != "螺蛳粉":
                continue
            draws.append((industry, maker))
        tasks = _assign_tasks(rng, plan, spec, draws, elapsed, products, labs, today, tz, audit)
        for industry, maker in draws:
            product = products[industry]
            task = tasks[(industry, maker.city)]
            day = spec.start + dt.timedelta(days=rng.randrange(span))
            stage = rng.choices((Stage.PRODUCTION, Stage.CIRCULATION, Stage.ECOMMERCE), weights=(6, 3, 1))[0]
            serial += 1
            made = day - dt.timedelta(days=rng.randint(3, 90))
            batch_no = f"{made:%Y%m%d}{chr(65 + serial % 26)}{serial:05d}"
            passed = rng.random() < pass_rate(product, day)
            city_short = str(City(maker.city).label)
            if stage == Stage.PRODUCTION:
                unit, unit_name = maker, maker.name
            elif stage == Stage.CIRCULATION:
                unit, unit_name = None, f"{city_short}{rng.choice(SHOPS)}"
            else:
                unit, unit_name = None, rng.choice(PLATFORMS)
            name = rng.choice(product.names)
            record = SamplingRecord(
                number=f"DM{day:%Y}{serial:07d}", plan=plan, task=task, plan_kind=plan.kind, lab=task.lab,
                lab_name=task.lab.name, samplers=rng.sample(SAMPLERS, 2), stage=stage,
                sampling_place=unit_name, city=maker.city, sampling_date=day, sampled_unit=unit,
                sampled_unit_name=unit_name, manufacturer=maker, manufacturer_name=maker.name,
                manufacturer_uscc=maker.credit_code or "", manufacturer_address=f"{city_short}{maker.county}",
                enterprise_size=maker.size, product_name=name, product_category=product.category,
                specification=rng.choice(product.specs), batch_no=batch_no, production_date=made,
                sample_quantity=f"{rng.choice((4, 6, 8, 12))}件", backup_quantity=f"{rng.choice((4, 6, 8))}件",
                conclusion=Conclusion.PASS if passed else Conclusion.FAIL, source=RecordSource.DEMO,
                dedup_key=record_dedup_key(maker.name, name, batch_no, day))
            if passed:
                failed = ()
            elif product.industry == "粮油" and day >= OIL_PROBLEM and rng.random() < 0.75:
                failed = ("黄曲霉毒素B1",)
            else:
                failed = tuple(rng.sample(product.failures, rng.randint(1, min(2, len(product.failures)))))
            record.failed_items_text = "、".join(failed)
            record._failed = failed  # used below for the items
            _set_state(rng, record, day, today, tz)
            records.append(record)
    SamplingRecord.objects.bulk_create(records, batch_size=1000)
    items = []
    for record in records:
        product = next(p for p in PRODUCTS if p.category == record.product_category and record.product_name in p.names)
        for n, (item, standard, unit, limit) in enumerate(product.items):
            if record.conclusion == Conclusion.PENDING:
                break
            fail = item in record._failed
            items.append(TestItemResult(record=record, item=item, standard=standard, unit=unit, limit=limit,
                                        measured=measured_value(rng, limit, unit, fail), sort_order=n,
                                        judgement=Judgement.FAIL if fail else Judgement.PASS))
        for n, item in enumerate(i for i in record._failed if i not in {x[0] for x in product.items}):
            items.append(TestItemResult(record=record, item=item, judgement=Judgement.FAIL, sort_order=20 + n))
    TestItemResult.objects.bulk_create(items, batch_size=2000)
    objections, follow_ups = _workflow(rng, records, today, tz, labs, lab_staff, city_regulators, region, audit)
    AuditEntry.objects.bulk_create(audit.entries, batch_size=2000)
    return {"plans": plans_made, "records": len(records), "items": len(items), "objections": objections,
            "follow_ups": follow_ups}


def _set_state(rng, record: SamplingRecord, day: dt.date, today: dt.date, tz) -> None:
    """Where a sample sampled on `day` stands today: testing takes ~2-4 weeks, then the notice and 15 days."""
    tested = day + dt.timedelta(days=rng.randint(10, 28))
    if tested >= today:
        record.status, record.conclusion, record.failed_items_text, record._failed = (
            RecordStatus.TESTING, Conclusion.PENDING, "", ())
        return
    record.tested_at = _at(rng, tested, tz)
    notified = tested + dt.timedelta(days=rng.randint(2, 7))
    if notified >= today:
        record.status = RecordStatus.TESTED
        return
    record.notified_at = _at(rng, notified, tz)
    record.received_on = notified + dt.timedelta(days=rng.choice((0, 0, 1, 3)))
    record.objection_due = deadlines.objection_due(record.received_on)
    if record.objection_due >= today:
        record.status = RecordStatus.NOTIFIED
        return
    record.status = RecordStatus.FINAL
    record.finalised_at = _at(rng, record.objection_due + dt.timedelta(days=1), tz)
    plan = record.plan
    if plan.kind != PlanKind.RISK_MONITORING and (plan.end_date is None or plan.end_date + dt.timedelta(days=20)
                                                   < today):
        record.published, record.published_at = True, _at(rng, min(today, plan.end_date + dt.timedelta(days=20)), tz)


def _rectify_after_notice(rng, follow_up, record, regulator, today, tz, audit) -> None:
    """Most enterprises under public notice rectify in the end: a late report and a passed recheck close the
    case. Only cases from the last two months, and a few stubborn ones, stay open (and may be suspended)."""
    if follow_up.status == FollowUpStatus.CLOSED or follow_up.escalation != Escalation.PUBLIC_NOTICE:
        return
    noticed = timezone.localtime(follow_up.escalated_at).date()
    reported_on = max(noticed, follow_up.correction_due) + dt.timedelta(days=rng.randint(3, 25))
    checked_on = reported_on + dt.timedelta(days=rng.randint(5, 20))
    if checked_on >= today - dt.timedelta(days=60) or rng.random() < 0.1:
        return
    from_state = follow_up.status
    follow_up.status, follow_up.reported_at = FollowUpStatus.REPORTED, _at(rng, reported_on, tz)
    follow_up.report = "公告后整改：" + rng.choice(("停产排查，更换关键设备并经第三方检验合格", "重新建立原料进货查验记录并培训人员",
                                               "委托技术机构帮扶，完善出厂检验"))
    audit.add(record.pk, None, Action.RECTIFY, from_state, FollowUpStatus.REPORTED, follow_up.report,
              follow_up.reported_at)
    follow_up.recheck_count += 1
    follow_up.rechecked_at, follow_up.recheck_passed = _at(rng, checked_on, tz), True
    follow_up.status, follow_up.closed_at, follow_up.recheck_note = FollowUpStatus.CLOSED, follow_up.rechecked_at, "复查合格"
    audit.add(record.pk, regulator, Action.RECHECK, FollowUpStatus.REPORTED, FollowUpStatus.CLOSED,
              follow_up.recheck_note, follow_up.rechecked_at)


def _workflow(rng, records, today, tz, labs, lab_staff, city_regulators, region, audit) -> tuple[int, int]:
    objections, follow_ups = [], []
    ordered_before: dict[tuple, bool] = {}
    for record in sorted(records, key=lambda r: (r.sampling_date, r.pk)):
        regulator = city_regulators.get(record.city, region)
        lab_user = lab_staff.get(record.lab_id)
        sampled_at = _at(rng, record.sampling_date, tz)
        audit.add(record.pk, lab_user, Action.SAMPLE, "", RecordStatus.TESTING,
                  f"抽样人员：{'、'.join(record.samplers)}", sampled_at)
        if record.tested_at:
            audit.add(record.pk, lab_user, Action.ENTER_RESULTS, RecordStatus.TESTING, RecordStatus.TESTED,
                      f"{record.get_conclusion_display()} {record.failed_items_text}".strip(), record.tested_at)
        if record.notified_at:
            audit.add(record.pk, regulator, Action.NOTIFY, RecordStatus.TESTED, RecordStatus.NOTIFIED,
                      f"收到日期 {record.received_on}，异议期至 {record.objection_due}", record.notified_at)
        maker_key = (record.manufacturer_id, record.product_name)
        previous_failed = ordered_before.get(maker_key, False)
        if record.conclusion != Conclusion.PENDING:
            ordered_before[maker_key] = record.conclusion == Conclusion.FAIL
        if record.conclusion != Conclusion.FAIL or record.status not in (RecordStatus.FINAL, RecordStatus.NOTIFIED):
            continue
        # About one failure in six is challenged; re-tests mostly confirm the first result.
        if rng.random() < 0.17 and record.received_on:
            asked = record.received_on + dt.timedelta(days=rng.randint(2, 12))
            if asked < today:
                objection = Objection(record=record, applicant=record.manufacturer, requested_at=_at(rng, asked, tz),
                                      reason=rng.choice(("样品运输储存条件可能影响微生物指标", "对检验方法的适用性有异议",
                                                         "本企业出厂检验合格，申请复检")),
                                      items=record.failed_items_text, status=ObjectionStatus.REQUESTED)
                audit.add(record.pk, None, Action.OBJECT, RecordStatus.NOTIFIED, RecordStatus.RETEST,
                          objection.reason, objection.requested_at)
                decided = asked + dt.timedelta(days=rng.randint(10, 25))
                qualified = {name for p in PRODUCTS if p.category == record.product_category
                             for name in LABS_FOR.get(p.industry, ())}
                others = ([lab for lab in labs if lab.pk != record.lab_id and lab.name in qualified]
                          or [lab for lab in labs if lab.pk != record.lab_id] or labs)
                objection.retest_lab = rng.choice(others)
                objection.status = ObjectionStatus.RETESTING
                audit.add(record.pk, regulator, Action.ASSIGN_RETEST, RecordStatus.RETEST, RecordStatus.RETEST,
                          f"复检机构：{objection.retest_lab.name}（使用封存备份样品）", _at(rng, asked, tz))
                if decided < today:
                    agrees = rng.random() < 0.8
                    objection.retest_conclusion = Conclusion.FAIL if agrees else Conclusion.PASS
                    objection.retest_agrees = agrees
                    objection.payer = RetestPayer.APPLICANT if agrees else RetestPayer.DEPARTMENT
                    objection.status, objection.decided_at = ObjectionStatus.DECIDED, _at(rng, decided, tz)
                    record.status, record.finalised_at = RecordStatus.FINAL, objection.decided_at
                    if not agrees:
                        record.conclusion, record.failed_items_text = Conclusion.PASS, ""
                        TestItemResult.objects.filter(record=record).update(judgement=Judgement.PASS)
                    audit.add(record.pk, lab_staff.get(objection.retest_lab_id), Action.RETEST_RESULT,
                              RecordStatus.RETEST, RecordStatus.FINAL,
                              f"复检结论{objection.get_retest_conclusion_display()}，与初检{'一致' if agrees else '不一致'}，"
                              f"复检费用{objection.get_payer_display()}", objection.decided_at)
                else:
                    record.status, record.published = RecordStatus.RETEST, False
                objections.append(objection)
                record.save(update_fields=["status", "conclusion", "failed_items_text", "finalised_at", "published"])
        if (record.status != RecordStatus.FINAL or record.conclusion != Conclusion.FAIL
                or record.plan_kind == PlanKind.RISK_MONITORING):
            continue
        if record.status == RecordStatus.NOTIFIED:
            continue
        audit.add(record.pk, None, Action.ACCEPT, RecordStatus.NOTIFIED, RecordStatus.FINAL,
                  f"异议期 {record.objection_due} 届满未申请复检，检验结论确定", record.finalised_at)
        ordered_on = timezone.localtime(record.finalised_at).date() + dt.timedelta(days=rng.randint(1, 7))
        if ordered_on >= today:
            continue
        due = deadlines.correction_due(ordered_on)
        follow_up = FollowUp(record=record, enterprise=record.manufacturer, enterprise_name=record.manufacturer_name,
                             city=record.city, ordered_at=_at(rng, ordered_on, tz), correction_due=due,
                             order_note="立即停止生产销售不合格批次产品，查明原因并整改", onsite_required=previous_failed)
        audit.add(record.pk, regulator, Action.ORDER_CORRECTION, RecordStatus.FINAL, RecordStatus.FINAL,
                  f"整改期限 {due}" + ("；连续两次抽查不合格，需现场检查并跟踪抽查" if previous_failed else ""),
                  follow_up.ordered_at)
        reported_on = ordered_on + dt.timedelta(days=rng.randint(7, 40))
        if reported_on < today and rng.random() < 0.9:
            follow_up.status, follow_up.reported_at = FollowUpStatus.REPORTED, _at(rng, reported_on, tz)
            follow_up.report = "已查明原因：" + rng.choice(("杀菌工序温度不足，已更换设备并验证", "原料验收把关不严，已更换供应商",
                                                        "出厂检验漏项，已补充检验能力并培训人员"))
            audit.add(record.pk, None, Action.RECTIFY, FollowUpStatus.ORDERED, FollowUpStatus.REPORTED,
                      follow_up.report, follow_up.reported_at)
            checked_on = reported_on + dt.timedelta(days=rng.randint(5, 20))
            if checked_on < today:
                follow_up.recheck_count, follow_up.rechecked_at = 1, _at(rng, checked_on, tz)
                if rng.random() < 0.88:
                    follow_up.status, follow_up.recheck_passed = FollowUpStatus.CLOSED, True
                    follow_up.closed_at, follow_up.recheck_note = follow_up.rechecked_at, "复查合格"
                else:
                    follow_up.status, follow_up.recheck_passed = FollowUpStatus.ORDERED, False
                    follow_up.escalation, follow_up.escalated_at = Escalation.PUBLIC_NOTICE, follow_up.rechecked_at
                    follow_up.correction_due = deadlines.correction_due(checked_on)
                    follow_up.recheck_note, follow_up.report = "复查仍不合格，予以公告", ""
                audit.add(record.pk, regulator, Action.RECHECK, FollowUpStatus.REPORTED, follow_up.status,
                          follow_up.recheck_note, follow_up.rechecked_at)
        elif due < today:
            follow_up.escalation, follow_up.escalated_at = Escalation.PUBLIC_NOTICE, _at(rng, due, tz)
            follow_up.escalated_for_due = due
            audit.add(record.pk, None, Action.ESCALATE, FollowUpStatus.ORDERED, FollowUpStatus.ORDERED,
                      f"整改期限 {due} 已过未提交整改报告：予以公告", follow_up.escalated_at)
        _rectify_after_notice(rng, follow_up, record, regulator, today, tz, audit)
        follow_ups.append(follow_up)
    Objection.objects.bulk_create(objections, batch_size=1000)
    FollowUp.objects.bulk_create(follow_ups, batch_size=1000)
    return len(objections), len(follow_ups)
