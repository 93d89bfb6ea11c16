"""Where Tamara's hosted checkout sends the customer back.

Tamara appends ``orderId`` and ``paymentStatus``, but anyone can type a URL: the views never
trust them. The landing views sync the order from Tamara (the success view also authorises it
when approved), so a shop whose webhooks are late still shows the right state; then they
redirect to the shop.

Three things keep that cheap and clean (#12, #17):

- the success view of an order the shop already holds as authorised (or past it, or closed)
  asks Tamara nothing: the webhook got there first, and nothing the customer's return could
  teach changes what the shop shows (the customer's "Approve" is then one query, not a call);
- a customer reloading the page, or a bot replaying the URL, costs at most one call to Tamara
  per order every ``LANDING_SYNC_SECONDS``: the throttle is one atomic ``cache.add`` on the
  ``default`` cache, shared by every process when that cache is (Redis, Memcached);
- an ``orderId`` that is missing, malformed or not one of the shop's orders goes to
  ``FAILURE_URL`` with its ``{order_reference_id}``/``{order_id}`` placeholders removed, never
  to a URL with the braces left in it.
"""

from __future__ import annotations

import logging
import re
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch
from django.views.decorators.http import require_GET

from . import lifecycle
from .conf import tamara_settings
from .exceptions import TamaraError
from .models import TamaraOrder
from .states import AUTHORISED_OR_LATER, FINAL

logger = logging.getLogger("django_tamara.views")

#: The placeholders the landing URLs may hold (docs/settings.md, "Where the customer lands").
PLACEHOLDER = re.compile(r"\{order_reference_id\}|\{order_id\}")

#: The throttle's cache key for an order; present while a sync of it is recent.
SYNC_KEY = "django_tamara:landing-sync:{order_id}"


def _order_from(request: HttpRequest) -> TamaraOrder | None:
    try:
        order_id = uuid.UUID(request.GET.get("orderId", ""))
    except ValueError:
        return None
    return TamaraOrder.objects.by_order_id(order_id)


def landing_url(setting: str, order: TamaraOrder | None) -> str:
    """The URL of ``setting`` (a URL or a URL name) for ``order``, placeholders filled in.

    Values are URL-quoted: an order reference is the shop's own text and may hold ``&`` or
    ``/``. Without an order there is nothing to fill them with: see :func:`without_placeholders`.
    """
    target = getattr(tamara_settings, setting)
    if order is not None:
        target = target.replace("{order_reference_id}", quote(order.order_reference_id, safe="")).replace(
            "{order_id}", str(order.order_id)
        )
    else:
        target = without_placeholders(target)
    try:
        return resolve_url(target)
    except NoReverseMatch:
        return target


def without_placeholders(url: str) -> str:
    """``url`` with the query parameters whose value holds a placeholder dropped.

    ``/checkout/failed/?reference={order_reference_id}`` becomes ``/checkout/failed/``. A
    placeholder anywhere else (``/orders/{order_reference_id}/``) names a page that only
    exists for an order, so the customer goes to the site's root instead.
    """
    if not PLACEHOLDER.search(url):
        return url
    parts = urlsplit(url)
    query = "&".join(pair for pair in parts.query.split("&") if pair and not PLACEHOLDER.search(pair))
    cleaned = urlunsplit(parts._replace(query=query))
    return "/" if PLACEHOLDER.search(cleaned) else cleaned


def _redirect(setting: str, order: TamaraOrder | None) -> HttpResponse:
    return HttpResponseRedirect(landing_url(setting, order))


def may_sync(order: TamaraOrder) -> bool:
    """True at most once per ``LANDING_SYNC_SECONDS`` for an order (0 or None: always).

    ``cache.add`` stores the key only if it is absent, atomically on a shared cache, so of
    twenty reloads racing each other one syncs. A cache that fails does not cost the customer
    the sync: the view syncs, as it would without a throttle.
    """
    seconds = tamara_settings.LANDING_SYNC_SECONDS
    if not seconds or seconds <= 0:
        return True
    try:
        return bool(caches["default"].add(SYNC_KEY.format(order_id=order.order_id), 1, timeout=seconds))
    except Exception as error:  # the cache is down: sync, and let Tamara's limits protect it
        logger.warning(
            "landing sync throttle unavailable (%s: %s); syncing order %s", type(error).__name__, error, order.order_id
        )
        return True


def _sync_quietly(order: TamaraOrder, *, authorise: bool) -> None:
    try:
        if authorise:
            lifecycle.settle(order)
        else:
            lifecycle.sync(order)
    except TamaraError as error:  # the webhook or reconciliation will catch up
        logger.warning("could not sync order %s on return from checkout: %s", order.order_id, error)


def settled_already(order: TamaraOrder) -> bool:
    """True when the success view has nothing to learn: the order is authorised or past it,
    or closed. Only an order still ``new``, ``approved`` or ``on_hold`` can be moved by the
    sync and authorisation of the customer's return."""
    return order.status in AUTHORISED_OR_LATER or order.status in FINAL


def _landing(request: HttpRequest, setting: str, *, authorise: bool) -> HttpResponse:
    order = _order_from(request)
    if order is None:  # nothing to sync, and no order to show: the shop's failure page
        return _redirect("FAILURE_URL", None)
    if authorise and settled_already(order):
        return _redirect(setting, order)
    if may_sync(order):
        _sync_quietly(order, authorise=authorise)
    return _redirect(setting, order)


@require_GET
def success(request: HttpRequest) -> HttpResponse:
    return _landing(request, "SUCCESS_URL", authorise=True)


@require_GET
def failure(request: HttpRequest) -> HttpResponse:
    return _landing(request, "FAILURE_URL", authorise=False)


@require_GET
def cancel(request: HttpRequest) -> HttpResponse:
    return _landing(request, "CANCEL_URL", authorise=False)
