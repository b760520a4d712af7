"""In-app notifications and email for the events that concern a user."""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from .models import Notification

log = logging.getLogger(__name__)


def notify(recipients, title: str, body: str = "", url: str = "", event: str = "") -> int:
    """Notify each distinct active user once, in-app now and by email after the transaction commits."""
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    if not users:
        return 0
    Notification.objects.bulk_create(
        [Notification(recipient=u, title=title, body=body, url=url, event=event) for u in users.values()]
    )
    emails = [u.email for u in users.values() if u.email]
    if emails:
        message_body = f"{body}\n\n{url}".strip()
        messages = [(f"[NQI一站式] {title}", message_body, settings.DEFAULT_FROM_EMAIL, [e]) for e in emails]
        transaction.on_commit(lambda: _send(messages))
    return len(users)


def _send(messages):
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:  # mail must never break a workflow; the in-app notification is already stored
        log.exception("email notification failed")
