import pytest
from django.utils import translation

from nqi import testing
from nqi.accounts.choices import RegulatorLevel
from nqi.core import workdays
from nqi.core.choices import City


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # The production hasher is slow on purpose; tests create dozens of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Routing trains lazily on first use; in tests a small synthetic history keeps that fast, and each test's
    # fresh database must be noticed at once by the per-process model cache.
    settings.NQI_ROUTING_MIN_SAMPLES = 400
    settings.NQI_ROUTING_REFRESH_SECONDS = 0
    workdays.clear_cache()
    # A request in English leaves English active in this thread (LocaleMiddleware activates, nothing resets):
    # every test starts in the platform's default language.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
    workdays.clear_cache()


@pytest.fixture
def desk(db):
    """A small Liuzhou: one enterprise, one provider with an expert, the city and region regulators,
    and a second tenant of each kind in Guilin to prove isolation."""

    class Desk:
        pass

    d = Desk()
    d.enterprise, d.enterprise_user = testing.make_enterprise(City.LIUZHOU)
    d.provider, d.provider_user, d.items = testing.make_provider(City.LIUZHOU, lines=("testing", "metrology"))
    d.expert = testing.make_expert("testing", org=d.provider)
    d.regulator = testing.make_regulator(City.LIUZHOU)
    d.region = testing.make_regulator(City.NANNING, RegulatorLevel.REGION)
    d.other_enterprise, d.other_enterprise_user = testing.make_enterprise(City.GUILIN, name="桂林测试米粉厂")
    d.other_provider, d.other_provider_user, _ = testing.make_provider(City.GUILIN, name="桂林测试检测院")
    d.other_regulator = testing.make_regulator(City.GUILIN)
    return d
