"""Settings, all from environment variables (see .env.example).

With nothing set, the product runs embedded: SQLite in ./db.sqlite3, Celery tasks executed
in-process, emails printed to the console. DATABASE_URL and CELERY_BROKER_URL switch to
PostgreSQL and a real broker.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "False") -> bool:
    """A yes/no setting: 1/0, true/false, yes/no or on/off, in any case; unset or empty means
    the default. Anything else stops the start: a typo in SECURE_HTTPS must not quietly turn
    the HTTPS protections off."""
    raw = os.getenv(name)
    word = (default if raw is None or not raw.strip() else raw).strip().lower()
    if word in {"1", "true", "yes", "on"}:
        return True
    if word in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value: use 1/0, true/false, yes/no or on/off."
    )


def envint(name: str, default: int) -> int:
    return int(os.getenv(name) or default)


def local_secret_key(path: Path) -> str:
    if not path.exists():
        from secrets import token_urlsafe

        path.write_text(token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "False")
DATABASE_URL = os.getenv("DATABASE_URL", "")
# The embedded default (no DATABASE_URL) keeps a generated key in a local file, so one machine
# runs with no configuration; a production database requires SECRET_KEY from the environment.
SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if DATABASE_URL and not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is set.")
    SECRET_KEY = local_secret_key(BASE_DIR / ".secret_key")
# Earlier keys, still accepted: answers of an open wave wait encrypted under a key derived from
# SECRET_KEY, so keep the old key here after a rotation until every open wave is sealed.
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
# The address employees' survey links point to.
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Before admin, so translated fields get their per-language inputs there too.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "core",
    "surveys",
    "analytics",
    "culturesurvey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A request the database cannot serve for a moment (a restart, a failover) gets a 503 with
    # Retry-After, never a 500: from a view, or from saving its session afterwards.
    "culturesurvey.middleware.DatabaseUnavailableMiddleware",
    "culturesurvey.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "culturesurvey.middleware.StaffLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "culturesurvey.middleware.SecurityHeadersMiddleware",
    # Last: it watches the outcome of sign-in attempts.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "culturesurvey.urls"
WSGI_APPLICATION = "culturesurvey.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Bind parameters on the server, so psycopg prepares a statement once it has run
    # `prepare_threshold` times on a connection (persistent connections keep them): the token
    # lookup and the accept of survey day are parsed and planned once, not per answer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves one machine; WAL and a busy timeout keep the demo's
    # in-process tasks and requests from tripping over each other.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        # secure_delete: a pending answer deleted once sealed is zeroed in the file, not left
        # readable in a free page.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in is protected against guessing: after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is locked out for AXES_COOLOFF_HOURS.
# Passwords are refused for members of an organization that signs in with single sign-on only
# (surveys.auth); the OpenID Connect backend does nothing while SSO is not configured.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    "surveys.auth.PasswordBackend",
    "culturesurvey.sso.SsoBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_IPWARE_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0) or None
AXES_VERBOSE = False
# A refused single sign-on is the provider's business, not a guessed password: never a lock-out.
AXES_WHITELIST_CALLABLE = "culturesurvey.sso.axes_not_a_password"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on for HR admins and leaders with OpenID Connect (mozilla-django-oidc), off until a
# client id and the provider (its issuer, or its endpoints) are set. Employees never use it.
OIDC_RP_CLIENT_ID = os.getenv("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.getenv("OIDC_CLIENT_SECRET", "")
# With the issuer alone, the endpoints come from its /.well-known/openid-configuration; an
# endpoint set here wins over the discovered one.
OIDC_OP_ISSUER = os.getenv("OIDC_ISSUER", "").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.getenv("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.getenv("OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.getenv("OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.getenv("OIDC_JWKS_ENDPOINT", "")
OIDC_OP_END_SESSION_ENDPOINT = os.getenv("OIDC_END_SESSION_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.getenv("OIDC_SIGN_ALGORITHM", "RS256")
OIDC_RP_SCOPES = os.getenv("OIDC_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = os.getenv("OIDC_PROVIDER_NAME", "")
OIDC_TIMEOUT = envint("OIDC_TIMEOUT_SECONDS", 10)
OIDC_USE_PKCE = envbool("OIDC_USE_PKCE", "True")
# Signing out after single sign-on also signs out of the provider, where it offers that.
OIDC_PROVIDER_SIGN_OUT = envbool("OIDC_PROVIDER_SIGN_OUT", "True")
# Optional: provider groups that grant a role in one organization (see docs/operations.md).
OIDC_GROUPS_CLAIM = os.getenv("OIDC_GROUPS_CLAIM", "groups")
OIDC_GROUP_ROLES = os.getenv("OIDC_GROUP_ROLES", "")
OIDC_GROUP_ORGANIZATION = os.getenv("OIDC_GROUP_ORGANIZATION", "")
if OIDC_GROUP_ROLES and not OIDC_GROUP_ORGANIZATION:
    raise ImproperlyConfigured(
        "OIDC_GROUP_ROLES needs OIDC_GROUP_ORGANIZATION: the slug of the organization the "
        "groups give roles in."
    )
# A mapping that grants something nobody meant stops the start (surveys.models.Role's values).
for _pair in envlist("OIDC_GROUP_ROLES"):
    _group, _, _role = (piece.strip() for piece in _pair.partition("="))
    if not _group or _role not in ("hr_admin", "leader"):
        raise ImproperlyConfigured(
            f"OIDC_GROUP_ROLES: {_pair!r} is not group=role with a role among hr_admin, leader."
        )
# No account is made for an address nobody invited (unless a configured group grants a role).
OIDC_CREATE_USER = False
OIDC_STORE_ID_TOKEN = True  # for the provider's sign-out (RP-initiated logout)

LANGUAGE_CODE = "en"
# The interface's languages; also the languages HR can translate values, questions and intros
# into, and the languages an employee can be asked in. Each is named in its own language, so a
# reader finds theirs whatever the page is in.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# django-modeltranslation: a translated field (`text`) reads the active language's column
# (`text_de`) and falls back to the column of the default language. The organization's own
# default language is handled by `surveys.translations`, which reads the columns directly.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "de", "fr", "es")
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production images run collectstatic and set STATIC_MANIFEST=1 (hashed, compressed files);
# the embedded default serves straight from the source folders.
STATIC_MANIFEST = envbool("STATIC_MANIFEST", "False")
STATIC_ROOT = os.getenv("STATIC_ROOT") or (BASE_DIR / "staticfiles" if STATIC_MANIFEST else None)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# Email: console by default (the demo prints invitations), SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
EMAIL_BACKEND = os.getenv(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "True")
EMAIL_FILE_PATH = os.getenv("EMAIL_FILE_PATH", str(BASE_DIR / "sent-emails"))
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "culturesurvey <surveys@localhost>")

# Celery: an empty broker URL means tasks run in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not os.getenv("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.getenv("CELERY_BROKER_URL") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.getenv("CELERY_RESULT_BACKEND") or None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Tasks are idempotent, so a job lost with its worker is safely delivered again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 660)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A job whose worker died is redelivered once the visibility timeout has passed; the broker
# looks for such jobs every interval × throttle seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_interval": envint("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": envint("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "surveys.apis.auth.OrganizationTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.apis.parsers.SafeJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.apis.base.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["surveys.apis.base.IntegrationRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "integration": os.getenv("API_RATE", "1200/minute"),
        "survey": os.getenv("SURVEY_API_RATE", "60/minute"),
    },
    "EXCEPTION_HANDLER": "core.apis.errors.exception_handler",
    # The client address behind TRUSTED_PROXY_COUNT proxies; 0 trusts no X-Forwarded-For.
    "NUM_PROXIES": envint("TRUSTED_PROXY_COUNT", 0),
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "culturesurvey API",
    "DESCRIPTION": (
        "Anonymous culture-alignment surveys and leadership gap reports. Sign in with a "
        "browser session or an organization's API token (Authorization: Bearer cs_…). "
        "Survey submission takes the survey token only. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.apis.schema.add_common_responses",
    ],
}

# How long a rendered gap report (its body, for one snapshot, scope and language) is reused.
REPORT_CACHE_SECONDS = envint("REPORT_CACHE_SECONDS", 300)

# The default cache holds rate-limit counters and rendered gap reports: in each process's memory
# unless CACHE_URL points at Redis, which several web processes need to share them
# (docker-compose.yml sets it). Rate limits let requests through and report pages render afresh
# while Redis is unreachable; the short timeouts keep an unanswering Redis from holding a request.
CACHE_URL = os.getenv("CACHE_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
}

# Security: secure cookies and HSTS whenever the site is served over HTTPS.
SECURE_HTTPS = envbool("SECURE_HTTPS", "False")
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_HSTS_SECONDS = 31536000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Every handler carries the token mask. Django's own defaults would otherwise still apply:
# django.server's handler is dropped when LOGGING names the logger (and the logger does not
# propagate, so its lines fell through to logging's unmasked last resort), and the "django"
# logger's console handler (DEBUG) and mail_admins handler write request paths unmasked.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_tokens": {"()": "core.logging.MaskSurveyTokens"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_tokens"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.request": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "weasyprint": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # In-process tasks would log every run at INFO; a worker's own log is where they belong.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}
