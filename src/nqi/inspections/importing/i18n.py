"""Translation for the import parser's messages (row errors, header problems, file errors, labels).

Messages are translated where they are produced, into the active language. The request, the
`nqi inspections import` command, the background worker and the importer's forked child carry it; a
thread started to read records ahead does not, so `ImportParser` remembers the language it was made in
and reads its rows under `language_override`. Without a set-up Django (the standalone parse benchmark)
the Chinese source text is used as is.
"""

from __future__ import annotations

import contextlib

from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext_noop

__all__ = ["active_language", "gettext", "gettext_noop", "language_override"]


def gettext(message: str) -> str:
    """Django's gettext (always a plain str), or the message itself before Django is set up."""
    return translation.gettext(message) if apps.ready else message


def active_language() -> str | None:
    return translation.get_language() if apps.ready else None


def language_override(language: str | None) -> contextlib.AbstractContextManager:
    """Activate `language` for the block, unless it is already active (or unknown): then do nothing."""
    if language is None or language == active_language():
        return contextlib.nullcontext()
    return translation.override(language)
