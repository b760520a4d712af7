import os
import subprocess
import sys


def _import_wsgi(extra_env):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "NQI_SECRET_KEY", "NQI_DEMO", "NQI_DEBUG")}
    env |= {"DJANGO_SETTINGS_MODULE": "nqi.settings", "DATABASE_URL": "sqlite:///:memory:"} | extra_env
    return subprocess.run([sys.executable, "-c", "import nqi.wsgi"], env=env, capture_output=True, text=True)


def test_production_server_refuses_to_start_without_a_secret_key():
    result = _import_wsgi({})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_server_starts_with_a_key_or_in_demo_mode():
    assert _import_wsgi({"SECRET_KEY": "x" * 50}).returncode == 0
    assert _import_wsgi({"NQI_DEMO": "1"}).returncode == 0
