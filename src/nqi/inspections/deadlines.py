"""The periods of the spot-check procedure, in calendar days as SAMR Order No. 18 writes them (15日).

A period counts from the day after the starting day; when its last day is a statutory holiday or a rest day,
the period ends on the next working day (the general rule on periods, e.g. Civil Procedure Law art. 85).
Working days come from nqi.core.workdays (official calendar, the admin holiday table, then weekends), so a
makeup Saturday (调休上班) ends a period on that Saturday.
"""

import datetime as dt

from nqi.core import workdays

from .choices import FollowUpStatus

OBJECTION_DAYS = 15
DEFAULT_CORRECTION_DAYS = 30


def period_end(start: dt.date, days: int) -> tuple[dt.date, bool]:
    """(last day of a `days`-day period starting the day after `start`, whether weekends were guessed)."""
    day = start + dt.timedelta(days=days)
    guessed = False
    for _ in range(60):  # the longest run of rest days in a year is far shorter; never loop forever
        working, fallback = workdays.day_status(day)
        guessed = guessed or fallback
        if working:
            break
        day += dt.timedelta(days=1)
    return day, guessed


def objection_due(received_on: dt.date) -> dt.date:
    """Last day an enterprise may ask for a re-test: 15 days after it received the result."""
    return period_end(received_on, OBJECTION_DAYS)[0]


def correction_due(ordered_on: dt.date, days: int = DEFAULT_CORRECTION_DAYS) -> dt.date:
    return period_end(ordered_on, days)[0]


def overdue_corrections(follow_ups, today: dt.date):
    """The follow-ups (a queryset) still ordered to correct whose deadline has passed: no report came in time."""
    return follow_ups.filter(status=FollowUpStatus.ORDERED, correction_due__lt=today)
