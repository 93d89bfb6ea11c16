"""Where Tamara's hosted checkout sends the customer back.

Tamara appends ``orderId`` and ``paymentStatus``, but anyone can type a URL: the views never
trust them. The success view syncs the order from Tamara (and authorises it when approved), so
a shop whose webhooks are late still shows the right state; then it redirects to the shop.
"""

from __future__ import annotations

import logging
import uuid

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch
from django.views.decorators.http import require_GET

from . import lifecycle
from .conf import tamara_settings
from .exceptions import TamaraError
from .models import TamaraOrder
from .states import OrderStatus

logger = logging.getLogger("django_tamara.views")


def _order_from(request: HttpRequest) -> TamaraOrder | None:
    try:
        order_id = uuid.UUID(request.GET.get("orderId", ""))
    except ValueError:
        return None
    return TamaraOrder.objects.filter(order_id=order_id).first()


def _redirect(setting: str, order: TamaraOrder | None) -> HttpResponse:
    target = getattr(tamara_settings, setting)
    if order is not None:
        target = target.replace("{order_reference_id}", order.order_reference_id).replace("{order_id}", str(order.order_id))
    try:
        return HttpResponseRedirect(resolve_url(target))
    except NoReverseMatch:
        return HttpResponseRedirect(target)


def _sync_quietly(order: TamaraOrder, *, authorise: bool) -> None:
    try:
        lifecycle.sync(order)
        if authorise and order.status == OrderStatus.APPROVED and tamara_settings.AUTO_AUTHORISE:
            lifecycle.authorise(order)
    except TamaraError as error:  # the webhook or reconciliation will catch up
        logger.warning("could not sync order %s on return from checkout: %s", order.order_id, error)


def _landing(request: HttpRequest, setting: str, *, authorise: bool) -> HttpResponse:
    order = _order_from(request)
    if order is not None:
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
