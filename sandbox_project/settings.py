"""Settings of the sandbox shop, read from the environment (and an optional ``.env``).

Every value has a default that works out of the box: SQLite in the project folder and the
local Tamara simulator on port 8001 with matching tokens. Point ``DATABASE_URL`` at
PostgreSQL and ``TAMARA_API_URL`` at Tamara's sandbox to try the real thing.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="sandbox-only-not-secret-7c1f9b3e")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_tamara",
    "sandbox_project.shop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sandbox_project.urls"
WSGI_APPLICATION = "sandbox_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sandbox_project" / "templates"],
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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'sandbox.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent requests (a webhook arriving while the admin saves) wait for the write lock
    # instead of failing with "database is locked": WAL lets readers run beside the writer,
    # IMMEDIATE takes the lock at BEGIN, and the timeout is how long a writer waits.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not Django's shared in-memory database, so live-server tests get a connection
    # per thread and meet SQLite's locking as a real deployment does.
    # TEST_SQLITE_NAME gives a second suite run in the same checkout a file of its own.
    DATABASES["default"].setdefault(
        "TEST", {"NAME": env("TEST_SQLITE_NAME", default=str(BASE_DIR / "test_sandbox.sqlite3"))}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية")]
TIME_ZONE = "Asia/Riyadh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "sandbox_project" / "staticfiles"

TAMARA_API_URL = env("TAMARA_API_URL", default="http://127.0.0.1:8001").rstrip("/")

TAMARA = {
    "API_URL": TAMARA_API_URL,
    "API_TOKEN": env("TAMARA_API_TOKEN", default="sandbox-api-token-not-a-secret-0123456789"),
    "NOTIFICATION_TOKEN": env("TAMARA_NOTIFICATION_TOKEN", default="sandbox-notification-token-not-a-secret-0123"),
    "PUBLIC_KEY": env("TAMARA_PUBLIC_KEY", default="sandbox-public-key"),
    "COUNTRY_CODE": env("TAMARA_COUNTRY_CODE", default="SA"),
    "CURRENCY": env("TAMARA_CURRENCY", default="SAR"),
    # Back from Tamara's hosted checkout, via the app's landing views, to the shop's pages.
    "SUCCESS_URL": "/orders/{order_reference_id}/",
    "FAILURE_URL": "/checkout/failed/?reference={order_reference_id}",
    "CANCEL_URL": "/checkout/canceled/?reference={order_reference_id}",
    # The promo widget's script: the simulator's stand-in by default, so pages work offline.
    "WIDGET_URL": env("TAMARA_WIDGET_URL", default=TAMARA_API_URL + "/widget-v2/tamara-widget.js"),
}

# Background tasks (docs/tasks.md): run at once in the process by default. TASKS_BACKEND=rq
# queues them on Redis for an RQ worker (Django 5.2 only):
#     python manage.py rqworker default --job-class django_tasks_rq.Job
# TASKS_BACKEND=celery sends them to a Celery worker through RabbitMQ (Django 6 only):
#     celery -A sandbox_project worker
# django_tamara.background says which tasks framework this Django has: django.tasks on
# Django 6, the django-tasks backport (an app to install) on 5.2.
from typing import Any  # noqa: E402  (this section's own imports, kept beside it)

from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from django_tamara.background import BUILT_IN, IMMEDIATE_BACKEND  # noqa: E402

TASKS: dict[str, dict[str, Any]]
if not BUILT_IN:
    INSTALLED_APPS += ["django_tasks"]
TASKS_BACKEND = env("TASKS_BACKEND", default="immediate")
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
try:
    import redis
except ImportError:  # the "rq" extra is not installed: no Redis cache, queue or drain gate
    HAS_REDIS = False
else:
    HAS_REDIS = True
if HAS_REDIS:
    RQ_QUEUES = {
        "default": {
            # Given a URL, django-rq builds a new client and a new TCP connection for every
            # enqueue; handing it one pool per process makes an enqueue a single round trip.
            "HOST": "see-connection-pool",
            "PORT": 0,
            "REDIS_CLIENT_KWARGS": {"connection_pool": redis.ConnectionPool.from_url(REDIS_URL)},
            "DEFAULT_TIMEOUT": 300,
        }
    }
if TASKS_BACKEND == "rq":
    if BUILT_IN:
        # django-tasks-rq 0.12 is a backend of the django-tasks backport: it cannot run the
        # tasks Django 6 makes with django.tasks (docs/tasks.md).
        raise ImproperlyConfigured(
            "TASKS_BACKEND=rq needs Django 5.2 (django-tasks-rq runs the django-tasks backport's "
            "tasks, not django.tasks'); on Django 6 use TASKS_BACKEND=celery or immediate."
        )
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "celery":
    if not BUILT_IN:
        # django-tasks-celery 0.1 is a backend of django.tasks and requires Django 6.0.
        raise ImproperlyConfigured(
            "TASKS_BACKEND=celery needs Django 6.0 or newer (django-tasks-celery is a backend of "
            "django.tasks); on Django 5.2 use TASKS_BACKEND=rq or immediate."
        )
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_celery.CeleryBackend",
            "QUEUES": ["default"],
            # The app sandbox_project/celery.py configures from the CELERY_* settings below.
            "OPTIONS": {"CELERY_APP": "sandbox_project.celery.app"},
        }
    }
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="amqp://guest:guest@127.0.0.1:5672//")
    # Django's "default" queue is Celery's default queue, named here (Celery calls it "celery").
    CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
    # The app reads no task result, but django-tasks-celery's checks want a result backend
    # with extended results (get_result); Redis is there anyway for the drain gate.
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL if HAS_REDIS else "rpc://")
    CELERY_RESULT_EXTENDED = True
    # A task is acknowledged when it ends, one at a time: a worker killed mid-task leaves it
    # queued for the next worker (the tasks re-read the database, so running twice is safe).
    CELERY_TASK_ACKS_LATE = True
    CELERY_TASK_REJECT_ON_WORKER_LOST = True
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
else:
    TASKS = {"default": {"BACKEND": IMMEDIATE_BACKEND}}
if TASKS_BACKEND in ("rq", "celery") and HAS_REDIS:
    # With a worker, a burst of webhooks shares one drain task through a gate in Redis
    # (TAMARA["WEBHOOK_QUEUE_CACHE"]); TAMARA_WEBHOOK_QUEUE=per-event queues a task each.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "tamara": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    }
    if env("TAMARA_WEBHOOK_QUEUE", default="drain") == "drain":
        TAMARA["WEBHOOK_QUEUE_CACHE"] = "tamara"

# Every unhandled error reaches stderr with its traceback, with DEBUG on or off: Django's own
# console handler prints only with DEBUG=True, and mail_admins needs ADMINS and a mail server,
# so without this a production 500 leaves no trace (docs/troubleshooting.md, "Errors and logs").
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Tamara puts the webhook's tamaraToken in the query string: mask it in request lines.
    "filters": {"tamara_token": {"()": "django_tamara.log_filters.TamaraTokenFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        # A traceback is printed after the message by the formatter: no handler filters it out.
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
            "filters": ["tamara_token"],
        },
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "loggers": {
        "django_tamara": {"handlers": ["console"], "level": env("TAMARA_LOG_LEVEL", default="INFO")},
        # 500s (with the traceback) and 4xx warnings of every request, whatever DEBUG says. Not
        # propagated: Django's "django" logger would print them a second time with DEBUG=True.
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # A request refused for its Host header (ALLOWED_HOSTS), a bad cookie signature...
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # runserver's request log, as Django configures it, plus the filter.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["tamara_token"],
        },
    },
}
