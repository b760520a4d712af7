"""Errors raised by action functions; views and the API turn them into clear messages (403/409/400)."""

from django.core.exceptions import PermissionDenied


class ActionNotAllowed(PermissionDenied):
    """The actor may not perform this action on this object."""


class InvalidTransition(Exception):
    """The object is not in a state where this action applies."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
