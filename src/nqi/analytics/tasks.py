"""Background tasks of the analytics app (django-tasks; run by `nqi worker`)."""

from django_tasks import task

from . import monitoring


@task()
def refresh_cusum_task():
    log = monitoring.refresh()
    return {"groups": log.groups, "alarms": log.alarms, "seconds": log.seconds}
