"""Background tasks of the service desk (django-tasks; run by `nqi worker`)."""

from django_tasks import task

from . import actions


@task()
def run_sla_task():
    return actions.run_sla()
