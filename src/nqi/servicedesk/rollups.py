"""Running totals behind the regulator's overview, so it need not scan every request on each visit.

Two small tables hold, per city, service line and month of submission, the counters the overview shows, and per
city and enterprise the number of delivered requests. Every save of a ServiceRequest (the action functions are
the only writers in normal use) moves its contribution from the old bucket to the new one in the same
transaction, with `counter = counter + delta` upserts that concurrent transactions cannot lose. Bulk writes
(`bulk_create`, `QuerySet.update`) bypass signals: whoever writes in bulk calls `rebuild()` afterwards; a
database whose rollups were never built is rebuilt on first use (see `usable`).
"""

import datetime as dt

from django.db import connection, models, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.db.models.lookups import Exact
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.db.models.sql.where import AND
from django.dispatch import receiver
from django.utils import timezone

from .choices import OPEN_STATUSES, RequestKind, RequestStatus
from .models import ServiceRequest

DELIVERED_STATUSES = [RequestStatus.RESOLVED, RequestStatus.CLOSED]
COUNTERS = ["total", "delivered", "problems_solved", "on_time", "timed", "rating_sum", "rating_count", "open"]
# The request fields a bucket or a counter depends on; saves touching none of them leave the rollups alone.
TRACKED_FIELDS = ["city", "line_id", "submitted_at", "kind", "status", "resolved_on_time", "rating", "enterprise_id",
                  "provider_id"]
_TRACKED_NAMES = set(TRACKED_FIELDS) | {"line", "enterprise", "provider"}


class RequestMonthRollup(models.Model):
    """Counters of the requests submitted in one city, service line and month (local time)."""

    city = models.CharField(max_length=6)
    # `line_key` is '' for requests without a line: a NULL in the unique key would never conflict.
    line_key = models.CharField(max_length=32)
    line = models.CharField(max_length=32, null=True)
    month = models.DateField()
    total = models.IntegerField(default=0)
    delivered = models.IntegerField(default=0)
    problems_solved = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    timed = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    rating_count = models.IntegerField(default=0)
    open = models.IntegerField(default=0)

    class Meta:
        app_label = "servicedesk"
        constraints = [models.UniqueConstraint(fields=["city", "line_key", "month"], name="rollup_month_key")]

    def __str__(self):
        return f"{self.city} {self.line_key or '-'} {self.month:%Y-%m}: {self.total}"


class EnterpriseDeliveryRollup(models.Model):
    """How many of an enterprise's requests in a city are delivered: the overview's 'enterprises served'."""

    city = models.CharField(max_length=6)
    enterprise_id = models.BigIntegerField()
    delivered = models.IntegerField(default=0)

    class Meta:
        app_label = "servicedesk"
        constraints = [models.UniqueConstraint(fields=["city", "enterprise_id"], name="rollup_enterprise_key")]

    def __str__(self):
        return f"{self.city} {self.enterprise_id}: {self.delivered}"


class ProviderRequestRollup(models.Model):
    """How many requests are dispatched to a provider (as lead, not joint tackling): its request list's count."""

    provider_id = models.BigIntegerField(unique=True)
    total = models.IntegerField(default=0)

    class Meta:
        app_label = "servicedesk"

    def __str__(self):
        return f"provider {self.provider_id}: {self.total}"


class RollupBuild(models.Model):
    """Present once `rebuild()` has counted the requests of this database."""

    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "servicedesk"

    def __str__(self):
        return f"rollups built {self.built_at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------- incremental maintenance

def month_of(moment) -> dt.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def _contribution(row: dict):
    """The buckets one request counts in, and what it adds to each."""
    delivered = row["status"] in DELIVERED_STATUSES
    counters = {
        "total": 1,
        "delivered": int(delivered),
        "problems_solved": int(delivered and row["kind"] == RequestKind.PROBLEM),
        "on_time": int(row["resolved_on_time"] is True),
        "timed": int(row["resolved_on_time"] is not None),
        "rating_sum": row["rating"] or 0,
        "rating_count": int(row["rating"] is not None),
        "open": int(row["status"] in OPEN_STATUSES),
    }
    month_key = (row["city"], row["line_id"] or "", row["line_id"], month_of(row["submitted_at"]))
    return month_key, counters, (row["city"], row["enterprise_id"]), int(delivered), row["provider_id"]


def _row_of(instance) -> dict:
    return {name: getattr(instance, name) for name in TRACKED_FIELDS}


def _upsert(model, key_columns: list, values: list, counters: dict):
    table = connection.ops.quote_name(model._meta.db_table)
    columns = key_columns + list(counters)
    quoted = [connection.ops.quote_name(c) for c in columns]
    updates = ", ".join(f"{q} = {table}.{q} + EXCLUDED.{q}" for q in quoted[len(key_columns):])
    conflict = ", ".join(connection.ops.quote_name(c) for c in key_columns if c != "line")
    sql = (f"INSERT INTO {table} ({', '.join(quoted)}) VALUES ({', '.join(['%s'] * len(columns))}) "
           f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}")
    with connection.cursor() as cursor:
        cursor.execute(sql, values + list(counters.values()))


def apply_change(before: dict | None, after: dict | None):
    """Move one request's contribution from its old state to its new one (either may be None)."""
    months, enterprises, providers = {}, {}, {}
    for row, sign in ((before, -1), (after, 1)):
        if row is None:
            continue
        month_key, counters, enterprise_key, delivered, provider_id = _contribution(row)
        bucket = months.setdefault(month_key, dict.fromkeys(COUNTERS, 0))
        for name, value in counters.items():
            bucket[name] += sign * value
        enterprises[enterprise_key] = enterprises.get(enterprise_key, 0) + sign * delivered
        if provider_id is not None:
            providers[provider_id] = providers.get(provider_id, 0) + sign
    for (city, line_key, line, month), counters in months.items():
        if any(counters.values()):
            _upsert(RequestMonthRollup, ["city", "line_key", "line", "month"],
                    [city, line_key, line, connection.ops.adapt_datefield_value(month)], counters)
    for (city, enterprise_id), delivered in enterprises.items():
        if delivered:
            _upsert(EnterpriseDeliveryRollup, ["city", "enterprise_id"], [city, enterprise_id],
                    {"delivered": delivered})
    for provider_id, total in providers.items():
        if total:
            _upsert(ProviderRequestRollup, ["provider_id"], [provider_id], {"total": total})


def _stored_row(pk) -> dict | None:
    return ServiceRequest.objects.filter(pk=pk).values(*TRACKED_FIELDS).first()


@receiver(pre_save, sender=ServiceRequest, dispatch_uid="rollups_before_save")
def _before_save(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and not _TRACKED_NAMES & set(update_fields):
        instance._rollup_skip = True  # e.g. the number, an escalation stamp: no counter changes
        return
    instance._rollup_skip = False
    instance._rollup_before = _stored_row(instance.pk) if instance.pk is not None else None


@receiver(post_save, sender=ServiceRequest, dispatch_uid="rollups_after_save")
def _after_save(sender, instance, **kwargs):
    if getattr(instance, "_rollup_skip", True):
        return
    apply_change(instance._rollup_before, _row_of(instance))
    instance._rollup_before = None


@receiver(pre_delete, sender=ServiceRequest, dispatch_uid="rollups_before_delete")
def _before_delete(sender, instance, **kwargs):
    instance._rollup_before = _stored_row(instance.pk)


@receiver(post_delete, sender=ServiceRequest, dispatch_uid="rollups_after_delete")
def _after_delete(sender, instance, **kwargs):
    apply_change(getattr(instance, "_rollup_before", None), None)


# ---------------------------------------------------------------- full rebuild

@transaction.atomic
def rebuild():
    """Count every request afresh (after a bulk load, or the first time a database is used)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Wait for writers in flight and hold new ones off, so no save falls between the count and the swap.
            cursor.execute(f"LOCK TABLE {ServiceRequest._meta.db_table} IN SHARE MODE")
            for model in (RequestMonthRollup, EnterpriseDeliveryRollup, ProviderRequestRollup, RollupBuild):
                cursor.execute(f"LOCK TABLE {model._meta.db_table} IN EXCLUSIVE MODE")
    RequestMonthRollup.objects.all().delete()
    EnterpriseDeliveryRollup.objects.all().delete()
    ProviderRequestRollup.objects.all().delete()
    RollupBuild.objects.all().delete()
    delivered = Q(status__in=DELIVERED_STATUSES)
    month = TruncMonth("submitted_at", output_field=models.DateField(), tzinfo=timezone.get_default_timezone())
    groups = (ServiceRequest.objects.annotate(month=month).values("city", "line_id", "month").annotate(
        total=Count("id"), delivered=Count("id", filter=delivered),
        problems_solved=Count("id", filter=delivered & Q(kind=RequestKind.PROBLEM)),
        on_time=Count("id", filter=Q(resolved_on_time=True)), timed=Count("id", filter=Q(resolved_on_time__isnull=False)),
        rating_sum=Coalesce(Sum("rating"), 0), rating_count=Count("rating"),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES))).order_by())
    RequestMonthRollup.objects.bulk_create(
        [RequestMonthRollup(city=g["city"], line_key=g["line_id"] or "", line=g["line_id"], month=g["month"],
                            **{name: g[name] for name in COUNTERS}) for g in groups], batch_size=2000)
    EnterpriseDeliveryRollup.objects.bulk_create(
        [EnterpriseDeliveryRollup(**g) for g in ServiceRequest.objects.filter(delivered)
         .values("city", "enterprise_id").annotate(delivered=Count("id")).order_by()], batch_size=2000)
    ProviderRequestRollup.objects.bulk_create(
        [ProviderRequestRollup(**g) for g in ServiceRequest.objects.filter(provider_id__isnull=False)
         .values("provider_id").annotate(total=Count("id")).order_by()], batch_size=2000)
    RollupBuild.objects.create()


def usable() -> bool:
    """Whether the rollups can answer: built in this database (building them now if never), same month boundaries."""
    if timezone.get_current_timezone_name() != timezone.get_default_timezone_name():
        return False
    if not RollupBuild.objects.exists():
        rebuild()
    return True


def scope_cities(scope) -> list | None:
    """The cities a request queryset is limited to ([] for all of them) if the rollups can stand in for it.

    Only "every request" (region regulators, admins) and "one city's requests" (a city regulator) qualify; any
    other scope (an enterprise's, a provider's, a search) returns None and is counted from the requests.
    """
    if scope.model is not ServiceRequest:
        return None
    query = scope.query
    if (query.is_sliced or query.distinct or query.combinator or query.annotations or query.extra
            or len(query.alias_map) > 1):
        return None
    where = query.where
    if not where.children:
        return []
    if where.connector != AND or where.negated or len(where.children) != 1:
        return None
    lookup = where.children[0]
    if (isinstance(lookup, Exact) and getattr(lookup.lhs, "target", None) is not None
            and lookup.lhs.target.model is ServiceRequest and lookup.lhs.target.name == "city"
            and isinstance(lookup.rhs, str)):
        return [lookup.rhs]
    return None


def month_rows(cities: list):
    qs = RequestMonthRollup.objects.all()
    return qs.filter(city__in=cities) if cities else qs


def enterprises_served(cities: list) -> int:
    qs = EnterpriseDeliveryRollup.objects.filter(delivered__gt=0)
    if cities:
        qs = qs.filter(city__in=cities)
    return qs.values("enterprise_id").distinct().count()


def _if_built(count_sql: str, params: list) -> int | None:
    """Run a count over the rollups in one statement that also checks they were built; None if they were not
    (the caller then counts the requests themselves)."""
    built = connection.ops.quote_name(RollupBuild._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT CASE WHEN EXISTS (SELECT 1 FROM {built}) THEN ({count_sql}) END", params)
        value = cursor.fetchone()[0]
    return None if value is None else int(value)


def list_count(cities: list) -> int | None:
    """How many requests there are in these cities ([] for all), the same number as COUNT(*) over them, in one
    round trip; None if the rollups were never built."""
    table = connection.ops.quote_name(RequestMonthRollup._meta.db_table)
    where = f" WHERE city IN ({', '.join(['%s'] * len(cities))})" if cities else ""
    return _if_built(f"SELECT COALESCE(SUM(total), 0) FROM {table}{where}", list(cities))


def provider_list_count(provider_id: int) -> int:
    """A provider's request list, in one statement: the requests it leads (from the rollup once built, else
    counted on the `provider` index) plus the joint-tackling ones led by others (few, counted live). Counting
    the two disjoint parts apart keeps both on indexes; their OR in one WHERE visited every request."""
    from .models import RequestParticipant

    quote = connection.ops.quote_name
    rollup, built = quote(ProviderRequestRollup._meta.db_table), quote(RollupBuild._meta.db_table)
    requests, participants = quote(ServiceRequest._meta.db_table), quote(RequestParticipant._meta.db_table)
    sql = (f"SELECT CASE WHEN EXISTS (SELECT 1 FROM {built}) "
           f"THEN COALESCE((SELECT total FROM {rollup} WHERE provider_id = %s), 0) "
           f"ELSE (SELECT COUNT(*) FROM {requests} WHERE provider_id = %s) END + "
           f"(SELECT COUNT(DISTINCT p.request_id) FROM {participants} p JOIN {requests} r ON r.id = p.request_id "
           f"WHERE p.provider_id = %s AND (r.provider_id IS NULL OR r.provider_id <> %s))")
    with connection.cursor() as cursor:
        cursor.execute(sql, [provider_id] * 4)
        return int(cursor.fetchone()[0])
