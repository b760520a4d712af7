"""Background tasks of the inspections app (django-tasks; run by `nqi worker`)."""

from django.utils import translation
from django_tasks import task

from . import actions, importer
from .models import ImportJob


@task()
def run_import_task(job_id: int, language: str | None = None):
    """Run an uploaded import; `language` is the uploader's, so the row errors and the report come in it."""
    job = ImportJob.objects.get(pk=job_id)
    with translation.override(language or None):
        importer.run_job(job)
    return {"status": job.status, "inserted": job.inserted}


@task()
def run_deadlines_task():
    return actions.run_deadlines()
