"""``TamaraProvider``: Tamara as a django-payments variant (issue #16).

The provider is a thin layer: the payload comes from a builder, every change of the Tamara
order goes through :mod:`django_tamara.lifecycle` (so the ledger, the admin, the signals and
the audit stay one), and the ``Payment`` follows the order through :func:`.sync.project`,
whoever moved it: this provider, a webhook, or the admin.

How django-payments' ``BasePayment`` uses the provider's answers (payments/models.py) shapes
three methods:

- ``Payment.capture()`` sets ``captured_amount`` to the returned amount and calls
  ``change_status(CONFIRMED)`` when that amount is truthy. The provider has already moved the
  payment (exactly, and once, under its row lock), so :meth:`TamaraProvider.capture` returns
  ``None`` and ``Payment.capture()`` has nothing left to do;
- ``Payment.refund()`` subtracts the returned amount from *its* instance and saves it, so
  :meth:`TamaraProvider.refund` leaves that instance at the amount before the refund;
- ``Payment.release()`` calls ``change_status(REFUNDED)`` itself, so the projection made
  during :meth:`TamaraProvider.release` leaves that one change to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.module_loading import import_string
from payments import PaymentError, PaymentStatus, RedirectNeeded
from payments.core import BasicProvider, get_base_url

from ... import lifecycle
from ...client import ShippingInfo
from ...exceptions import AmountExceeded, InvalidTransition, NotConfirmed, TamaraAPIError, TamaraError
from ...money import Money, MoneyError, exponent_for
from ...states import OrderStatus
from ...views import may_sync
from .builders import PaymentBuilder
from .checks import override_hint, short_fields
from .sync import leaving_status_to_caller, order_for, project

logger = logging.getLogger("django_tamara.contrib.payments")

__all__ = ["TamaraProvider"]

#: Where ``process_data`` sends the customer, by the payment's status once projected.
SUCCESS_STATUSES = frozenset({PaymentStatus.WAITING, PaymentStatus.PREAUTH, PaymentStatus.CONFIRMED})

DEFAULT_BUILDER = "django_tamara.contrib.payments.PaymentBuilder"


def _code(error: Exception) -> int | None:
    """Tamara's HTTP status, for ``PaymentError.code``."""
    return error.status if isinstance(error, TamaraAPIError) else None


class TamaraProvider(BasicProvider):
    """A django-payments provider that pays with Tamara's hosted checkout.

    ``PAYMENT_VARIANTS = {"tamara": ("django_tamara.contrib.payments.TamaraProvider", {...})}``
    with the options:

    - ``builder_class``: a :class:`~.builders.PaymentBuilder` subclass, or its dotted path;
    - ``capture``: capture the whole amount as soon as Tamara authorises the order
      (default ``False``: the payment stays ``preauth`` until ``payment.capture()``);
    - ``shipping_info``: what every capture tells Tamara: a mapping (``shipping_company`` at
      least; ``shipped_at`` defaults to now) or a callable ``(payment) -> mapping``;
    - ``refund_comment``: the comment Tamara requires with a refund, or a callable
      ``(payment, amount) -> str``.
    """

    def __init__(
        self,
        builder_class: str | type[PaymentBuilder] = DEFAULT_BUILDER,
        capture: bool = False,
        shipping_info: Mapping[str, Any] | Callable[[Any], Mapping[str, Any]] | None = None,
        refund_comment: str | Callable[[Any, Money], str] = "Refunded through django-payments",
    ) -> None:
        super().__init__(capture=capture)
        self.builder_class = builder_class
        self.shipping_info = shipping_info if shipping_info is not None else {"shipping_company": "N/A"}
        self.refund_comment = refund_comment

    @property
    def auto_capture(self) -> bool:
        """Whether an authorised payment is captured at once (the ``capture`` option)."""
        return bool(self._capture)

    # Checkout ------------------------------------------------------------------------------

    def get_builder(self, payment: Any, request: HttpRequest | None = None) -> PaymentBuilder:
        """The variant's builder, with the payment's process URL as where Tamara sends the customer."""
        builder_class = self.builder_class
        if isinstance(builder_class, str):
            builder_class = import_string(builder_class)
        builder: PaymentBuilder = builder_class(
            request, base_url=get_base_url(request), return_url=self.get_return_url(payment, request=request)
        )
        return builder

    def get_form(self, payment: Any, data: Any = None) -> Any:
        """Open a Tamara checkout for ``payment`` and raise ``RedirectNeeded`` to its hosted page.

        A payment that has its session already goes back to it (still ``new``) or to its
        process URL (past that), never to a second session. Raises ``PaymentError`` naming the
        problem when the payload breaks Tamara's rules or Tamara refuses it; the payment is
        then ``error`` with that message.
        """
        self.refuse_unrepresentable(payment)
        order = order_for(payment)
        if order is None:
            raise RedirectNeeded(self._open_session(payment))
        if order.status == OrderStatus.NEW and order.checkout_url:
            raise RedirectNeeded(order.checkout_url)
        raise RedirectNeeded(self.get_return_url(payment))

    def refuse_unrepresentable(self, payment: Any) -> None:
        """``PaymentError`` when the payment's currency is not Tamara's or its model would round it."""
        try:
            places = exponent_for(str(payment.currency).upper())
        except MoneyError as error:
            raise PaymentError(f"Payment.currency: {error}", code=400) from error
        model = type(payment)
        short = short_fields(model, places)
        if short:
            fields = ", ".join(f"{model.__name__}.{name}" for name in short)
            raise PaymentError(
                f"{payment.currency} amounts have {places} decimal places but {fields} hold fewer: "
                f"{override_hint(model, short)}",
                code=400,
            )

    def _open_session(self, payment: Any) -> str:
        """Create the session (once: the payment row is locked) and store its order id."""
        if payment.pk is None:
            raise PaymentError("save the Payment before calling get_form(): Tamara's order is linked to it")
        failure: TamaraError | None = None
        with transaction.atomic():
            locked = type(payment)._default_manager.select_for_update().get(pk=payment.pk)
            existing = order_for(locked)
            if existing is not None:  # a second request for the same payment got there first
                payment.transaction_id = locked.transaction_id
                return existing.checkout_url or self.get_return_url(payment)
            try:
                result = lifecycle.create_session(self.get_builder(payment), payment, content_object=payment)
            except TamaraError as error:
                failure = error
            else:
                payment.transaction_id = str(result.order.order_id)
                type(payment)._default_manager.filter(pk=payment.pk).update(transaction_id=payment.transaction_id)
                return result.checkout_url
        message = f"Tamara refused the checkout: {failure}"
        if payment.status != PaymentStatus.ERROR or payment.message != message:
            payment.change_status(PaymentStatus.ERROR, message)
        raise PaymentError(message, code=_code(failure), gateway_message=str(failure)) from failure

    # The customer's return ---------------------------------------------------------------------

    def process_data(self, payment: Any, request: HttpRequest) -> HttpResponse:
        """Tamara's redirect back: trust nothing in it, ask Tamara, project, send the customer on.

        The landing rules of :mod:`django_tamara.views`: the order is the payment's own (an
        ``orderId`` in the query string is never read), synced at most once per
        ``LANDING_SYNC_SECONDS`` and authorised when approved; a failure to reach Tamara is
        logged, and the webhook or reconciliation catches up.
        """
        order = order_for(payment)
        if order is None:
            return HttpResponseRedirect(payment.get_failure_url())
        if may_sync(order):
            try:
                lifecycle.settle(order)
            except TamaraError as error:
                logger.warning("could not settle Tamara order %s of payment %s: %s", order.order_id, payment.pk, error)
        project(order, payment)
        if payment.status in SUCCESS_STATUSES:
            return HttpResponseRedirect(payment.get_success_url())
        return HttpResponseRedirect(payment.get_failure_url())

    def get_token_from_request(self, payment: Any, request: HttpRequest) -> str:
        """Tamara's notifications go to the app's webhook route (``tamara:webhook``), not here."""
        raise PaymentError("Tamara notifications are received at the tamara:webhook route, not here", code=400)

    # Money ----------------------------------------------------------------------------------

    def _order(self, payment: Any, action: str) -> Any:
        order = order_for(payment)
        if order is None:
            raise PaymentError(f"cannot {action} payment {payment.pk}: it has no Tamara order", code=400)
        return order

    def _money(self, payment: Any, amount: Any) -> Money | None:
        if amount is None:
            return None
        try:
            if isinstance(amount, Money):
                if amount.currency != str(payment.currency).upper():
                    raise MoneyError(f"{amount} is not in the payment's currency {payment.currency}")
                return amount
            return Money.parse(amount, str(payment.currency), strict=True)
        except MoneyError as error:
            raise PaymentError(f"amount: {error}", code=400) from error

    def get_shipping_info(self, payment: Any) -> dict[str, Any]:
        """The ``shipping_info`` of a capture of ``payment`` (the option, ``shipped_at`` now by default)."""
        info = self.shipping_info(payment) if callable(self.shipping_info) else self.shipping_info
        data = info.to_api() if isinstance(info, ShippingInfo) else dict(info)
        data.setdefault("shipped_at", timezone.now().isoformat())
        return data

    def get_refund_comment(self, payment: Any, amount: Money) -> str:
        return self.refund_comment(payment, amount) if callable(self.refund_comment) else str(self.refund_comment)

    def _refused(self, action: str, error: TamaraError, order: Any, money: Money | None) -> PaymentError:
        """The ``PaymentError`` for a lifecycle refusal, naming the amounts."""
        asked = str(money) if money is not None else "the rest"
        if isinstance(error, NotConfirmed):
            message = (
                f"Tamara has not confirmed the {action} of {asked} on payment {order.order_reference_id}: "
                f"it may or may not have happened. Do not {action} again; the order is held until "
                "Tamara's records settle it."
            )
        elif isinstance(error, (AmountExceeded, InvalidTransition)):
            message = (
                f"cannot {action} {asked}: {error} (total {order.total}, captured {order.captured}, "
                f"refunded {order.refunded}, canceled {order.canceled})"
            )
        else:
            message = f"Tamara refused the {action} of {asked}: {error}"
        return PaymentError(message, code=_code(error), gateway_message=str(error))

    def capture(self, payment: Any, amount: Any = None) -> None:
        """Capture ``amount`` (default: all that is authorised) and move the payment to ``confirmed``.

        Returns ``None``: the payment is already ``confirmed`` with its exact
        ``captured_amount``, so ``Payment.capture()`` has nothing left to change.
        """
        order = self._order(payment, "capture")
        money = self._money(payment, amount)
        try:
            lifecycle.capture(order, money, shipping_info=self.get_shipping_info(payment))
        except TamaraError as error:
            raise self._refused("capture", error, order, money) from error
        project(order, payment)
        return None

    def release(self, payment: Any) -> None:
        """Cancel the whole authorisation at Tamara; ``Payment.release()`` then marks it ``refunded``."""
        order = self._order(payment, "release")
        with leaving_status_to_caller(payment, PaymentStatus.REFUNDED):
            try:
                lifecycle.cancel(order, None)
            except TamaraError as error:
                raise self._refused("release", error, order, None) from error
            project(order, payment)

    def refund(self, payment: Any, amount: Any = None) -> Decimal:
        """Refund ``amount`` (default: all captured and not refunded); returns the amount refunded.

        The database holds the exact result at once. ``payment.captured_amount`` is left at
        its value before the refund, because ``Payment.refund()`` subtracts the returned amount
        from it and saves: that save then writes the same exact amount.
        """
        order = self._order(payment, "refund")
        money = self._money(payment, amount)
        try:
            row = lifecycle.refund(order, money, comment=self.get_refund_comment(payment, money or order.refundable))
        except TamaraError as error:
            raise self._refused("refund", error, order, money) from error
        project(order, payment)
        refunded = Money(row.amount, row.currency).amount
        payment.captured_amount = payment.captured_amount + refunded
        return refunded

    def cancel(self, payment: Any) -> None:
        """Tamara cannot cancel an order its customer has not paid for: it expires by itself."""
        raise PaymentError(
            "Tamara has no cancel before authorisation: the checkout expires by itself "
            "(TAMARA['CHECKOUT_EXPIRY_MINUTES']); release() an authorised payment instead",
            code=400,
        )
