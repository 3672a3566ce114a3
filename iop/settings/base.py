"""Settings shared by every environment. Everything that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-local-only-key-do-not-use-in-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here, not a CDN
    "csp",
    "django_filters",
    "django_celery_beat",
    "django_htmx",
    "template_partials",
    # Ours
    "iop.apps.IopConfig",
    "scheduling.apps.SchedulingConfig",
    "groups.apps.GroupsConfig",
    "therapy.apps.TherapyConfig",
    "family.apps.FamilyConfig",
    "progress.apps.ProgressConfig",
    "aftercare.apps.AftercareConfig",
    # Above the features: they consolidate what the features record.
    "billing.apps.BillingConfig",
    "reports.apps.ReportsConfig",
    "interop.apps.InteropConfig",
]

MIDDLEWARE = [
    # /livez, /healthz, /readyz: answered before everything else (iop/health.py says why).
    "iop.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "iop.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "iop.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "iop.middleware.IdleLogoffMiddleware",
    "iop.middleware.ClinicMiddleware",
    "iop.middleware.RequireMfaMiddleware",
]

ROOT_URLCONF = "iop.urls"
WSGI_APPLICATION = "iop.wsgi.application"
ASGI_APPLICATION = "iop.asgi.application"

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
                "iop.context_processors.clinic",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# --- Browser security headers --------------------------------------------------------------
# No inline script anywhere: every script is a file under static/ (a test greps templates/ for
# inline <script> and on…= handlers), so an injected <script> or handler does not run. Styles
# are files too: htmx's injected indicator <style> is turned off (templates/base.html) and its
# rule lives in app.css. img-src allows data: for the TOTP set-up's QR code, which allauth
# renders as a data: URI, and Swagger UI's icons.
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
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
# Powerful browser features nobody here needs, off for this site and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "bluetooth", "camera", "display-capture",
        "encrypted-media", "geolocation", "gyroscope", "hid", "magnetometer", "microphone",
        "midi", "payment", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip

# --- Database -------------------------------------------------------------------------------
# The app connects as a role that is neither superuser nor BYPASSRLS: row-level security
# is the second wall between clinics (DESIGN.md §3). `make run` / `make test` provide the URL.
DATABASE_URL = env("DATABASE_URL", "postgres://iop:iop@127.0.0.1:54329/iop")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"].setdefault("OPTIONS", {})
if env_bool("DATABASE_POOL", True):
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": int(env("DATABASE_POOL_MAX", "10")),
        "timeout": 10,
    }
# Behind PgBouncer in transaction mode (DATABASE_PGBOUNCER=1) consecutive transactions of one
# Django connection may run on different server connections. The clinic setting is
# transaction-local already (iop/tenancy.py); what is not: a cursor declared WITH HOLD outside
# a transaction (QuerySet.iterator() in autocommit), which lives on one server connection,
# and named prepared statements, which PgBouncer 1.18 does not carry from one to the next.
# Django turns psycopg's prepare_threshold off unless OPTIONS set it; pinned here so that no
# later OPTIONS change brings them back. tests/iop/test_pooling.py runs the app through it.
DATABASE_PGBOUNCER = env_bool("DATABASE_PGBOUNCER", False)
if DATABASE_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:63799/0")
CACHES = {
    "default": {
        "BACKEND": "iop.cache.RedisCache",  # one client per pool (iop/cache.py)
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "iop",
    }
}

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "iop.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2id for new and changed passwords. The others stay so that existing hashes still
# verify; Django rewrites such a hash with Argon2 the next time its owner signs in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "iop.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
# One address per person; a new one replaces it only once its owner confirms it from the
# mail sent to it (a self-chosen address is never on record, in the audit trail or its
# export, before then).
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Failed sign-ins (and wrong MFA codes) lock the account, not the clinic: a clinic's staff
# often share one public address, so a handful of typos there must not lock out every
# colleague. Per account (the sign-in address): 5 in 5 minutes, 10 in an hour, 20 in a day, so
# the wait grows from minutes to hours as failures go on; a password reset lifts it. Per
# network address: 300 an hour, far above what a busy clinic's typos reach, against one
# machine trying many accounts. The account windows come first: allauth stops at the first
# full window, so attempts on a locked account do not use up the address's allowance.
# Every sign-in, right or wrong, also counts against the address (allauth's "login"; its
# default of 30 a minute is within reach of a shift starting at one front desk).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("LOGIN_RATE_LIMIT", "5/5m/key,10/1h/key,20/1d/key,300/1h/ip"),
    "login": "120/m/ip",
    "reset_password": "5/m/ip,3/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "IOP Clinic")

# Messages can name a patient: keep them server-side, never in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Sessions are read from Redis and written through to PostgreSQL: a page reads its session
# without a database query, and a Redis that lost it (restart, eviction) falls back to the row.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SAMESITE = "Lax"

# --- Mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "IOP <no-reply@localhost>")
# The SMS provider's adapter (iop/messaging.py): a class with send(*, to, text). Empty: no
# text-message reminders. Development prints them (settings/dev.py).
SMS_GATEWAY = env("SMS_GATEWAY", "")
# Session reminders go out this many hours before a session starts (a beat job, every 15 min).
REMINDER_HOURS_AHEAD = int(env("REMINDER_HOURS_AHEAD", "24"))

# --- I18N / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# Patient-facing documents are rendered in the patient's language (iop.languages); the staff
# UI is English and translatable. Catalogs: locale/<code>/LC_MESSAGES (`make messages`).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "iop.api.auth.BearerTokenAuthentication",
        "iop.api.auth.ClinicSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["iop.api.permissions.IsClinicMember"],
    "DEFAULT_PARSER_CLASSES": [
        "iop.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "iop.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "iop.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "iop.api.errors.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env("API_RATE_LIMIT", "600/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IOP clinic API",
    "DESCRIPTION": (
        "REST API of the IOP clinic platform. Authenticate with `Authorization: Bearer <token>`;"
        " a token belongs to one clinic membership, and every object is scoped to that clinic."
    ),
    "VERSION": "1.0.0",
    # Swagger UI from the drf-spectacular-sidecar package ('self' under the CSP), and its
    # start-up script as a file (SpectacularSwaggerSplitView), not inline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Deep links put a link inside each operation's toggle button (nested interactive
    # controls, which axe reports as serious): off.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EnrollmentStatusEnum": "iop.models.care.EnrollmentStatus",
        "InquiryStatusEnum": "iop.models.intake.InquiryStatus",
        "InquiryActionEnum": "iop.api.records.INQUIRY_ACTIONS",
        # --- aftercare ---
        "AftercarePlanStatusEnum": "aftercare.models.PlanStatus",
        "AftercarePdfStatusEnum": "aftercare.models.PdfStatus",
        "FollowUpStatusEnum": "aftercare.models.FollowUpStatus",
        "FollowUpOutcomeEnum": "aftercare.api.FOLLOW_UP_OUTCOMES",
        # --- family app ---
        "FamilyShareCategoryEnum": "family.models.ShareCategory",
        "FamilyDisclosureMethodEnum": "family.models.DisclosureMethod",
        "FamilyParticipantStatusEnum": "family.models.ParticipantStatus",
        "FamilyRelationshipEnum": "family.models.Relationship",
        # --- progress app ---
        "DrugTestReasonEnum": "progress.models.DrugTestReason",
        "DrugTestOrderReasonEnum": "progress.api.ORDERABLE_REASONS",
        "SubstanceEnum": "progress.models.Substance",
        # --- billing app ---
        "ClaimStatusEnum": "billing.models.ClaimStatus",
        "ClaimFileStatusEnum": "billing.models.ClaimFileStatus",
    },
}

# --- Celery (DESIGN.md §6) ------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# Our tasks are idempotent: acknowledge after the work, and hand the message back when a
# worker dies mid-task, so a crash never loses a job.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# WeasyPrint's caches grow a worker by ~50 MiB per 200 renders: pool children are recycled.
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
# Imported by each worker child at start, before its heap is frozen (iop/celery.py).
WORKER_WARM_MODULES = ["aftercare.pdf"]
CELERY_TASK_SOFT_TIME_LIMIT = 5 * 60
CELERY_TASK_TIME_LIMIT = 6 * 60
# A retry is an ETA message the worker holds unacknowledged until it is due: every task caps
# its backoff at 300 s (`retry_backoff_max`, iop/jobs.py, iop/tasks.py, aftercare/tasks.py)
# and none sets a countdown of its own; long waits live in the database, not in ETAs.
# Redis hands an unacknowledged message to another worker once it is older than this. That is
# how a job gets back from a worker killed whole (SIGKILL, OOM, a lost host), where nobody is
# left to reject it. It must outlast the longest a live worker holds a message, or a running
# job runs twice: a retry's wait (300 s) or a wait behind one running task (360 s), plus the
# hard time limit (360 s), at most 720 s. 900 s (15 min) leaves 180 s to spare, and bounds how
# long a killed worker strands a job: 900 s plus one restore sweep (10 s). It was 2 h.
CELERY_VISIBILITY_TIMEOUT = int(env("CELERY_VISIBILITY_TIMEOUT", str(15 * 60)))
# Webhooks (interop): attempts back off base × 2^n seconds (30, 60, 120, 240, 480: each wait
# shorter than the visibility timeout); a subscription pauses after that many failed attempts
# in a row.
WEBHOOK_RETRY_BASE_SECONDS = int(env("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_MAX_ATTEMPTS = int(env("WEBHOOK_MAX_ATTEMPTS", "6"))
WEBHOOK_PAUSE_AFTER = int(env("WEBHOOK_PAUSE_AFTER", "15"))
WEBHOOK_TIMEOUT_SECONDS = int(env("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Deliveries go to public https hosts only (interop/webhooks.py `refused_address`); development
# and the tests, whose receivers listen on 127.0.0.1, allow private and loopback addresses.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
# Bulk FHIR exports (interop): their NDJSON files are served for this many hours.
BULK_EXPORT_EXPIRES_HOURS = int(env("BULK_EXPORT_EXPIRES_HOURS", "24"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Every worker looks for such messages every 10 s; kombu's default scans only every 10th
    # look (100 s), which would add more than the margin above.
    "unacked_restore_interval": int(env("CELERY_UNACKED_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "generate-sessions": {
        "task": "scheduling.tasks.generate_sessions_everywhere",
        "schedule": crontab(hour=2, minute=15),
    },
    "sweep-missed-sessions": {
        "task": "scheduling.tasks.sweep_missed_everywhere",
        "schedule": 10 * 60,
    },
    "clear-expired-sessions": {
        "task": "iop.tasks.clear_expired_sessions",
        "schedule": 60 * 60,
    },
    "fail-stranded-pdfs": {
        "task": "aftercare.fail_stranded_pdfs_everywhere",
        "schedule": 60,
    },
    "send-session-reminders": {
        "task": "scheduling.tasks.send_reminders_everywhere",
        "schedule": 15 * 60,
    },
    # Every 15 minutes: a safety task still open after its clinic's day ended goes to the
    # clinical lead, within a quarter of an hour of that clinic's midnight, whatever its zone.
    "escalate-safety-tasks": {
        "task": "progress.tasks.escalate_safety_tasks_everywhere",
        "schedule": 15 * 60,
    },
    # Hourly: bulk-export files past their download window are deleted.
    "purge-expired-exports": {
        "task": "interop.purge_expired_exports_everywhere",
        "schedule": 60 * 60,
    },
}

# --- Logging: never patient data; request ids tie lines together ---------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "iop.request_meta.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # make run sets WARNING (iop/devservers.py): its ready box stays the last thing shown.
        "celery": {"level": env("WORKER_LOG_LEVEL", "INFO")},
        # WeasyPrint narrates every render, and its font subsetting every glyph table, at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- App ------------------------------------------------------------------------------------
DEMO_PASSWORD = env("DEMO_PASSWORD", "iop-demo-2026!")
# Probes (iop/health.py, iop/heartbeat.py): each worker writes its heartbeat every INTERVAL
# seconds; it expires after TTL (three beats missed); /readyz keeps its answer CACHE seconds.
HEALTH_WORKER_HEARTBEAT_INTERVAL = float(env("HEALTH_WORKER_HEARTBEAT_INTERVAL", "10"))
HEALTH_WORKER_HEARTBEAT_TTL = float(env("HEALTH_WORKER_HEARTBEAT_TTL", "30"))
HEALTH_READY_CACHE_SECONDS = float(env("HEALTH_READY_CACHE_SECONDS", "5"))
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", False)
# Sign-in throttles key on the address the proxy saw (the last X-Forwarded-For entry, which
# the client cannot forge), not on the proxy's own address shared by everyone.
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if USE_X_FORWARDED_FOR else 0
