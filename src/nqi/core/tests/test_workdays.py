import datetime as dt

import pytest
from django.utils import timezone

from nqi.core import workdays
from nqi.core.models import Holiday


def at(y, m, d, h=10):
    return timezone.make_aware(dt.datetime(y, m, d, h))


def test_deadline_skips_national_day_week():
    # 2026-09-30 is the last working day before the National Day holiday (Oct 1-7).
    deadline = workdays.deadline_after(at(2026, 9, 30), 2)
    assert timezone.localtime(deadline.due).date() == dt.date(2026, 10, 9)
    assert not deadline.fallback


def test_makeup_saturday_counts_as_working_day():
    # Saturday 2026-10-10 is a 调休 working day.
    assert workdays.is_working_day(dt.date(2026, 10, 10))
    day, _ = workdays.add_working_days(dt.date(2026, 9, 30), 3)
    assert day == dt.date(2026, 10, 10)


def test_working_days_between_counts_only_working_days():
    assert workdays.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 9)) == 2
    assert workdays.working_days_between(dt.date(2026, 10, 9), dt.date(2026, 9, 30)) == -2


def test_unknown_year_falls_back_to_weekends_and_says_so(db):
    deadline = workdays.deadline_after(at(2026, 12, 31), 1)
    # 2027-01-01 is not known to the package: plain weekdays, flagged.
    assert timezone.localtime(deadline.due).date() == dt.date(2027, 1, 1)
    assert deadline.fallback


@pytest.mark.django_db
def test_admin_holiday_table_overrides_fallback():
    Holiday.objects.create(date=dt.date(2027, 1, 1), name="元旦", is_working_day=False)
    deadline = workdays.deadline_after(at(2026, 12, 31), 1)
    assert timezone.localtime(deadline.due).date() == dt.date(2027, 1, 4)  # Fri holiday, weekend, Monday
    # Monday itself is judged by the weekend fallback, so the flag stays honest.
    assert deadline.fallback


@pytest.mark.django_db
def test_holiday_table_can_make_a_weekend_day_working():
    Holiday.objects.create(date=dt.date(2027, 1, 2), name="调休", is_working_day=True)
    assert workdays.is_working_day(dt.date(2027, 1, 2))
