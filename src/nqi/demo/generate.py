"""Builds a realistic Guangxi platform: organisations, people, catalog, and years of service requests.

History is written in bulk (explicit ids, consistent timestamps, audit trail and progress notes) because
thousands of past requests through the action functions would take minutes; today's open work, the
luosifen case and everything a demo user touches next go through the same rules (deadlines in working days).
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from nqi.accounts.choices import EnterpriseSize, OrgKind, RegulatorLevel, Role
from nqi.accounts.models import Organisation, User
from nqi.catalog.models import Accreditation, Expert, ServiceItem
from nqi.core import uscc, workdays
from nqi.core.choices import City
from nqi.core.models import AuditEntry, Notification, ServiceLine
from nqi.servicedesk.choices import Action, ParticipantRole, RequestKind, RequestStatus, Urgency
from nqi.servicedesk.models import ProgressNote, RequestParticipant, ServiceRequest, SolvedCase
from nqi.standards.loader import load_standards

from . import content

DEMO_PASSWORD = "nqi-demo-2026"
S = RequestStatus

DEMO_ACCOUNTS = [
    # username, role, description
    ("qiye", Role.ENTERPRISE, "企业用户（柳州螺蛳粉生产企业）"),
    ("jigou", Role.PROVIDER, "服务机构人员（柳州食品检验检测机构）"),
    ("zhuanjia", Role.EXPERT, "专家（食品安全与检验）"),
    ("liuzhou", Role.CITY_REGULATOR, "市级监管人员（柳州市市场监督管理局）"),
    ("zizhiqu", Role.REGION_REGULATOR, "自治区级监管人员（广西壮族自治区市场监督管理局）"),
    ("admin", Role.ADMIN, "平台管理员"),
]

CITY_NAMES = dict(City.choices)
RATING_WEIGHTS = [(5, 55), (4, 29), (3, 10), (2, 4), (1, 2)]


@dataclass
class Scale:
    enterprises: int = 300
    requests: int = 3000
    days: int = 730
    experts: int = 80
    with_notes: bool = True
    inspections: bool = True


@dataclass
class World:
    regulators: dict = field(default_factory=dict)   # city code -> regulator user list
    region_users: list = field(default_factory=list)
    providers: list = field(default_factory=list)     # Organisation
    provider_staff: dict = field(default_factory=dict)  # provider id -> [users]
    items_by_provider_line: dict = field(default_factory=dict)
    experts_by_line: dict = field(default_factory=dict)
    enterprises: list = field(default_factory=list)
    enterprise_users: dict = field(default_factory=dict)
    demo_users: dict = field(default_factory=dict)


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


_hash_cache = {}


def _user(username, role, full_name, org=None, email=True):
    user = User(username=username, role=role, full_name=full_name, organisation=org,
                email=f"{username}@demo.nqi.local" if email else "", is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN)
    # Hashing is deliberately slow; every demo account shares the one demo password, so hash it once.
    if "hash" not in _hash_cache:
        user.set_password(DEMO_PASSWORD)
        _hash_cache["hash"] = user.password
    user.password = _hash_cache["hash"]
    return user


def _person(rng, data, used):
    for _ in range(200):
        name = rng.choice(data["surnames"]) + rng.choice(data["given_names"])
        if name not in used:
            used.add(name)
            return name
    return rng.choice(data["surnames"]) + rng.choice(data["given_names"]) + str(len(used))


# ---------------------------------------------------------------- organisations and people

def build_regulators(world):
    region = Organisation.objects.create(kind=OrgKind.REGULATOR, name="广西壮族自治区市场监督管理局",
                                         short_name="自治区市场监管局", city=City.NANNING,
                                         regulator_level=RegulatorLevel.REGION)
    zizhiqu = _user("zizhiqu", Role.REGION_REGULATOR, "韦海宁", region)
    zizhiqu.save()
    world.region_users = [zizhiqu]
    world.demo_users["zizhiqu"] = zizhiqu
    for code, label in City.choices:
        short = str(label).removesuffix("市")
        org = Organisation.objects.create(kind=OrgKind.REGULATOR, name=f"{label}市场监督管理局",
                                          short_name=f"{short}市场监管局", city=code,
                                          regulator_level=RegulatorLevel.CITY)
        username = "liuzhou" if code == City.LIUZHOU else f"reg{code}"
        user = _user(username, Role.CITY_REGULATOR, f"{short}市局质量发展科", org)
        user.save()
        world.regulators[code] = [user]
        if username == "liuzhou":
            user.full_name = "覃晓柳"
            user.save(update_fields=["full_name"])
            world.demo_users["liuzhou"] = user


def build_providers(world, rng):
    lines = {line.code: line for line in ServiceLine.objects.all()}
    staff_names = content.experts()
    used = set()
    for index, p in enumerate(content.providers()):
        org = Organisation.objects.create(kind=OrgKind.PROVIDER, name=p["name"], short_name=p.get("short_name", ""),
                                          city=p["city"], description=p.get("description", ""),
                                          contact_phone=f"0771-{rng.randint(2000000, 6999999)}")
        org.service_lines.set([lines[c] for c in p["lines"] if c in lines])
        Accreditation.objects.bulk_create([
            Accreditation(provider=org, kind=a["kind"], number=a["number"], scope=a.get("scope", ""),
                          valid_until=dt.date.fromisoformat(a["valid_until"]))
            for a in p.get("accreditations", [])], ignore_conflicts=True)
        items = ServiceItem.objects.bulk_create([
            ServiceItem(provider=org, line=lines[i["line"]], name=i["name"], description=i.get("description", ""),
                        fee_min=i.get("fee_min", 0), fee_max=i.get("fee_max", 0),
                        turnaround_days=max(1, int(i.get("turnaround_days", 10))), mode=i.get("mode", "both"))
            for i in p.get("catalog_items", []) if i["line"] in lines])
        for item in items:
            world.items_by_provider_line.setdefault((org.pk, item.line_id), []).append(item)
        staff = []
        for n in range(2 if index % 3 == 0 else 1):
            user = _user(f"prov{index:02d}{n}", Role.PROVIDER, _person(rng, staff_names, used), org)
            user.save()
            staff.append(user)
        world.provider_staff[org.pk] = staff
        world.providers.append(org)
    # The demo provider account: a Liuzhou food testing provider.
    liuzhou_testing = [o for o in world.providers if o.city == City.LIUZHOU and
                       any(k[0] == o.pk and k[1] == "testing" for k in world.items_by_provider_line)]
    demo_org = (liuzhou_testing or world.providers)[0]
    user = _user("jigou", Role.PROVIDER, "黄立检", demo_org)
    user.save()
    world.provider_staff[demo_org.pk].insert(0, user)
    world.demo_users["jigou"] = user


def build_experts(world, rng, count):
    data = content.experts()
    lines = {line.code: line for line in ServiceLine.objects.all()}
    codes = list(data["fields_by_line"])
    used = set()
    for n in range(count):
        line_code = codes[n % len(codes)]
        fields = rng.sample(data["fields_by_line"][line_code], k=min(3, len(data["fields_by_line"][line_code])))
        providers_of_line = [p for p in world.providers if (p.pk, line_code) in world.items_by_provider_line]
        at_provider = providers_of_line and rng.random() < 0.65
        org = rng.choice(providers_of_line) if at_provider else None
        expert = Expert.objects.create(
            name=_person(rng, data, used), title=rng.choice(data["titles"]), organisation=org,
            affiliation=org.name if org else rng.choice(data["universities"]),
            city=org.city if org else City.NANNING, fields="、".join(fields),
            bio=f"长期从事{fields[0]}工作，参与多项地方标准制定与企业技术帮扶。",
            available=rng.random() > 0.08, max_load=rng.choice([3, 4, 5, 6]))
        extra = [c for c in codes if c != line_code and rng.random() < 0.15]
        expert.lines.set([lines[line_code]] + [lines[c] for c in extra])
        for code in [line_code] + extra:
            world.experts_by_line.setdefault(code, []).append(expert)
    # The demo expert account: a food-safety expert.
    testing = world.experts_by_line.get("testing") or next(iter(world.experts_by_line.values()))
    expert = testing[0]
    expert.available = True
    user = _user("zhuanjia", Role.EXPERT, expert.name, expert.organisation)
    user.save()
    expert.user = user
    expert.save()
    world.demo_users["zhuanjia"] = user


def build_enterprises(world, rng, count):
    industries = content.industries()
    sizes = [(EnterpriseSize.MICRO, 30), (EnterpriseSize.SMALL, 45), (EnterpriseSize.MEDIUM, 20),
             (EnterpriseSize.LARGE, 5)]
    names = set()
    orgs, users = [], []
    weights = [len(i["cities"]) + (6 if i["code"] == "luosifen" else 2) for i in industries]
    for n in range(count):
        industry = industries[0] if n == 0 else rng.choices(industries, weights=weights, k=1)[0]
        city = City.LIUZHOU if n == 0 else _weighted(rng, list(industry["cities"].items()))
        parts = industry["company_name_parts"]
        short = str(CITY_NAMES.get(city, "广西")).removesuffix("市")
        for _ in range(50):
            name = f"{short}{rng.choice(parts['prefixes'])}{rng.choice(parts['suffixes'])}"
            if name not in names:
                break
            name = f"{short}{rng.choice(parts['prefixes'])}{rng.choice(parts['prefixes'])}{rng.choice(parts['suffixes'])}"
            if name not in names:
                break
        names.add(name)
        counties = industry.get("counties", {}).get(city) or [""]
        orgs.append(Organisation(kind=OrgKind.ENTERPRISE, name=name, city=city, county=rng.choice(counties),
                                 industry=industry["name"], size=_weighted(rng, sizes),
                                 credit_code=uscc.generate(city, rng)))
    Organisation.objects.bulk_create(orgs, batch_size=500)
    orgs = list(Organisation.objects.filter(kind=OrgKind.ENTERPRISE).order_by("pk"))
    staff_names, used = content.experts(), set()
    for n, org in enumerate(orgs):
        username = "qiye" if n == 0 else f"ent{n:04d}"
        users.append(_user(username, Role.ENTERPRISE, _person(rng, staff_names, used), org, email=n < 50))
    # Password hashing is the slow part; all demo enterprise users share the demo password's hash.
    hashed = users[0].password
    for user in users:
        user.password = hashed
    User.objects.bulk_create(users, batch_size=500)
    by_org = {u.organisation_id: u for u in User.objects.filter(role=Role.ENTERPRISE)}
    world.enterprises = orgs
    world.enterprise_users = by_org
    world.demo_users["qiye"] = by_org[orgs[0].pk]


# ---------------------------------------------------------------- request history

def _working_moment(rng, day: dt.date, tz):
    hour = _weighted(rng, [(8, 5), (9, 14), (10, 16), (11, 12), (14, 14), (15, 15), (16, 12), (17, 6), (20, 3)])
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59), rng.randint(0, 59))), tz)


def _after_working_days(rng, moment, days, tz):
    day, _fallback = workdays.add_working_days(timezone.localtime(moment).date(), days)
    return _working_moment(rng, day, tz)


@dataclass
class RequestBatch:
    requests: list = field(default_factory=list)
    audits: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _templates_by_industry():
    by_industry, generic = {}, []
    for t in content.request_templates():
        (by_industry.setdefault(t["industry"], []) if t.get("industry") else generic).append(t)
    return by_industry, generic


def _pick_provider(rng, world, line_code, city):
    candidates = [p for p in world.providers if (p.pk, line_code) in world.items_by_provider_line]
    local = [p for p in candidates if p.city == city]
    pool = local if local and rng.random() < 0.7 else candidates
    return rng.choice(pool) if pool else None


def plan_request(rng, world, n, submitted_at, now, lines, templates, industry_codes, tz, ct_id, next_id):
    """One request with its whole history up to `now`, as unsaved objects."""
    enterprise = world.enterprises[0] if n % 97 == 0 else rng.choice(world.enterprises)
    by_industry, generic = templates
    code = industry_codes.get(enterprise.industry)
    own = by_industry.get(code, [])
    template = rng.choice(own) if own and rng.random() < 0.75 else rng.choice(generic or own or
                                                                              sum(by_industry.values(), []))
    line = lines[template["line"]]
    provider = _pick_provider(rng, world, line.code, enterprise.city)
    creator = world.enterprise_users[enterprise.pk]
    items = world.items_by_provider_line.get((provider.pk, line.code), []) if provider else []
    item = rng.choice(items) if items else None
    expert = None
    if template["kind"] == RequestKind.PROBLEM or rng.random() < 0.2:
        pool = [e for e in world.experts_by_line.get(line.code, []) if e.available]
        expert = rng.choice(pool) if pool else None
    req = ServiceRequest(
        id=next_id, number=f"FW{timezone.localtime(submitted_at):%Y%m}{next_id:06d}", kind=template["kind"],
        title=template["title"], description=template["description"], product=template.get("product", ""),
        line=line if rng.random() < 0.55 else None, urgency=template.get("urgency") or Urgency.NORMAL,
        enterprise=enterprise, city=enterprise.city, created_by=creator, submitted_at=submitted_at,
        status=S.SUBMITTED)
    batch = RequestBatch(requests=[req])
    regulator = world.regulators[enterprise.city][0]

    def log(actor, action, from_state, to_state, note, at):
        batch.audits.append(AuditEntry(content_type_id=ct_id, object_id=req.id, actor=actor, action=action,
                                       from_state=from_state, to_state=to_state, note=note, created_at=at))

    log(creator, Action.SUBMIT, "", S.SUBMITTED, req.title, submitted_at)
    if provider is None:
        return batch

    # Dispatch within 0-2 working days; cancellation now and then before acceptance.
    dispatched_at = _after_working_days(rng, submitted_at, rng.choice([0, 1, 1, 1, 2]), tz)
    dispatched_at = max(dispatched_at, submitted_at + dt.timedelta(minutes=rng.randint(20, 240)))
    if dispatched_at > now:
        return batch
    if rng.random() < 0.02:
        req.status = S.CANCELLED
        log(creator, Action.CANCEL, S.SUBMITTED, S.CANCELLED, "已自行找到检测机构，撤销需求", dispatched_at)
        return batch
    if rng.random() < 0.04:  # declined once by another provider, then dispatched again
        other = _pick_provider(rng, world, line.code, enterprise.city)
        if other and other.pk != provider.pk:
            log(regulator, Action.DISPATCH, S.SUBMITTED, S.DISPATCHED, other.name, dispatched_at)
            declined_at = dispatched_at + dt.timedelta(hours=rng.randint(2, 20))
            reason = rng.choice(content.ratings_comments()["decline_reasons"])
            log(world.provider_staff[other.pk][0], Action.DECLINE, S.DISPATCHED, S.SUBMITTED,
                f"{other.name}：{reason}", declined_at)
            dispatched_at = declined_at + dt.timedelta(hours=rng.randint(1, 6))
            if dispatched_at > now:
                return batch
    req.line, req.provider, req.expert, req.service_item = line, provider, expert, item
    req.status, req.dispatched_at = S.DISPATCHED, dispatched_at
    deadline = workdays.deadline_after(dispatched_at, line.accept_working_days)
    req.accept_due_at, req.deadline_fallback = deadline.due, deadline.fallback
    log(regulator, Action.DISPATCH, S.SUBMITTED, S.DISPATCHED,
        provider.name + (f"，专家 {expert.name}" if expert else ""), dispatched_at)

    staff = world.provider_staff[provider.pk][0]
    late_accept = rng.random() < 0.07
    accept_days = line.accept_working_days + 2 if late_accept else rng.choice([0, 0, 1])
    accepted_at = _after_working_days(rng, dispatched_at, accept_days, tz)
    accepted_at = max(accepted_at, dispatched_at + dt.timedelta(minutes=rng.randint(15, 300)))
    if accepted_at > now:
        return batch
    turnaround = item.turnaround_days if item else line.default_turnaround_days
    req.status, req.accepted_at = S.ACCEPTED, accepted_at
    req.resolve_due_at = workdays.deadline_after(accepted_at, turnaround).due
    log(staff, Action.ACCEPT, S.DISPATCHED, S.ACCEPTED, "", accepted_at)

    late = rng.random() < (0.16 if template["kind"] == RequestKind.PROBLEM else 0.09)
    work_days = turnaround + rng.randint(1, 6) if late else max(1, int(turnaround * rng.uniform(0.3, 0.95)))
    resolved_at = _after_working_days(rng, accepted_at, work_days, tz)
    progress_pool = content.ratings_comments()["progress_notes"].get(line.code) or ["已开始办理"]
    steps = rng.choice([0, 1, 2, 2, 3])
    span = (min(resolved_at, now) - accepted_at)
    for k in range(steps):
        at = accepted_at + span * (k + 1) / (steps + 1)
        text = rng.choice(progress_pool)
        percent = int(100 * (k + 1) / (steps + 1))
        batch.notes.append(ProgressNote(request_id=req.id, author=expert.user if expert and expert.user_id and k == 1
                                        else staff, text=text, percent=percent, created_at=at))
        log(staff, Action.PROGRESS, S.ACCEPTED if k == 0 else S.IN_PROGRESS, S.IN_PROGRESS, text, at)
        req.status = S.IN_PROGRESS
    if resolved_at > now:
        return batch
    req.status, req.resolved_at, req.solution = S.RESOLVED, resolved_at, template["solution"]
    req.resolved_on_time = resolved_at <= req.resolve_due_at
    from_state = S.IN_PROGRESS if steps else S.ACCEPTED
    log(staff, Action.RESOLVE, from_state, S.RESOLVED, template["solution"], resolved_at)

    closed_at = _after_working_days(rng, resolved_at, rng.choice([0, 1, 1, 2, 3, 6]), tz)
    if closed_at > now:
        return batch
    comments = content.ratings_comments()
    if rng.random() < 0.06:
        req.status, req.closed_at = S.CLOSED, closed_at
        log(None, Action.AUTO_CLOSE, S.RESOLVED, S.CLOSED, "办结后5个工作日未确认，系统自动办结", closed_at)
        return batch
    rating = _weighted(rng, RATING_WEIGHTS if req.resolved_on_time else [(5, 30), (4, 35), (3, 20), (2, 10), (1, 5)])
    req.status, req.closed_at, req.rating = S.CLOSED, closed_at, rating
    req.rating_comment = rng.choice(comments[str(rating)])
    log(creator, Action.CLOSE, S.RESOLVED, S.CLOSED, f"{rating}分 {req.rating_comment}", closed_at)
    return batch


def build_history(world, rng, scale: Scale, now=None, progress=None):
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    lines = {line.code: line for line in ServiceLine.objects.all()}
    templates = _templates_by_industry()
    industry_codes = {i["name"]: i["code"] for i in content.industries()}
    ct_id = ContentType.objects.get_for_model(ServiceRequest).pk
    start_id = (ServiceRequest.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    start = now - dt.timedelta(days=scale.days)
    # Demand grows over the two years as the platforms became known; weekends see a quarter of a weekday.
    days = [(start + dt.timedelta(days=d)).date() for d in range(scale.days + 1)]
    weights = [(1 + d / scale.days) * (1 if workdays.is_working_day(day) else 0.25) for d, day in enumerate(days)]
    total_weight = sum(weights)
    batch, made = RequestBatch(), 0
    for day, weight in zip(days, weights, strict=True):
        expected = scale.requests * weight / total_weight
        count = int(expected) + (rng.random() < expected - int(expected))
        for _ in range(count):
            if made >= scale.requests:
                break
            at = _working_moment(rng, day, tz)
            if at > now:
                at = now - dt.timedelta(minutes=rng.randint(5, 300))
            part = plan_request(rng, world, made, at, now, lines, templates, industry_codes, tz, ct_id,
                                start_id + made)
            batch.requests += part.requests
            batch.audits += part.audits
            if scale.with_notes:
                batch.notes += part.notes
            made += 1
        if len(batch.requests) >= 5000:
            _flush(batch)
            batch = RequestBatch()
            if progress:
                progress(made, scale.requests)
    _flush(batch)
    _reset_sequences()
    return made


def _flush(batch):
    with transaction.atomic():
        ServiceRequest.objects.bulk_create(batch.requests, batch_size=1000)
        AuditEntry.objects.bulk_create(batch.audits, batch_size=2000)
        ProgressNote.objects.bulk_create(batch.notes, batch_size=2000)


def _reset_sequences():
    statements = connection.ops.sequence_reset_sql(no_style(), [ServiceRequest])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# ---------------------------------------------------------------- showcase cases

def build_cases(world, rng, now):
    """Each showcase case is a real closed technical problem with joint tackling, published to the library."""
    lines = {line.code: line for line in ServiceLine.objects.all()}
    industries = {i["code"]: i for i in content.industries()}
    ct_id = ContentType.objects.get_for_model(ServiceRequest).pk
    for n, c in enumerate(content.cases()):
        industry = industries.get(c.get("industry") or "", {})
        industry_name = industry.get("name") or ""
        candidates = [e for e in world.enterprises if e.industry == industry_name] or world.enterprises
        enterprise = world.enterprises[0] if n == 0 else rng.choice(candidates)
        line = lines.get(c.get("line"), lines["testing"])
        providers = [p for p in world.providers if (p.pk, line.code) in world.items_by_provider_line] or world.providers
        lead = next((p for p in providers if p.city == enterprise.city), providers[0])
        submitted = now - dt.timedelta(days=rng.randint(120, 600))
        accepted = submitted + dt.timedelta(days=2)
        resolved = submitted + dt.timedelta(days=rng.randint(40, 110))
        closed = resolved + dt.timedelta(days=3)
        req = ServiceRequest.objects.create(
            number="TMP", kind=RequestKind.PROBLEM, title=c["title"], description=c["problem"],
            product=industry.get("products", [""])[0] if industry else "", line=line, urgency=Urgency.URGENT,
            status=S.CLOSED, enterprise=enterprise, city=enterprise.city,
            created_by=world.enterprise_users[enterprise.pk], provider=lead, is_joint=True, submitted_at=submitted,
            dispatched_at=submitted + dt.timedelta(hours=5), accepted_at=accepted,
            accept_due_at=workdays.deadline_after(submitted, line.accept_working_days).due,
            resolve_due_at=resolved + dt.timedelta(days=10), resolved_at=resolved, resolved_on_time=True,
            closed_at=closed, solution=c["solution"], rating=5, rating_comment="联合攻关效果显著，感谢各方专家！")
        req.number = f"FW{timezone.localtime(submitted):%Y%m}{req.pk:06d}"
        req.save(update_fields=["number"])
        members = [lead] + rng.sample([p for p in world.providers if p.pk != lead.pk], k=2)
        experts = rng.sample(world.experts_by_line.get(line.code, []) or [], k=min(2, len(
            world.experts_by_line.get(line.code, []))))
        RequestParticipant.objects.bulk_create(
            [RequestParticipant(request=req, provider=p, role=ParticipantRole.LEAD if p == lead else
                                ParticipantRole.MEMBER, joined_at=accepted) for p in members] +
            [RequestParticipant(request=req, expert=e, joined_at=accepted) for e in experts])
        regulator = world.regulators[enterprise.city][0]
        staff = world.provider_staff[lead.pk][0]
        creator = world.enterprise_users[enterprise.pk]
        entries = [(creator, Action.SUBMIT, "", S.SUBMITTED, c["title"], submitted),
                   (regulator, Action.DISPATCH, S.SUBMITTED, S.DISPATCHED, lead.name, submitted + dt.timedelta(hours=5)),
                   (staff, Action.ACCEPT, S.DISPATCHED, S.ACCEPTED, "", accepted),
                   (regulator, Action.JOINT, S.ACCEPTED, S.ACCEPTED, "、".join(p.name for p in members[1:]),
                    accepted + dt.timedelta(days=3)),
                   (staff, Action.PROGRESS, S.ACCEPTED, S.IN_PROGRESS, c["cause"], accepted + dt.timedelta(days=20)),
                   (staff, Action.RESOLVE, S.IN_PROGRESS, S.RESOLVED, c["solution"], resolved),
                   (creator, Action.CLOSE, S.RESOLVED, S.CLOSED, "5分 联合攻关效果显著", closed),
                   (regulator, Action.PUBLISH_CASE, S.CLOSED, S.CLOSED, c["title"], closed + dt.timedelta(days=2))]
        AuditEntry.objects.bulk_create([AuditEntry(content_type_id=ct_id, object_id=req.pk, actor=a, action=ac,
                                                   from_state=f, to_state=t, note=note, created_at=at)
                                        for a, ac, f, t, note, at in entries])
        ProgressNote.objects.create(request=req, author=staff, text=c["cause"], percent=50,
                                    created_at=accepted + dt.timedelta(days=20))
        SolvedCase.objects.create(
            request=req, title=c["title"], industry=industry_name, line=line, city=enterprise.city,
            problem=c["problem"], cause=c["cause"], solution=c["solution"], result=c["result"],
            providers_text="、".join(p.name for p in members), tags=" ".join(c.get("tags", [])),
            published_by=regulator, published_at=closed + dt.timedelta(days=2))


def build_today(world, rng, now):
    """This morning's work, through the real actions: new requests waiting for dispatch, a few already
    dispatched to the demo provider and accepted, so every demo account has something to do."""
    from nqi.servicedesk import actions

    templates = content.request_templates()
    lines = {line.code: line for line in ServiceLine.objects.all()}
    demo_provider = world.demo_users["jigou"].organisation
    provider_lines = [code for (pid, code) in world.items_by_provider_line if pid == demo_provider.pk]
    liuzhou = [e for e in world.enterprises if e.city == City.LIUZHOU]
    picks = [world.enterprises[0]] + rng.sample(liuzhou, k=min(5, len(liuzhou))) + rng.sample(world.enterprises, 8)
    regulator = world.demo_users["liuzhou"]
    industry_codes = {i["name"]: i["code"] for i in content.industries()}
    for n, enterprise in enumerate(dict.fromkeys(picks)):
        at = now - dt.timedelta(minutes=rng.randint(10, 360))
        own = [t for t in templates if t.get("industry") == industry_codes.get(enterprise.industry)]
        pool = [t for t in own if t["line"] in provider_lines] if n < 6 else own
        template = rng.choice(pool or [t for t in templates if not t.get("industry")
                                       and (n >= 6 or t["line"] in provider_lines)])
        req = actions.do_submit_request(world.enterprise_users[enterprise.pk], actions.NewRequest(
            kind=template["kind"], title=template["title"], description=template["description"],
            product=template.get("product", ""), urgency=template.get("urgency") or Urgency.NORMAL), at=at)
        if 1 <= n <= 4 and enterprise.city == City.LIUZHOU and template["line"] in provider_lines:
            items = world.items_by_provider_line.get((demo_provider.pk, template["line"]), [])
            # The item whose name shares most characters with the product asked about.
            item = max(items, key=lambda i: len(set(i.name) & set(req.product + req.title)), default=None)
            actions.do_dispatch_request(regulator, req, demo_provider, line=lines[template["line"]],
                                        service_item=item, at=at + dt.timedelta(minutes=5))
            if n <= 2:
                actions.do_accept_request(world.demo_users["jigou"], req, at=at + dt.timedelta(minutes=30))


def build_welcome_notifications(world):
    notes = []
    for username, user in world.demo_users.items():
        if username == "admin":
            continue
        notes.append(Notification(recipient=user, title="欢迎使用广西质量基础设施一站式服务平台",
                                  body="演示数据为虚构企业与人员，城市、行业与标准为真实信息。", url="/", event="welcome"))
    Notification.objects.bulk_create(notes)


def build_world(seed=2026, scale: Scale | None = None, progress=None, now=None) -> World:
    scale = scale or Scale()
    rng = random.Random(seed)
    now = now or timezone.now()
    world = World()
    load_standards()
    with transaction.atomic():
        build_regulators(world)
        build_providers(world, rng)
        build_experts(world, rng, scale.experts)
        build_enterprises(world, rng, scale.enterprises)
        admin = _user("admin", Role.ADMIN, "平台管理员")
        admin.save()
        world.demo_users["admin"] = admin
    build_history(world, rng, scale, now=now, progress=progress)
    if scale.inspections:
        from nqi.analytics import monitoring
        from nqi.inspections import demo as inspections_demo
        from nqi.planning import demo as planning_demo

        inspections_demo.build(rng, now)
        monitoring.refresh()
        planning_demo.build(now)
    with transaction.atomic():
        build_cases(world, rng, now)
        build_today(world, rng, now)
        build_welcome_notifications(world)
    catch_up_deadlines(now)
    from nqi.servicedesk import rollups

    rollups.rebuild()  # the history was written in bulk, without the signals that keep the rollups
    if scale.inspections:  # the demo, not a benchmark seed: routing and search ready from the start
        from nqi.routing import training
        from nqi.search.indexing import reindex_all

        training.train(note="demo")
        reindex_all()  # bulk writes send no save signals
    return world


def catch_up_deadlines(now):
    """Run the periodic deadline passes once, so the history's overdue work is escalated as `nqi sla` would
    have done; the demo's past e-mails are not sent."""
    from django.test.utils import override_settings

    from nqi.inspections.actions import run_deadlines
    from nqi.servicedesk.actions import run_sla

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        run_sla(now=now)
        run_deadlines(now=now)
