"""Settings, read from environment variables only (see README, "Configuration").

Two modes:
- embedded default (neither DATABASE_URL nor REDIS_URL set): SQLite file in the project
  folder, Celery tasks run in-process, mail printed to the console, static files served from
  static/, a development SECRET_KEY;
- services (DATABASE_URL and/or REDIS_URL set): PostgreSQL, Redis cache and Celery broker,
  SECRET_KEY required.
DEBUG is off in both unless DEBUG=1 is set: the demo shows the Chinese 404/403/500 pages, not
Django's English debug pages that list every URL pattern.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from portal.env import env_bool, env_int, env_list, env_str, env_url
from portal.storage_settings import s3_upload_storage

BASE_DIR = Path(__file__).resolve().parent.parent

DATABASE_URL = env_url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite"))
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
EMBEDDED = DATABASE_URL is None and REDIS_URL is None

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or EMBEDDED):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (at least 50 random characters).")
    SECRET_KEY = "insecure-embedded-development-key-never-use-in-production-0123456789"

# Demo mode shows the demo accounts and their passwords on the sign-in page.
DEMO_MODE = env_bool("DEMO_MODE", default=False)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "axes",
    "portal",
    "mail",
    "cases",
    "quotas",
    "review",
    "accounts",
    "sms",
    "showcase.apps.ShowcaseConfig",
]

MIDDLEWARE = [
    # First: the request id and the one-line request log cover everything below.
    "portal.logging.RequestLogMiddleware",
    # A database that is down gives a plain Chinese 503 page, not a traceback.
    "portal.errors.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in pages are private and not stored (they may show phone numbers).
    "portal.caching.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Per-address limits on sign-in and password reset (portal/ratelimit.py).
    "portal.ratelimit.RateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's middleware with the unchanging policy built once, not on every response.
    "portal.csp.CSPMiddleware",
    # Axes must come last: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
# A test run may name its own test database, so runs side by side do not share one.
if env_str("DATABASE_TEST_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite (the embedded default) cannot defer the unique rank of a batch entry; PostgreSQL does,
# and the code renumbers entries one at a time so it works without deferral too.
SILENCED_SYSTEM_CHECKS = ["models.W038"]

# --- Cache ----------------------------------------------------------------------------
if REDIS_URL:
    # A Redis outage degrades the cache (logged, treated as empty) instead of failing pages. Half a
    # second is hundreds of times what a reachable Redis needs; a request that meets a hung Redis
    # pays it once for the cache and once for queueing (portal/queueing.py), well under 2 s.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            # Several installs (or test runs) may share one Redis database; each keeps to its prefix.
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", ""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Text messages (sms/) -------------------------------------------------------------
# The gateway of every SMS (vote codes, password resets, registration): aliyun, tencent, console,
# or a dotted class path. The console prints in development only; with DEBUG off it sends
# nothing and records the failure. VOTE_SMS_GATEWAY is the old name, still read (a warning says so).
SMS_GATEWAY = env_str("SMS_GATEWAY") or env_str("VOTE_SMS_GATEWAY") or "console"
SMS_GATEWAY_FROM_DEPRECATED_NAME = not env_str("SMS_GATEWAY") and bool(env_str("VOTE_SMS_GATEWAY"))
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "")  # 短信签名, as approved by the provider
# The provider's template id per kind of message; one verification-code template serves all unless
# a kind has its own. Its one variable is the code (${code} at Aliyun, {1} at Tencent).
SMS_TEMPLATES = {
    kind: env_str(f"SMS_TEMPLATE_{kind.upper()}") or env_str("SMS_TEMPLATE_CODE", "")
    for kind in ("vote_code", "password_reset", "registration", "test")
}
SMS_ALIYUN_ACCESS_KEY_ID = env_str("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = env_str("SMS_ALIYUN_ACCESS_KEY_SECRET", "")
SMS_ALIYUN_ENDPOINT = env_url("SMS_ALIYUN_ENDPOINT", schemes=("https", "http")) or "https://dysmsapi.aliyuncs.com"
SMS_ALIYUN_REGION = env_str("SMS_ALIYUN_REGION", "cn-hangzhou")
SMS_TENCENT_SECRET_ID = env_str("SMS_TENCENT_SECRET_ID", "")
SMS_TENCENT_SECRET_KEY = env_str("SMS_TENCENT_SECRET_KEY", "")
SMS_TENCENT_SDK_APP_ID = env_str("SMS_TENCENT_SDK_APP_ID", "")
SMS_TENCENT_ENDPOINT = env_url("SMS_TENCENT_ENDPOINT", schemes=("https", "http")) or "https://sms.tencentcloudapi.com"
SMS_TENCENT_REGION = env_str("SMS_TENCENT_REGION", "ap-guangzhou")
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 5, minimum=1)  # seconds per call to the provider
# Abuse stops: messages per number per day (all kinds together) and in all per day.
SMS_DAILY_LIMIT_PER_PHONE = env_int("SMS_DAILY_LIMIT_PER_PHONE", 10, minimum=1)
SMS_DAILY_BUDGET = env_int("SMS_DAILY_BUDGET", 5000, minimum=1)
# Retries while the provider is unreachable: 10 s, 20 s, 40 s ... at most 120 s apart, within the
# code's 10 minutes.
SMS_MAX_ATTEMPTS = env_int("SMS_MAX_ATTEMPTS", 8, minimum=1)
SMS_RETRY_BASE_SECONDS = env_int("SMS_RETRY_BASE_SECONDS", 10, minimum=1)
SMS_RETRY_MAX_DELAY = env_int("SMS_RETRY_MAX_DELAY", 120, minimum=1)

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker the embedded default runs every task in-process.
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
# Work must survive a worker that dies mid-task: acknowledge after the task ran,
# take one message at a time, and requeue when the worker process is lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No task may run longer than this (the worker kills it and records the failure): the longest
# legitimate ones (a LibreOffice render, 120 s; a 300 MB PDF checked in about a minute) fit many
# times over, and it bounds the visibility timeout below.
CELERY_TASK_TIME_LIMIT = 30 * 60
# A message taken by a worker that died unacknowledged goes back to the queue after this many
# seconds (Redis transport). Twice the task time limit, so a task still running is never handed
# to a second worker. This is only the backstop: the requeue job notices a worker that
# disappeared within about half a minute (portal/worker_presence.py). The failure drill sets it short.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "portal")
# Text messages have a queue of their own, so a voter's code never waits behind document
# conversions. A worker started without -Q serves both queues; `-Q <queue>.sms` a dedicated one.
CELERY_SMS_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}.sms"
CELERY_TASK_QUEUES = (Queue(CELERY_TASK_DEFAULT_QUEUE), Queue(CELERY_SMS_QUEUE))
CELERY_TASK_ROUTES = {"sms.send": {"queue": CELERY_SMS_QUEUE}}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BEAT_SCHEDULE = {
    # Reminder mails 3 days and 1 day before each stage closes (the job itself never sends twice).
    "deadline-reminders": {"task": "review.send_deadline_reminders", "schedule": crontab(hour=9, minute=0)},
    # Flags suspicious ballots while a vote runs (the job does nothing outside the voting window).
    "quarantine-ballots": {"task": "review.quarantine_current_campaign", "schedule": crontab(minute="*/10")},
    # Work whose message was lost (broker down when it was queued, worker killed) is queued again;
    # often, so a worker that disappeared costs its task well under a minute (portal/recovery.py).
    "requeue-pending-work": {"task": "portal.requeue_pending_work", "schedule": timedelta(seconds=20)},
    # Mails whose queued message was lost (broker down, worker gone) are queued again.
    "send-due-mail": {"task": "mail.send_due", "schedule": crontab(minute="*")},
    # Resumable uploads abandoned half-way are removed at night.
    "discard-expired-resumable-uploads": {"task": "cases.discard_expired_resumable_uploads", "schedule": crontab(hour=3, minute=30)},
    # Text messages whose task was lost (broker down) are queued again; codes too old to send expire.
    "requeue-stalled-sms": {"task": "sms.requeue_stalled", "schedule": crontab(minute="*")},
}
# Publishing outside a request (beat, tasks queueing tasks) gives up after about two seconds.
# Requests queue through portal/queueing.py instead: recorded in the database, then published on
# a connection of its own that gives up after one second; the requeue job sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}

# /readyz answers a probe from loopback, or a monitor elsewhere sending `Authorization: Bearer <token>`.
READYZ_TOKEN = env_str("READYZ_TOKEN", "")
if READYZ_TOKEN and len(READYZ_TOKEN) < 20:
    raise ImproperlyConfigured("READYZ_TOKEN must be at least 20 random characters (or unset: loopback only).")

# --- Authentication -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "portal.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# No anonymous guardian user: anonymous visitors get no object permissions at all.
ANONYMOUS_USER_NAME = None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in lockout (django-axes): after LOGIN_FAILURE_LIMIT failures for one user name
# from one address, that pair is locked for LOGIN_LOCKOUT_MINUTES.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind the reverse proxy (deploy/nginx.conf) the client's address comes from X-Forwarded-For,
# trusted only when the request arrives from one of TRUSTED_PROXIES (addresses or networks). The
# sign-in lockout, the sign-in rate limit and the vote limits all read the address one way.
VOTE_TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
AXES_CLIENT_IP_CALLABLE = "portal.ratelimit.client_ip"

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
# The embedded default serves static/ as it is (no collectstatic), also with DEBUG off.
WHITENOISE_USE_FINDERS = DEBUG or EMBEDDED
WHITENOISE_AUTOREFRESH = DEBUG or EMBEDDED
# Uploads are private: there is deliberately no public MEDIA_URL route; files are served
# by permission-checked views through the storage API.
MEDIA_ROOT = Path(env_str("UPLOAD_ROOT", str(BASE_DIR / "var" / "uploads")))
MEDIA_URL = "/media-not-served/"
# Uploads on S3-compatible object storage when S3_BUCKET is set (several web and worker machines
# then share the files); otherwise the local folder UPLOAD_ROOT. Files stay private either way:
# no public URL is ever handed out, the permission-checked views stream them.
S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    # Private objects, streamed reads, the multipart calls of resumable uploads (portal/storage.py).
    UPLOAD_STORAGE = s3_upload_storage(
        bucket=S3_BUCKET,
        endpoint_url=env_url("S3_ENDPOINT_URL", schemes=("https", "http")),
        region=env_str("S3_REGION"),
        access_key=env_str("S3_ACCESS_KEY_ID"),
        secret_key=env_str("S3_SECRET_ACCESS_KEY"),
    )
else:
    UPLOAD_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": UPLOAD_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or EMBEDDED
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
# Who sends the bytes of a public video or photo (the showcase, the vote gallery; portal/streaming.py):
# "" (Django streams it with HTTP range requests, a chunk at a time), "x-accel" (the reverse proxy
# does: an X-Accel-Redirect to MEDIA_ACCEL_PREFIX + the stored name, see deploy/nginx.conf) or
# "storage" (a redirect to the object storage's short-lived signed URL; S3 answers ranges itself).
MEDIA_OFFLOAD = env_str("MEDIA_OFFLOAD", "") or ""
if MEDIA_OFFLOAD not in ("", "x-accel", "storage"):
    raise ImproperlyConfigured(f"MEDIA_OFFLOAD={MEDIA_OFFLOAD!r}: use x-accel, storage or leave it unset.")
MEDIA_ACCEL_PREFIX = env_str("MEDIA_ACCEL_PREFIX", "/_protected_uploads/") or "/_protected_uploads/"
# Request size limits (the reverse proxy has its own, deploy/nginx.conf). Form fields of one
# request: at most 2.5 MiB and 2,000 fields (ranking a full list posts a few per case); files
# above 2.5 MiB stream to a temporary file. The slot upload view replaces these handlers with
# its own streaming, size-limited one (cases/uploads.py); these cover every other form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# --- Mail -----------------------------------------------------------------------------
# Every mail the portal writes (ours, Django's password reset, any plain send_mail) goes into the
# outbox (mail.backend) and is sent by the `mail.send` task through MAIL_DELIVERY_BACKEND, with
# retries: the province sees and resends failures on its outbox page.
EMAIL_BACKEND = "mail.backend.OutboxBackend"
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    MAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "创新案例征集平台 <noreply@localhost>")
# A mail server that does not answer must not hold a worker for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
# Tries of one mail before it is marked failed, and the backoff between them (doubling from
# MAIL_RETRY_SECONDS up to MAIL_RETRY_MAX_SECONDS): 8 tries span about two hours.
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8, minimum=1)
MAIL_RETRY_SECONDS = env_int("MAIL_RETRY_SECONDS", 60, minimum=0)
MAIL_RETRY_MAX_SECONDS = env_int("MAIL_RETRY_MAX_SECONDS", 3600, minimum=0)
# A mail claimed by a worker that died while sending goes back to the queue after this many seconds.
MAIL_CLAIM_TIMEOUT = env_int("MAIL_CLAIM_TIMEOUT", 600, minimum=1)

# --- Security -------------------------------------------------------------------------
# HTTPS: the site is served over TLS (by the reverse proxy). On by default outside DEBUG and
# the embedded default (which runserver serves over plain HTTP).
HTTPS = env_bool("HTTPS", default=not (DEBUG or EMBEDDED))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
# With Redis, sessions are read from the cache and kept in the database (portal/sessions.py: one
# query less on every signed-in request, nobody signed out when Redis is lost); without it, the database.
SESSION_ENGINE = "portal.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# One JSON object per line on stderr (portal/logging.py): requests and tasks carry a request id.
# LOG_FORMAT=text gives plain lines for reading in a terminal.
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "portal.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # The request line of portal.logging replaces Django's own per-request lines.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # The Tencent SMS SDK logs whole requests (the number and the code) at DEBUG.
        "tencentcloud_sdk_common": {"level": "WARNING"},
    },
}
# Celery keeps the configuration above instead of installing its own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
