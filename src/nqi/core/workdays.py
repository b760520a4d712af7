"""Working days (工作日) for deadlines: the official calendar, an admin-filled holiday table, then weekends.

The chinese-calendar package knows only the years of its release. For a later year an administrator enters
the State Council's arrangement in the Holiday table; where neither knows a day, weekends are the fallback
and the result says so. A deadline computation never raises.
"""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
from django.utils import timezone


@dataclass(frozen=True)
class Deadline:
    due: dt.datetime
    fallback: bool  # True when some day was judged by weekends only


def _calendar_knows(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=64)
def _table_for_year(year: int) -> dict[dt.date, bool]:
    from .models import Holiday

    try:
        return dict(Holiday.objects.filter(date__year=year).values_list("date", "is_working_day"))
    except Exception:  # table missing during migrations: plain weekends then
        return {}


def clear_cache() -> None:
    _table_for_year.cache_clear()
    day_status.cache_clear()


@lru_cache(maxsize=8192)
def day_status(day: dt.date) -> tuple[bool, bool]:
    """(is_working_day, judged_by_fallback)."""
    table = _table_for_year(day.year)
    if day in table:
        return table[day], False
    if _calendar_knows(day):
        return chinese_calendar.is_workday(day), False
    return day.weekday() < 5, True


def is_working_day(day: dt.date) -> bool:
    return day_status(day)[0]


def add_working_days(start: dt.date, days: int) -> tuple[dt.date, bool]:
    """The date `days` working days after `start` (start itself not counted), and whether a fallback was used."""
    day, fallback, counted = start, False, 0
    while counted < days:
        day += dt.timedelta(days=1)
        working, guessed = day_status(day)
        fallback = fallback or guessed
        counted += working
    return day, fallback


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when end is before start)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(is_working_day(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))


def deadline_after(moment: dt.datetime, days: int) -> Deadline:
    """Due at the end of the `days`-th working day after `moment`, in local time."""
    local = timezone.localtime(moment)
    day, fallback = add_working_days(local.date(), days)
    due = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)), timezone.get_current_timezone())
    return Deadline(due=due, fallback=fallback)
