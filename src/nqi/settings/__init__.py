"""Settings for NQI One-Stop, read from the environment (see README: configuration)."""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent  # src/nqi
PROJECT_DIR = BASE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("NQI_DATA_DIR", Path.cwd() / "data"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("NQI_DEBUG", False)
DEMO = env_bool("NQI_DEMO", False)

SECRET_KEY = os.environ.get("SECRET_KEY") or os.environ.get("NQI_SECRET_KEY")
# Without a configured key, commands (migrate, tests, the demo) get a throwaway one; the WSGI entry point
# (production: gunicorn nqi.wsgi) refuses to serve with it unless NQI_DEBUG or NQI_DEMO is set.
SECRET_KEY_GENERATED = not SECRET_KEY
if SECRET_KEY_GENERATED:
    SECRET_KEY = "dev-insecure-" + secrets.token_urlsafe(32)

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "nqi.core",
    "nqi.accounts",
    "nqi.catalog",
    "nqi.servicedesk",
    "nqi.standards",
    "nqi.search",
    "nqi.routing",
    "nqi.inspections",
    "nqi.analytics",
    "nqi.planning",
    "nqi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "nqi.core.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "nqi.urls"
WSGI_APPLICATION = "nqi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "nqi.core.context_processors.platform",
            ],
        },
    },
]

if not os.environ.get("DATABASE_URL"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'nqi.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("NQI_SQLITE_TEST_NAME") or None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("NQI_STATIC_ROOT", PROJECT_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", PROJECT_DIR / "node_modules")]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads are private: stored outside the static root and served only through a permission-checked view.
MEDIA_ROOT = Path(os.environ.get("NQI_MEDIA_ROOT", DATA_DIR / "uploads"))
NQI_UPLOAD_MAX_BYTES = int(os.environ.get("NQI_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
NQI_UPLOAD_EXTENSIONS = {
    ".pdf": {"application/pdf"},
    ".jpg": {"image/jpeg"},
    ".jpeg": {"image/jpeg"},
    ".png": {"image/png"},
    ".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"},
    ".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"},
    ".txt": {"text/plain"},
    ".csv": {"text/csv", "text/plain"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "NQI One-Stop <noreply@nqi.local>")

# Service desk rules (working days).
NQI_AUTO_CLOSE_WORKING_DAYS = int(os.environ.get("NQI_AUTO_CLOSE_WORKING_DAYS", "5"))
NQI_DUE_SOON_WORKING_DAYS = int(os.environ.get("NQI_DUE_SOON_WORKING_DAYS", "2"))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("NQI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTHENTICATION_BACKENDS = ["nqi.accounts.backends.ModelBackend"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "nqi.core.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "nqi.core.api.StandardPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "nqi.core.api.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "nqi.core.api.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "NQI One-Stop API",
    "DESCRIPTION": "质量基础设施一站式服务平台 REST API (v1)",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set (fields called "kind", "status" or "conclusion" mean different things).
    "ENUM_NAME_OVERRIDES": {
        "OrgKindEnum": "nqi.accounts.choices.OrgKind",
        "RequestKindEnum": "nqi.servicedesk.choices.RequestKind",
        "RequestStatusEnum": "nqi.servicedesk.choices.RequestStatus",
        "StandardKindEnum": "nqi.standards.choices.StandardKind",
        "StandardStatusEnum": "nqi.standards.choices.StandardStatus",
        "PlanKindEnum": "nqi.inspections.choices.PlanKind",
        "PlanStatusEnum": "nqi.inspections.choices.PlanStatus",
        "TaskStatusEnum": "nqi.inspections.choices.TaskStatus",
        "RecordStatusEnum": "nqi.inspections.choices.RecordStatus",
        "ConclusionEnum": "nqi.inspections.choices.Conclusion",
        "DecidedConclusionEnum": "nqi.inspections.api.serializers.CONCLUSIONS",
        "ObjectionStatusEnum": "nqi.inspections.choices.ObjectionStatus",
        "FollowUpStatusEnum": "nqi.inspections.choices.FollowUpStatus",
        "ImportStatusEnum": "nqi.inspections.choices.ImportStatus",
        "SchemeStatusEnum": "nqi.planning.choices.SchemeStatus",
        "CityEnum": "nqi.core.choices.City",
        "ServiceLineEnum": "nqi.core.choices.ServiceLine",
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("NQI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("NQI_LOG_LEVEL", "WARNING")},
}

