"""WSGI entry point (gunicorn nqi.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nqi.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (after setup, as the settings are configured by it)
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

if settings.SECRET_KEY_GENERATED and not (settings.DEBUG or settings.DEMO):
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment to serve NQI One-Stop")
