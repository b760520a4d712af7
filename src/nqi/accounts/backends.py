"""Django's model backend, loading the user's organisation with the user on every request: scoping reads it."""

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        user = (self.get_user_model()._default_manager.select_related("organisation")
                .filter(pk=user_id).first())
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def get_user_model():
        from django.contrib.auth import get_user_model

        return get_user_model()
