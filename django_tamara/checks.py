"""System checks: a misconfigured shop hears about it from ``manage.py check``, not from a
failed payment. They read configuration only, never the database or the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.urls import NoReverseMatch, reverse

from .client import TamaraClient
from .conf import tamara_settings
from .money import CURRENCY_COUNTRIES, CURRENCY_EXPONENTS

#: The settings reference, by its path in the repository: a hint a newcomer can open (#15).
SETTINGS_DOC = "docs/settings.md"


def settings_hint(key: str | None = None) -> str:
    """Where ``key`` is documented: ``docs/settings.md#api_token`` (mkdocs' anchor of its heading).

    Named as a path of django-tamara's repository, since an installed package has no docs/."""
    where = f"{SETTINGS_DOC}#{key.lower()}" if key else SETTINGS_DOC
    return f"{where} in django-tamara's repository"


#: Hosts whose traffic never leaves the machine (the local simulator): plain HTTP is fine there.
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@register("django_tamara")
def check_tamara_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    errors: list[Any] = []
    raw = tamara_settings.raw

    for key in tamara_settings.unknown_keys():
        errors.append(
            Warning(
                f"settings.TAMARA has an unknown key {key!r}.",
                hint=f"Check the spelling against the settings reference ({settings_hint()}); unknown keys are ignored.",
                id="django_tamara.W001",
            )
        )

    if not raw("API_TOKEN"):
        errors.append(
            Error(
                "settings.TAMARA['API_TOKEN'] is missing: no call to Tamara can be authorised.",
                hint="Copy the API token from Tamara's partner portal and set it in settings.TAMARA "
                f"(see {settings_hint('API_TOKEN')}).",
                id="django_tamara.E001",
            )
        )
    if not raw("NOTIFICATION_TOKEN"):
        errors.append(
            Error(
                "settings.TAMARA['NOTIFICATION_TOKEN'] is missing: webhooks cannot be verified.",
                hint="Copy the notification token from Tamara's partner portal and set it in settings.TAMARA "
                f"(see {settings_hint('NOTIFICATION_TOKEN')}).",
                id="django_tamara.E002",
            )
        )

    url = raw("API_URL")
    parsed = urlparse(url) if isinstance(url, str) else None
    if not parsed or parsed.scheme not in ("http", "https") or not parsed.netloc:
        errors.append(
            Error(
                f"settings.TAMARA['API_URL'] is not a URL: {url!r}.",
                hint="Use https://api.tamara.co (production) or https://api-sandbox.tamara.co (sandbox).",
                id="django_tamara.E003",
            )
        )
    elif parsed.scheme != "https" and not settings.DEBUG and parsed.hostname not in LOOPBACK:
        errors.append(
            Error(
                f"settings.TAMARA['API_URL'] uses plain HTTP ({url}) while DEBUG is off: the API "
                "token would cross the network in clear.",
                hint="Use https://api.tamara.co; plain http:// is only accepted for a simulator on this machine.",
                id="django_tamara.E004",
            )
        )

    currency = raw("CURRENCY")
    if currency not in CURRENCY_EXPONENTS:
        errors.append(
            Error(
                f"settings.TAMARA['CURRENCY'] is {currency!r}, which Tamara does not support.",
                hint=f"Use one of {', '.join(CURRENCY_EXPONENTS)}.",
                id="django_tamara.E005",
            )
        )
    elif raw("COUNTRY_CODE") != CURRENCY_COUNTRIES[currency]:
        errors.append(
            Error(
                f"settings.TAMARA['COUNTRY_CODE'] is {raw('COUNTRY_CODE')!r} but {currency} is "
                f"only accepted in {CURRENCY_COUNTRIES[currency]}.",
                hint="Tamara refuses a currency outside its country (total_amount_invalid_currency).",
                id="django_tamara.E006",
            )
        )

    builder = raw("BUILDER_CLASS")
    try:
        tamara_settings.BUILDER_CLASS  # noqa: B018 - reading it imports the dotted path, which is the check
    except ImportError as exc:
        errors.append(
            Error(
                f"settings.TAMARA['BUILDER_CLASS'] = {builder!r} does not import: {exc}.",
                hint="Give the dotted path of a CheckoutBuilder subclass, e.g. 'shop.tamara.ShopBuilder'.",
                id="django_tamara.E007",
            )
        )

    client_class = raw("CLIENT_CLASS")
    try:
        imported = tamara_settings.CLIENT_CLASS
    except ImportError as exc:
        imported, reason = None, f"does not import: {exc}"
    else:
        reason = "is not a subclass of django_tamara.client.TamaraClient"
    if not (isinstance(imported, type) and issubclass(imported, TamaraClient)):
        errors.append(
            Error(
                f"settings.TAMARA['CLIENT_CLASS'] = {client_class!r} {reason}.",
                hint="Give the dotted path of a TamaraClient subclass, e.g. 'shop.tamara.ShopClient', or leave "
                "the key out for the default client.",
                id="django_tamara.E010",
            )
        )

    for key in ("CONNECT_TIMEOUT", "READ_TIMEOUT"):
        value = raw(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            errors.append(
                Error(
                    f"settings.TAMARA[{key!r}] must be a positive number of seconds, not {value!r}.",
                    hint="A call without a timeout can hang a worker forever.",
                    id="django_tamara.E008",
                )
            )

    errors += _check_queue_cache(raw("WEBHOOK_QUEUE_CACHE"))
    return errors


#: Cache backends that each process keeps to itself: a gate in one cannot be opened by a
#: worker in another process, so deliveries would wait for the gate to expire.
PROCESS_LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache",)


def _check_queue_cache(alias: Any) -> list[Any]:
    if alias is None:
        return []
    caches = getattr(settings, "CACHES", {}) or {}
    if not isinstance(alias, str) or alias not in caches:
        return [
            Error(
                f"settings.TAMARA['WEBHOOK_QUEUE_CACHE'] is {alias!r}, which is not a cache in settings.CACHES.",
                hint="Name a cache alias that every web and worker process shares (Redis), or None.",
                id="django_tamara.E009",
            )
        ]
    if caches[alias].get("BACKEND") in PROCESS_LOCAL_CACHES:
        return [
            Error(
                f"settings.TAMARA['WEBHOOK_QUEUE_CACHE'] names the cache {alias!r}, which each process "
                "keeps to itself: a worker could not open the gate the web processes close.",
                hint="Use a shared cache (django.core.cache.backends.redis.RedisCache), or None.",
                id="django_tamara.E009",
            )
        ]
    return []


#: The URL name Tamara's notifications are sent to (``django_tamara/urls.py``: app_name
#: ``tamara``, URL name ``webhook``); the builders reverse it for ``merchant_url.notification``.
WEBHOOK_URL_NAME = "tamara:webhook"


@register("django_tamara", Tags.urls)
def check_urls_routed(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Warn when the project's URLconf does not include ``django_tamara.urls``.

    Without it the webhook view is unreachable and a builder fails on reversing its merchant
    URLs; the shop would only find out at its first payment.
    """
    if not getattr(settings, "ROOT_URLCONF", None):
        return []  # no URLconf at all: Django's own URL checks say nothing either
    try:
        reverse(WEBHOOK_URL_NAME)
    except NoReverseMatch:
        return [
            Warning(
                f"The app's URLs are not routed: the URL name {WEBHOOK_URL_NAME!r} cannot be reversed "
                f"with ROOT_URLCONF = {settings.ROOT_URLCONF!r}, so Tamara's notifications and the "
                "customer's return from Tamara have nowhere to land (and the builders cannot build "
                "their merchant URLs).",
                hint='Add path("tamara/", include("django_tamara.urls")) to the urlpatterns of your '
                "ROOT_URLCONF (see docs/installation.md).",
                id="django_tamara.W002",
            )
        ]
    return []


@register("django_tamara")  # reads settings only: not Tags.database, which needs --database
def check_sqlite_locking(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Warn when a SQLite database takes its write lock late (Django's default, DEFERRED).

    A webhook from Tamara arrives while the admin's capture is being recorded: two writers at
    once. With DEFERRED transactions SQLite cannot make the second one wait, it answers
    "database is locked" at once, and the admin reports a capture Tamara made as not confirmed
    (seen on a fresh startproject, #15). ``IMMEDIATE`` takes the lock at BEGIN, so the second
    writer waits up to ``timeout`` seconds instead.
    """
    return sqlite_locking_warnings(settings.DATABASES)


def sqlite_locking_warnings(databases: Mapping[str, Mapping[str, Any]]) -> list[Any]:
    """W003 for each SQLite database of ``databases`` (a ``DATABASES`` setting) that is not IMMEDIATE."""
    warnings: list[Any] = []
    for alias, database in databases.items():
        if database.get("ENGINE") != "django.db.backends.sqlite3":
            continue
        if str((database.get("OPTIONS") or {}).get("transaction_mode", "")).upper() == "IMMEDIATE":
            continue
        warnings.append(
            Warning(
                f"DATABASES[{alias!r}] is SQLite with deferred transactions: a Tamara webhook arriving "
                "while the admin records a capture or refund can fail with 'database is locked'.",
                hint=f'Add "OPTIONS": {{"transaction_mode": "IMMEDIATE", "timeout": 20}} to DATABASES[{alias!r}] '
                "(see docs/installation.md), or use PostgreSQL.",
                id="django_tamara.W003",
            )
        )
    return warnings
