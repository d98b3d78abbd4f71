"""Django settings, all driven by the environment (see config/env.py and docs/settings.md)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config.env import (
    ImproperSetting,
    env_bool,
    env_header,
    env_int,
    env_list,
    env_str,
    parse_cache_url,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)
_INSECURE_DEV_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_DEV_KEY if DEBUG else None)
if not DEBUG and SECRET_KEY == _INSECURE_DEV_KEY:
    raise ImproperSetting("SECRET_KEY must be set to a real secret when DEBUG is off")
if len(SECRET_KEY) < 32:
    raise ImproperSetting("SECRET_KEY must be at least 32 characters long")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "ninja",  # serves the API docs page's JS/CSS locally instead of from a CDN
    "simple_history",
    "axes",
    "core",
    "accounts",
    "geo",
    "taxonomy",
    "companies",
    "partners",
    "events",
    "projects",
    "evidence",
    "ingest",
    "analytics",
    "reports",
    "workspace",
    "django_tasks",
    "django_tasks_db",
    "jobs",
]

# One chain for every request. The core.middleware subclasses of the browser-only middleware
# (sessions, CSRF, session authentication, messages, htmx) let an API request with a bearer
# token pass straight through (docs/security.md, "Token requests skip the browser-only
# middleware"). django-axes does nothing unless its login check flagged the request.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.CsrfViewMiddleware",
    "core.middleware.AuthenticationMiddleware",
    "core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.HtmxMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The client's address (core.http.client_ip): the connecting address, unless the app sits
# behind TRUSTED_PROXY_COUNT reverse proxies that each append to CLIENT_IP_HEADER (nginx:
# `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`). Only then is the header
# read, and only its entries written by those proxies; the proxies must also set
# X-Forwarded-Proto, from which Django learns that the request came by https.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
CLIENT_IP_HEADER = env_header("CLIENT_IP_HEADER", "X-Forwarded-For")
CLIENT_IP_META_KEY = "HTTP_" + CLIENT_IP_HEADER.upper().replace("-", "_")
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login throttling: lock a username + client address pair after repeated failures (so one
# office behind one address is not locked out by one user's typos, and a guesser cannot
# lock everyone), 429 with Retry-After while locked (accounts.views.locked_out).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.http.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    }
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", "sqlite:///var/zhaoshang.sqlite3"), base_dir=BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The API throttle counts in the default cache: per process unless CACHE_URL names a shared
# one (redis://), see docs/security.md.
CACHES = {"default": parse_cache_url(env_str("CACHE_URL", ""))}
# Long work runs as tasks (docs/architecture.md, "Long work runs as tasks"): queued in the
# database and run by `zhaoshang db_worker`. TASKS_BACKEND may name another backend of the same
# API (django_tasks.backends.immediate.ImmediateBackend runs a task inside the request).
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Jobs of one kind a user may have queued or running at once; more are refused (429 in the API).
JOBS_PER_USER = env_int("JOBS_PER_USER", 2, minimum=1)
# Server-side prepared statements for the API's hot queries on PostgreSQL (core.sqlcache);
# off for connection poolers that cannot keep them (PgBouncer in transaction mode).
PG_PREPARED_STATEMENTS = env_bool("PG_PREPARED_STATEMENTS", True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Stored files are never served from the media folder: MEDIA_URL is the view that checks
# who may download each one (core/files.py), and FILE_SERVING says who sends the bytes.
MEDIA_URL = "files/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
FILE_SERVING = env_str("FILE_SERVING", "django")
if FILE_SERVING not in ("django", "nginx", "sendfile"):
    raise ImproperSetting(f"FILE_SERVING must be django, nginx or sendfile; got {FILE_SERVING!r}")
# The nginx location (marked `internal`) that X-Accel-Redirect points into; see README.md.
FILE_ACCEL_LOCATION = env_str("FILE_ACCEL_LOCATION", "/protected-files/")
if not FILE_ACCEL_LOCATION.startswith("/"):
    raise ImproperSetting(f"FILE_ACCEL_LOCATION must start with /; got {FILE_ACCEL_LOCATION!r}")
# Upload limits in MB, checked before a file is stored; past the larger one an upload is no
# longer written to the temporary folder either.
ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 25, minimum=1)
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 50, minimum=1)
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "core.files.CappedUploadHandler",
]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# The Django admin's address: something other than the well-known /admin/ keeps scanners
# off its login page (it still needs a staff account).
ADMIN_URL = env_str("ADMIN_URL", "admin/")
if not re.fullmatch(r"(?:[A-Za-z0-9._-]+/)+", ADMIN_URL) or ADMIN_URL.split("/")[0] in {
    "api", "accounts", "i18n", "projects", "companies", "events", "partners", "review",
    "data", "cockpit", "reports", "search", "static", "media",
}:  # fmt: skip
    raise ImproperSetting(
        f"ADMIN_URL must be a path such as manage-7f3a/ (ending in /, not an app's); "
        f"got {ADMIN_URL!r}"
    )

# Security: secure cookies whenever we are not in local debug mode.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
# HSTS on https responses, only in production (a local http server must not pin the
# browser to https): a year by default, subdomains included, not preloaded unless asked.
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
# Content-Security-Policy of every page (core.middleware.ContentSecurityPolicyMiddleware):
# scripts only from this site's static files, no inline script or handler, no plugins, no
# framing; a response that sets its own policy (an attachment) keeps it.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)

# The largest request body read into memory (JSON and form fields, not uploaded files);
# beyond it the API answers 413 in its envelope and pages a 413 page.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 25 * 1024 * 1024, minimum=1024)

# Staleness thresholds in days (domain.md: yellow after 2 months, red after 3).
STALE_YELLOW_DAYS = env_int("STALE_YELLOW_DAYS", 60, minimum=1)
STALE_RED_DAYS = env_int("STALE_RED_DAYS", 90, minimum=1)

# Spreadsheet imports (docs/import.md): the most data rows one file may hold, and the batch
# size above which rows are written in bulk instead of one by one through the services.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000, minimum=1)
# Checked before a file is read (ingest/spreadsheet/limits.py), so that a small crafted file
# cannot take gigabytes: what an XLSX or ODS may unpack to (a 200,000-row, 16-column ledger
# written by openpyxl unpacks to 195 MB) and how far one member may be compressed; the
# widest sheet; rows × columns of the sheet as read, and all merged ranges together.
IMPORT_MAX_UNZIPPED_MB = env_int("IMPORT_MAX_UNZIPPED_MB", 300, minimum=1)
IMPORT_MAX_ZIP_RATIO = env_int("IMPORT_MAX_ZIP_RATIO", 200, minimum=10)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 1024, minimum=16)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 10_000_000, minimum=10_000)
IMPORT_BULK_THRESHOLD = env_int("IMPORT_BULK_THRESHOLD", 500, minimum=0)

# PDF bulletins are laid out by WeasyPrint inside the request: at most this many at once per
# user and per host; beyond that 429 with Retry-After (reports/slots.py).
PDF_RENDERS_PER_USER = env_int("PDF_RENDERS_PER_USER", 1, minimum=1)
PDF_RENDERS_TOTAL = env_int("PDF_RENDERS_TOTAL", 2, minimum=1)
RENDER_LOCK_DIR = Path(env_str("RENDER_LOCK_DIR", str(VAR_DIR / "locks")))

SITE_TITLE = _("招商项目管理")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
