"""The one place that reads ``settings.TAMARA``.

Modelled on DRF's ``api_settings``: a namespaced dict with documented defaults, read lazily
and re-read when a test uses ``override_settings(TAMARA=...)``. Nothing else in the package
touches ``django.conf.settings.TAMARA``, so the defaults below are the whole reference.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

#: Every key of ``settings.TAMARA`` with its default. The settings reference in the docs is
#: checked against this dict by the test suite, so add a key here and in ``docs/`` together.
DEFAULTS: dict[str, Any] = {
    # Where the merchant API lives. Tamara's sandbox by default; production is
    # https://api.tamara.co and the local simulator is http://127.0.0.1:8001.
    "API_URL": "https://api-sandbox.tamara.co",
    # The merchant API token (Authorization: Bearer ...).
    "API_TOKEN": "",
    # Signs the tamaraToken JWT of notifications and webhooks (HS256).
    "NOTIFICATION_TOKEN": "",
    # The public key of Tamara's promo widgets; not a secret.
    "PUBLIC_KEY": "",
    # Seconds to wait for a connection, and for an answer once connected.
    "CONNECT_TIMEOUT": 5.0,
    "READ_TIMEOUT": 30.0,
    # Retries of calls that are safe to repeat (GETs, and requests that never reached Tamara).
    "MAX_RETRIES": 2,
    # Seconds before the first retry; doubled each time.
    "RETRY_BACKOFF": 0.3,
    # Defaults of a checkout payload.
    "COUNTRY_CODE": "SA",
    "CURRENCY": "SAR",
    "LOCALE": "en_US",
    "PAYMENT_TYPE": "PAY_BY_INSTALMENTS",
    "INSTALMENTS": None,
    "PLATFORM": "django-tamara",
    "CHECKOUT_EXPIRY_MINUTES": 30,
    # The builder a shop's checkout uses when it names none (a dotted path).
    "BUILDER_CLASS": "django_tamara.builders.CheckoutBuilder",
    # The client every part of the app calls Tamara with (a dotted path to a TamaraClient subclass).
    "CLIENT_CLASS": "django_tamara.client.TamaraClient",
    # Authorise an order as soon as Tamara reports it approved (Tamara requires it).
    "AUTO_AUTHORISE": True,
    # Seconds of clock difference tolerated when checking a webhook token's exp and iat.
    "WEBHOOK_LEEWAY": 30,
    # Larger webhook bodies are refused with 413 before being parsed.
    "WEBHOOK_MAX_BODY_BYTES": 65536,
    # Where the success, failure and cancel landing views send the customer. A URL or a URL
    # name; "{order_reference_id}" and "{order_id}" are filled in.
    "SUCCESS_URL": "/",
    "FAILURE_URL": "/",
    "CANCEL_URL": "/",
    # A cache alias shared by every process (Redis, Memcached). When set, a burst of webhook
    # deliveries queues one drain task instead of one task each (django_tamara.webhooks.gate).
    "WEBHOOK_QUEUE_CACHE": None,
    # Processed webhook events older than this many days are deleted by tamara_prune_events.
    "EVENT_RETENTION_DAYS": 30,
    # Orders fetched per batch by reconciliation (tamara_sync).
    "SYNC_BATCH_SIZE": 200,
    # A capture, refund or cancel Tamara never confirmed holds the order's money actions
    # until Tamara's records show it, or until this many seconds pass with Tamara showing
    # nothing (docs/lifecycle.md, "Not confirmed").
    "SETTLE_WINDOW_SECONDS": 300,
    # Webhook events still pending or processing after this many seconds are processed
    # again by tamara_sync --retry-events (their task or worker was lost).
    "STALE_EVENT_SECONDS": 30,
    # Orders still new or approved here after this many seconds are synced by
    # tamara_sync --stuck (their webhook may have been lost).
    "STUCK_ORDER_SECONDS": 30,
    # The success page asks Tamara about an order at most once in this many seconds.
    "LANDING_SYNC_SECONDS": 5,
    # The script of Tamara's promo widget v2, loaded by {% tamara_widget %}. Production is
    # https://cdn.tamara.co/widget-v2/tamara-widget.js; the simulator serves a stand-in at
    # <simulator>/widget-v2/tamara-widget.js so pages work offline.
    "WIDGET_URL": "https://cdn-sandbox.tamara.co/widget-v2/tamara-widget.js",
    # On PostgreSQL with psycopg 3, prepare the statements on every order's path on the server
    # (django_tamara/compiled.py). Off by itself for a database with DISABLE_SERVER_SIDE_CURSORS
    # (a transaction pooler in front); set False for a pooler Django is not told about.
    "PREPARED_STATEMENTS": True,
}

#: Keys whose values are dotted paths, imported on first use.
IMPORT_STRINGS = {"BUILDER_CLASS", "CLIENT_CLASS"}

#: Keys whose values must never be printed.
SECRET_KEYS = {"API_TOKEN", "NOTIFICATION_TOKEN"}


class TamaraSettings:
    """Attribute access to ``settings.TAMARA`` with defaults (``tamara_settings.API_URL``)."""

    def __init__(self, defaults: dict[str, Any] | None = None) -> None:
        self.defaults = defaults or DEFAULTS
        self._cached: set[str] = set()

    @property
    def user_settings(self) -> dict[str, Any]:
        if not hasattr(self, "_user_settings"):
            self._user_settings = dict(getattr(settings, "TAMARA", None) or {})
        return self._user_settings

    def __getattr__(self, name: str) -> Any:
        if name not in self.defaults:
            raise AttributeError(f"invalid TAMARA setting: {name!r}")
        value = self.user_settings.get(name, self.defaults[name])
        if name in IMPORT_STRINGS and isinstance(value, str):
            value = import_string(value)
        setattr(self, name, value)
        self._cached.add(name)
        return value

    def unknown_keys(self) -> list[str]:
        """Keys of ``settings.TAMARA`` that are not settings of this app (likely typos)."""
        return sorted(set(self.user_settings) - set(self.defaults))

    def raw(self, name: str) -> Any:
        """The configured value without importing dotted paths (for system checks)."""
        return self.user_settings.get(name, self.defaults[name])

    def reload(self) -> None:
        for name in self._cached:
            delattr(self, name)
        self._cached.clear()
        if hasattr(self, "_user_settings"):
            delattr(self, "_user_settings")

    def __repr__(self) -> str:  # never show the tokens
        shown = {k: ("***" if k in SECRET_KEYS and self.raw(k) else self.raw(k)) for k in self.defaults}
        return f"TamaraSettings({shown})"


tamara_settings = TamaraSettings(DEFAULTS)


@receiver(setting_changed)
def _reload_tamara_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == "TAMARA":
        tamara_settings.reload()
