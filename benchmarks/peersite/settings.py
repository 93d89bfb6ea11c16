"""Settings of the peer site: a Django project of its own around the peer package's app ``tamara``.

It cannot share the benchmark site: both apps claim the URL namespace ``tamara`` (and the
peer's app label is ``tamara``), so it has its own project, its own gunicorn and its own
PostgreSQL database. Everything else follows the sandbox's settings, so the sides differ in
the code that talks to Tamara, not in the framework around it: the same middleware, database
sessions (the peer's views keep the order id in the session), persistent connections.

    pip install aghfatehi-django-tamara==2.0.1

The peer reads flat settings (its ``tamara/conf.py``): ``TAMARA_API_TOKEN``, and
``TAMARA_API_URLS``, which may be one URL; taken here from the environment the benchmark
harness gives every process (``TAMARA_API_URL``, ``TAMARA_API_TOKEN``, ``DATABASE_URL``).
"""

from importlib import metadata

import environ
from django.core.exceptions import ImproperlyConfigured

PEER = "aghfatehi-django-tamara"
try:
    PEER_VERSION = metadata.version(PEER)
except metadata.PackageNotFoundError:
    raise ImproperlyConfigured(
        f"The peer site needs the peer package: pip install {PEER}==2.0.1 (it is not a dependency of "
        "django-tamara; the end-to-end benchmark leaves the peer side out without it)."
    ) from None

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="peer-site-only-not-secret-5d2a8c41")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "tamara",
    "benchmarks.peersite.shop",
]

# The sandbox's middleware, in its order. The peer's PayView reads request.user, so the
# authentication middleware is needed in any case.
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

ROOT_URLCONF = "benchmarks.peersite.urls"
WSGI_APPLICATION = "benchmarks.peersite.wsgi.application"
TEMPLATES: list[dict[str, object]] = []

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tamara_bench_peer")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
TIME_ZONE = "Asia/Riyadh"
USE_I18N = True
USE_TZ = True

# The peer package's settings (tamara/conf.py reads TAMARA_<NAME>).
TAMARA_SANDBOX = True
TAMARA_API_URLS = env("TAMARA_API_URL", default="http://127.0.0.1:8001").rstrip("/")
TAMARA_API_TOKEN = env("TAMARA_API_TOKEN", default="")
TAMARA_COUNTRY_CODE = "SA"
TAMARA_CURRENCY = "SAR"

# Unhandled errors reach stderr, as in the sandbox; the peer logs at INFO, which stays quiet.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}
