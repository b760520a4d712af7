"""Keep the working-day cache in step with the holiday table."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import workdays
from .models import Holiday


@receiver([post_save, post_delete], sender=Holiday)
def holiday_changed(**kwargs):
    workdays.clear_cache()
