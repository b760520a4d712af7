import pytest

from nqi.standards.loader import load_standards
from nqi.standards.models import Standard


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The desk fixture creates a dozen users; the production hasher's iterations dominate set-up otherwise.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalog(db):
    """The shipped standards catalog, loaded the way `nqi load_standards` loads it."""
    load_standards()
    return {s.number: s for s in Standard.objects.all()}
