"""Background tasks of the inspections app (django-tasks; run by `nqi worker`)."""

from django_tasks import task

from . import actions, importer
from .models import ImportJob


@task()
def run_import_task(job_id: int):
    job = ImportJob.objects.get(pk=job_id)
    importer.run_job(job)
    return {"status": job.status, "inserted": job.inserted}


@task()
def run_deadlines_task():
    return actions.run_deadlines()
