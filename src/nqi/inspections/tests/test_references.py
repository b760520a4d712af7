"""A sampling record's references (plan, task, lab, sampled unit, manufacturer, import job) hold without
row-by-row foreign keys: triggers check them per statement (migration 0008). A record cannot point at a row that
does not exist, and a row that records point at cannot be deleted from under them."""

import datetime as dt
import threading
import uuid

import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction

from nqi import testing
from nqi.accounts.choices import OrgKind
from nqi.accounts.models import Organisation
from nqi.core.choices import City
from nqi.inspections.choices import PlanKind
from nqi.inspections.models import InspectionPlan, SamplingRecord

pytestmark = pytest.mark.django_db

REFERENCES = ("plan_id", "task_id", "lab_id", "sampled_unit_id", "manufacturer_id", "import_job_id")
MISSING = 10**9


def refused(change) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        change()


def copy_of(record: SamplingRecord, **changes) -> SamplingRecord:
    fields = {f.attname: getattr(record, f.attname) for f in SamplingRecord._meta.concrete_fields if not f.primary_key}
    fields.update(number=f"T{uuid.uuid4().hex[:12]}", dedup_key=uuid.uuid4(), **changes)
    return SamplingRecord(**fields)


def trigger_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass", [table])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        return {name for (name,) in cursor.fetchall()}


def test_the_checks_are_installed():
    """A later migration that rebuilds the table (SQLite does for many changes) must keep them."""
    assert {"inspections_record_references_insert", "inspections_record_references_update"} <= trigger_names(
        SamplingRecord._meta.db_table)
    if connection.vendor == "postgresql":
        for table in ("inspections_inspectionplan", "inspections_samplingtask", "accounts_organisation",
                      "inspections_importjob"):
            assert {"inspections_record_references_delete", "inspections_record_references_update"} <= trigger_names(
                table)


def test_a_record_cannot_point_at_a_row_that_does_not_exist(spot):
    record = spot.sample()
    for reference in REFERENCES:
        refused(lambda reference=reference: SamplingRecord.objects.filter(pk=record.pk).update(**{reference: MISSING}))
        refused(copy_of(record, **{reference: MISSING}).save)
    refused(lambda: SamplingRecord.objects.filter(pk=record.pk).update(plan_id=None))
    assert SamplingRecord.objects.count() == 1
    record.refresh_from_db()
    assert (record.plan, record.task, record.lab) == (spot.plan, spot.task, spot.lab)


def test_one_bad_reference_refuses_the_whole_statement(spot):
    record = spot.sample()
    maker, _user = testing.make_enterprise(name="柳州市鱼峰区示例米粉厂")
    refused(lambda: SamplingRecord.objects.bulk_create([copy_of(record, manufacturer_id=maker.pk),
                                                        copy_of(record, manufacturer_id=MISSING)]))
    assert SamplingRecord.objects.count() == 1
    SamplingRecord.objects.bulk_create([copy_of(record, manufacturer_id=maker.pk), copy_of(record, lab_id=None)])
    assert SamplingRecord.objects.filter(manufacturer=maker).count() == 1


def test_deleting_a_manufacturer_on_the_platform_unlinks_its_records(spot):
    """Django's on_delete rules still apply: SET_NULL for the manufacturer, as before."""
    maker, user = testing.make_enterprise(name="柳州市鱼峰区示例米粉厂")
    record = spot.sample()
    SamplingRecord.objects.filter(pk=record.pk).update(manufacturer=maker)
    user.delete()
    maker.delete()
    record.refresh_from_db()
    assert record.manufacturer_id is None and record.manufacturer_name


def test_the_database_refuses_to_delete_or_renumber_a_referenced_row(spot):
    """Beside Django too (a console, a script): what a foreign key would refuse."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's checks cover the records' own writes only (see migration 0008)")
    maker, _user = testing.make_enterprise(name="柳州市鱼峰区示例米粉厂")
    unused = Organisation.objects.create(kind=OrgKind.ENTERPRISE, name="来宾市兴宾区示例糖厂", city=City.LAIBIN)
    record = spot.sample()
    SamplingRecord.objects.filter(pk=record.pk).update(manufacturer=maker)

    def run(sql, *params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    refused(lambda: run("DELETE FROM accounts_organisation WHERE id = %s", maker.pk))
    refused(lambda: run("DELETE FROM inspections_samplingtask WHERE id = %s", spot.task.pk))
    refused(lambda: run("UPDATE inspections_inspectionplan SET id = %s WHERE id = %s", MISSING, spot.plan.pk))
    with transaction.atomic():
        run("DELETE FROM accounts_organisation WHERE id = %s", unused.pk)
        run("UPDATE accounts_organisation SET name = name || '（更名）' WHERE id = %s", maker.pk)
    record.refresh_from_db()
    assert record.manufacturer_id == maker.pk


def bare_record() -> SamplingRecord:
    """A record under a new plan, made without the desk's fixtures: in a transactional test they are gone (an
    earlier transactional test's flush removed the service lines they need)."""
    plan = InspectionPlan.objects.create(name="2026年柳州市螺蛳粉专项抽查", year=2026, kind=PlanKind.SPECIAL)
    return SamplingRecord.objects.create(number=f"T{uuid.uuid4().hex[:12]}", plan=plan, plan_kind=plan.kind,
                                         city=City.LIUZHOU, sampling_date=dt.date(2026, 8, 20),
                                         manufacturer_name="柳州市鱼峰区示例米粉厂", product_name="袋装螺蛳粉",
                                         dedup_key=uuid.uuid4())


@pytest.mark.django_db(transaction=True)
def test_an_update_that_leaves_the_references_alone_locks_nothing():
    """As with a foreign key: a record's status can change while another transaction holds its plan (a plan
    action locks it FOR UPDATE); only a change of the reference itself waits for it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    record = bare_record()
    other_plan = InspectionPlan.objects.create(name="2026年柳州市米粉专项抽查", year=2026, kind=PlanKind.SPECIAL)
    holder = connections.create_connection("default")
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM inspections_inspectionplan WHERE id = %s FOR UPDATE", [record.plan_id])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        SamplingRecord.objects.filter(pk=record.pk).update(status="tested", remarks="复核")  # its plan is held
        SamplingRecord.objects.filter(pk=record.pk).update(plan=other_plan)
        with pytest.raises(OperationalError, match="lock timeout"):
            SamplingRecord.objects.filter(pk=record.pk).update(plan_id=record.plan_id)
    finally:
        holder.rollback()
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    record.refresh_from_db()
    assert (record.status, record.plan, record.remarks) == ("tested", other_plan, "复核")


@pytest.mark.django_db(transaction=True)
def test_a_row_referred_to_by_an_open_transaction_cannot_be_deleted_until_it_ends():
    """The checks lock what they find (FOR KEY SHARE), as a foreign key's would: a delete waits for the writing
    transaction, then finds the new reference and is refused."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    maker = Organisation.objects.create(kind=OrgKind.ENTERPRISE, name="柳州市鱼峰区示例米粉厂", city=City.LIUZHOU)
    record = bare_record()
    linked, release, failures = threading.Event(), threading.Event(), []

    def link():
        try:
            with transaction.atomic():
                SamplingRecord.objects.filter(pk=record.pk).update(manufacturer=maker)
                linked.set()
                release.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            linked.set()
            connection.close()

    writer = threading.Thread(target=link)
    writer.start()
    assert linked.wait(10)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            with pytest.raises(OperationalError, match="lock timeout"):  # waits for the writer
                cursor.execute("DELETE FROM accounts_organisation WHERE id = %s", [maker.pk])
            release.set()
            writer.join(10)
            assert not failures
            with pytest.raises(IntegrityError):
                cursor.execute("DELETE FROM accounts_organisation WHERE id = %s", [maker.pk])
    finally:
        release.set()
        other.close()
    record.refresh_from_db()
    assert record.manufacturer_id == maker.pk
