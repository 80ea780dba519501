"""CoopESS settings, driven by environment variables (django-environ).

Three environments, chosen by ``COOPESS_ENV``:

- ``production`` (the default): every safety on. ``SECRET_KEY`` and ``ALLOWED_HOSTS`` must be
  set; cookies are secure, HSTS is sent, staff must use a second factor (TOTP).
- ``development``: what ``make run`` uses. Local secret key, demo mode (banner, readable
  mailbox, staff may skip TOTP), SQLite and local files unless told otherwise.
- ``test``: what the test suite uses.

``DATABASE_URL`` selects the database (SQLite in ``var/`` by default, PostgreSQL in
production). Operators' messages are in English; what a visitor reads is in French.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

COOPESS_ENV = env.str("COOPESS_ENV", default="production")
if COOPESS_ENV not in {"production", "development", "test"}:
    raise ImproperlyConfigured(
        f"COOPESS_ENV must be production, development or test, not {COOPESS_ENV!r}."
    )
IS_PRODUCTION = COOPESS_ENV == "production"

DEBUG = env.bool("DEBUG", default=False)

if IS_PRODUCTION:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
    except ImproperlyConfigured:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production CoopESS refuses to start without a secret "
            "key: set the SECRET_KEY environment variable (50+ random characters), or set "
            "COOPESS_ENV=development for a local demo."
        ) from None
else:
    SECRET_KEY = env.str("SECRET_KEY", default="coopess-insecure-development-key-" + "x" * 32)

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Demo mode: banner, emails readable in the browser, staff may skip TOTP.
COOPESS_DEMO = env.bool("COOPESS_DEMO", default=COOPESS_ENV == "development")
# Staff roles must use a second factor. On by default; off only in the demo.
COOPESS_REQUIRE_STAFF_MFA = env.bool("COOPESS_REQUIRE_STAFF_MFA", default=not COOPESS_DEMO)
COOPESS_SITE_NAME = env.str("COOPESS_SITE_NAME", default="CoopESS")
COOPESS_BASE_URL = env.str("COOPESS_BASE_URL", default="http://127.0.0.1:8000")
# how long the funders' indicators of one scope stay computed (seconds; 0: always recompute)
COOPESS_REPORT_CACHE_SECONDS = env.int("COOPESS_REPORT_CACHE_SECONDS", default=300)
# API (coopess/api): requests per window and token; hosts webhooks may reach although they
# resolve to a private address (the demo receiver on this machine; tests)
COOPESS_API_RATE = env.int("COOPESS_API_RATE", default=120)
COOPESS_API_RATE_WINDOW = env.int("COOPESS_API_RATE_WINDOW", default=60)
COOPESS_WEBHOOK_ALLOWED_HOSTS = env.list(
    "COOPESS_WEBHOOK_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if COOPESS_DEMO else []
)

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "coopess.common",
    "coopess.accounts",
    "coopess.calls",
    "coopess.structures",
    "coopess.applications",
    "coopess.selection",
    "coopess.diagnostic",
    "coopess.reporting",
    "coopess.support",
    "coopess.competition",
    "coopess.finder",
    "coopess.followups",
    "coopess.privacy",
    "coopess.notifications",
    "coopess.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coopess.common.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "coopess.accounts.middleware.StaffMFAMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "coopess" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coopess.common.context_processors.site",
                "coopess.notifications.context_processors.unread",
            ],
            "builtins": ["coopess.common.templatetags.coopess"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'coopess.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by every process (rate limits, public pages), in the database by default ---
CACHES = {
    "default": env.cache(
        "CACHE_URL",
        default="dbcache://coopess_cache" if COOPESS_ENV != "test" else "locmemcache://",
    )
}

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_request_login_code"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "home:index"

ACCOUNT_ADAPTER = "coopess.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "coopess.accounts.forms.PasswordLoginForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]  # no password: representatives sign in by code
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CoopESS] "
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "request_login_code": "10/m/ip,3/m/key",
    "confirm_email": "3/m/key",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = COOPESS_SITE_NAME

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "coopess" / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Uploaded files: on the local disk (MEDIA_ROOT, the default) or in a private bucket of an
# S3-compatible object store (MEDIA_STORAGE=s3). Either way they are never served by URL: the
# permission-checked views read them through the storage (coopess.common.uploads).
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local").strip().lower()
if MEDIA_STORAGE == "local":
    MEDIA_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    _bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="").strip()
    if not _bucket:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE=s3 but AWS_STORAGE_BUCKET_NAME is not set. Set it to the name of the "
            "(private) bucket that holds the uploaded files, together with AWS_S3_ENDPOINT_URL "
            "(for a provider other than Amazon), AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY; or set MEDIA_STORAGE=local to keep files in MEDIA_ROOT."
        )
    MEDIA_STORAGE_BACKEND = {
        "BACKEND": "coopess.common.storage.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            # Empty: Amazon S3 itself; otherwise the provider's endpoint (https://…).
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            # Empty: boto3's own chain (instance role, ~/.aws/credentials).
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            # "path" for MinIO, Garage and most self-hosted stores; empty: boto3 decides.
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            # A key prefix inside the bucket (several instances may share one bucket).
            "location": env.str("AWS_LOCATION", default="").strip("/"),
            # Every object is private. Empty only for a bucket whose ACLs are disabled
            # ("bucket owner enforced"), which refuses any ACL header.
            "default_acl": env.str("AWS_DEFAULT_ACL", default="private") or None,
            # No signed URL is ever produced: a URL would bypass the permission checks.
            "querystring_auth": False,
            # Names are unguessable and unique: never replace an existing object silently.
            "file_overwrite": False,
            "signature_version": "s3v4",
            # A file read back for a download is kept in memory up to 2.5 MB, then on disk.
            "max_memory_size": 2_621_440,
        },
    }
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, not {MEDIA_STORAGE!r}.")
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = not IS_PRODUCTION

# --- Email and background tasks -------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CoopESS <ne-pas-repondre@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if COOPESS_DEMO:
    # Every email is kept in the database (readable on /demo/courriels/) and printed.
    EMAIL_BACKEND = "coopess.common.mail.DemoMailboxBackend"
else:
    EMAIL_CONFIG = env.email("EMAIL_URL", default="smtp://localhost:25")
    vars().update(EMAIL_CONFIG)

# Public directory of companies (API Recherche d'entreprises): short timeout, degraded mode.
SIRENE_API_URL = env.str(
    "SIRENE_API_URL", default="https://recherche-entreprises.api.gouv.fr/search"
)
SIRENE_API_TIMEOUT = env.float("SIRENE_API_TIMEOUT", default=3.0)
# Uploads: Django keeps up to 2.5 MB in memory, larger files go to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Security -------------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "coopess.common.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_NAME = "__Secure-sessionid"
    CSRF_COOKIE_NAME = "__Secure-csrftoken"

# --- Logging: operators read English --------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Tests ----------------------------------------------------------------------------------
if COOPESS_ENV == "test":
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # A file, not memory, so that threads (concurrency tests, live server) share it; one per
        # process, so that two test runs never share one.
        import os
        import tempfile

        DATABASES["default"]["TEST"] = {
            "NAME": os.path.join(tempfile.gettempdir(), f"coopess-test-{os.getpid()}.sqlite3")
        }
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "INVALID_TEMPLATE_VARIABLE<%s>"
    MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "test-media")

# A covering index (INCLUDE columns) speeds up the funders' indicators on PostgreSQL; SQLite
# builds it without the extra columns, which is fine for the embedded default.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
