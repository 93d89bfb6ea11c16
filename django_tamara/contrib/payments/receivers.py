"""Tamara's changes, as the app's signals report them, move the linked ``Payment``.

The app sends its signals after the change commits and once per real change, whoever made
it (a webhook, the customer's return, the admin, reconciliation); each receiver here hands
the order to the one projection (:func:`.sync.project`), which is idempotent, so two signals
of one change (``order_status_changed`` and ``order_captured``) cost a second look, not a
second write.
"""

from __future__ import annotations

import logging
from typing import Any

from payments import PaymentError, PaymentStatus
from payments.core import provider_factory

from ... import signals
from ...models import TamaraOrder
from .sync import project

logger = logging.getLogger("django_tamara.contrib.payments")

#: The signals after which the payment may differ (its status, or its captured amount), by name.
PROJECTED = {
    "status_changed": signals.order_status_changed,
    "captured": signals.order_captured,
    "refunded": signals.order_refunded,
    "updated": signals.order_updated,
}


def follow_order(sender: Any, order: TamaraOrder, **kwargs: Any) -> None:
    """Project the order onto its payment, if it has one."""
    project(order)


def capture_when_authorised(sender: Any, order: TamaraOrder, **kwargs: Any) -> None:
    """With the variant's ``capture`` option on, capture an authorised payment at once.

    Runs after the authorisation committed (and after :func:`follow_order`, connected first,
    made the payment ``preauth``). A refusal is logged: the payment stays ``preauth`` for the
    shop to capture, and a capture Tamara did not confirm holds the order as everywhere else.
    """
    from .provider import TamaraProvider

    payment = project(order)
    if payment is None or payment.status != PaymentStatus.PREAUTH:
        return
    try:
        provider = provider_factory(payment.variant, payment)
    except ValueError:
        return
    if not isinstance(provider, TamaraProvider) or not provider.auto_capture:
        return
    try:
        payment.capture()
    except (PaymentError, ValueError) as error:  # logged; the payment stays preauth
        logger.warning("could not capture authorised payment %s: %s", payment.pk, error)


def connect() -> None:
    """Connect the receivers (``TamaraPaymentsConfig.ready``); idempotent by ``dispatch_uid``."""
    for name, signal in PROJECTED.items():
        signal.connect(follow_order, sender=TamaraOrder, dispatch_uid=f"tamara_payments.follow.{name}")
    signals.order_authorised.connect(
        capture_when_authorised, sender=TamaraOrder, dispatch_uid="tamara_payments.capture_when_authorised"
    )
