"""API authentication (kept apart from nqi.core.api, which imports DRF's views: settings load this first)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, loading the user's organisation in the same query: every scoped queryset
    reads it, and the API is mostly used with tokens."""

    def authenticate_credentials(self, key):
        try:
            token = self.get_model().objects.select_related("user__organisation").get(key=key)
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
