"""Tamara's steps in Oscar's checkout: off to Tamara, back with an order, or back to the basket.

The flow is Oscar's own multi-stage one (``PaymentDetailsView.submit`` in django-oscar's
``oscar/apps/checkout/views.py``), as its PayPal integration uses it:

- :class:`TamaraRedirectView` (POST from the payment-details page) runs ``submit()``: Oscar
  checks the basket and the checkout session, picks the order number and freezes the basket;
  ``handle_payment`` builds the payload, opens the Tamara session and raises
  ``RedirectRequired`` to send the customer to Tamara;
- :class:`TamaraReturnView` (Tamara's success URL) syncs the Tamara order and, only once it is
  authorised, places the Oscar order from the frozen basket through ``submit()`` again, with a
  ``Source`` for the Tamara payment; once, under the basket's lock;
- :class:`TamaraGiveBackView` (failure and cancel URLs) thaws the basket and says why.

None of them reads ``orderId`` or ``paymentStatus`` from the query string (anyone can type a
URL): the Tamara order is the one this session opened (:mod:`.session`), and its status is
what Tamara says when asked (the app's landing rules, :mod:`django_tamara.views`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.views import generic
from oscar.core.loading import get_class, get_classes, get_model

from ... import lifecycle
from ...exceptions import PayloadInvalid, TamaraError
from ...models import TamaraOrder
from ...money import Money
from ...states import AUTHORISED_OR_LATER, OrderStatus
from ...views import may_sync
from . import baskets, sources
from .builders import OscarCheckout, OscarCheckoutBuilder, UnsupportedCurrency
from .session import forget, remember, remembered

logger = logging.getLogger("django_tamara.contrib.oscar")

__all__ = ["TamaraGiveBackView", "TamaraRedirectView", "TamaraReturnView"]

# Through Oscar's class loader, so a forked checkout app's views are the ones extended.
PaymentDetailsView: Any = get_class("checkout.views", "PaymentDetailsView")
CheckoutSessionMixin: Any = get_class("checkout.session", "CheckoutSessionMixin")
RedirectRequired, UnableToTakePayment, PaymentError = get_classes(
    "payment.exceptions", ["RedirectRequired", "UnableToTakePayment", "PaymentError"]
)
Selector = get_class("partner.strategy", "Selector")
Applicator = get_class("offer.applicator", "Applicator")
Order = get_model("order", "Order")

S = OrderStatus
#: Tamara will never authorise these: the basket goes back to the customer.
GIVEN_UP = frozenset({S.DECLINED, S.CANCELED, S.EXPIRED})


def payload_message(error: PayloadInvalid) -> str:
    """What the customer reads when the basket cannot become a Tamara payload."""
    if isinstance(error, UnsupportedCurrency):
        return " ".join(error.errors["currency"])
    details = "; ".join(f"{path}: {' '.join(texts)}" for path, texts in error.errors.items())
    return gettext("Tamara cannot take this payment (%(details)s).") % {"details": details}


def bring_up_to_date(order: TamaraOrder) -> None:
    """Ask Tamara about ``order`` as the app's landing views do: not when its status can no
    longer change the answer, at most once per ``LANDING_SYNC_SECONDS``, and authorising it
    when approved (``lifecycle.settle``); an error is logged, the webhook will catch up."""
    if order.status in GIVEN_UP or order.status in AUTHORISED_OR_LATER or not may_sync(order):
        return
    try:
        lifecycle.settle(order)
    except TamaraError as error:
        logger.warning("could not sync Tamara order %s on the return to Oscar's checkout: %s", order.order_id, error)


def why_given_back(order: TamaraOrder | None) -> str:
    status = order.status if order is not None else None
    if status == S.DECLINED:
        return gettext("Tamara declined the payment - no payment has been taken. Please choose another way to pay.")
    if status == S.EXPIRED:
        return gettext("The Tamara checkout expired - no payment has been taken.")
    return gettext("Tamara payment cancelled - no payment has been taken.")


def give_back_to_basket(request: HttpRequest, checkout_session: Any, order: TamaraOrder | None) -> HttpResponse:
    """Thaw the frozen basket, forget the Tamara order and show why, on Oscar's basket page."""
    baskets.give_back(request, checkout_session)
    forget(request)
    messages.error(request, why_given_back(order))
    return redirect("basket:summary")


class TamaraRedirectView(PaymentDetailsView):
    """Open a Tamara checkout session for the basket and send the customer to Tamara.

    Subclass it and set :attr:`builder_class` to your builder's subclass (docs/oscar.md).
    """

    builder_class: type[OscarCheckoutBuilder] = OscarCheckoutBuilder
    http_method_names = ["post"]
    # The pre-conditions of placing an order (basket, e-mail, shipping), without a preview page.
    preview = True

    def get_builder(self) -> OscarCheckoutBuilder:
        return self.builder_class(self.request)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.submission = self.build_submission()
        return self.submit(**self.submission)

    def render_preview(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """Oscar shows a payment error on the preview page; here it is the payment-details page,
        where the Tamara button is (the preview's "Place order" would take no payment)."""
        return self.render_payment_details(request, **kwargs)

    def handle_payment(self, order_number: Any, total: Any, **kwargs: Any) -> None:
        """Oscar has frozen the basket; open the session and ask Oscar to redirect.

        A basket Tamara cannot take becomes ``UnableToTakePayment`` (Oscar thaws the basket and
        shows the message on the payment-details page); Tamara refusing or failing becomes a
        ``PaymentError`` (Oscar thaws it and shows its "no payment has been taken" message).
        """
        checkout = OscarCheckout.from_submission(self.submission, order_number)
        try:
            payload = self.get_builder().build(checkout)
        except PayloadInvalid as error:
            raise UnableToTakePayment(payload_message(error)) from error
        try:
            result = lifecycle.create_session(payload, checkout.basket, content_object=checkout.basket, validated=True)
        except TamaraError as error:
            raise PaymentError(f"Tamara refused the checkout session: {error}") from error
        remember(self.request, result.order)
        raise RedirectRequired(result.checkout_url)


class TamaraReturnView(PaymentDetailsView):
    """Tamara's success URL: place the Oscar order once Tamara has authorised the payment."""

    http_method_names = ["get"]
    template_name_pending = "tamara_oscar/pending.html"
    tamara_order: TamaraOrder

    # Oscar's checks read request.basket, which is a new, empty basket while the paid one is
    # frozen: the checks that matter here are the Tamara order's and the frozen basket's.
    def get_pre_conditions(self, request: HttpRequest) -> list[str]:
        return []

    def get_skip_conditions(self, request: HttpRequest) -> list[str]:
        return []

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tamara = remembered(request)
        basket = baskets.paid_with(tamara, self.checkout_session) if tamara is not None else None
        if tamara is None or basket is None:
            return self.nothing_to_place()
        bring_up_to_date(tamara)
        if tamara.status in GIVEN_UP:
            return give_back_to_basket(request, self.checkout_session, tamara)
        if tamara.status not in AUTHORISED_OR_LATER:
            return TemplateResponse(request, self.template_name_pending, {"tamara_order": tamara})
        return self.place(tamara, basket.pk)

    def nothing_to_place(self) -> HttpResponse:
        """A reload after the order was placed shows its thank-you page; anything else the basket."""
        if self.request.session.get("checkout_order_id"):
            return redirect("checkout:thank-you")
        messages.error(self.request, gettext("No Tamara payment is in progress for this checkout."))
        return redirect("basket:summary")

    def place(self, tamara: TamaraOrder, basket_id: Any) -> HttpResponse:
        """Place the order through Oscar's ``submit()`` while holding the basket's row lock.

        A second request for the same basket (a reload, a double click, a race) waits for the
        lock and then finds the basket submitted: it shows the order instead of placing another.
        """
        with transaction.atomic():
            basket = baskets.locked(basket_id)
            if basket.status == baskets.Basket.SUBMITTED:
                return self.placed_already(tamara)
            if basket.status != baskets.Basket.FROZEN:
                messages.error(self.request, gettext("This basket is no longer waiting for a Tamara payment."))
                forget(self.request)
                return redirect("basket:summary")
            basket.strategy = Selector().strategy(request=self.request, user=self.request.user)
            Applicator().apply(basket, self.request.user, request=self.request)
            self.tamara_order = tamara
            return self.submit(**self.build_submission(basket=basket))

    def placed_already(self, tamara: TamaraOrder) -> HttpResponse:
        order = Order._default_manager.filter(number=tamara.order_reference_id).first()
        forget(self.request)
        self.checkout_session.flush()
        if order is None:
            return self.nothing_to_place()
        self.request.session["checkout_order_id"] = order.id
        return redirect("checkout:thank-you")

    # Oscar's placement steps -----------------------------------------------------------------

    def generate_order_number(self, basket: Any) -> str:
        """The number sent to Tamara as ``order_reference_id`` when the session was opened."""
        return self.tamara_order.order_reference_id

    def handle_payment(self, order_number: Any, total: Any, **kwargs: Any) -> None:
        """Tamara has authorised the payment: record it as an Oscar Source, if it is this total.

        A total that changed while the customer was at Tamara (a price, an offer, the shipping
        method) is not placed: the authorisation is cancelled through the lifecycle, and Oscar
        thaws the basket and shows the message on the payment-details page.
        """
        tamara = self.tamara_order
        if tamara.currency != total.currency or tamara.total != Money(total.incl_tax, total.currency):
            raise UnableToTakePayment(self.void_changed_total(tamara, total))
        self.add_payment_source(sources.new_source(tamara))

    def void_changed_total(self, tamara: TamaraOrder, total: Any) -> str:
        message = gettext(
            "The total of your basket changed while you were at Tamara (Tamara authorised %(authorised)s, "
            "the basket now comes to %(now)s %(currency)s), so the order was not placed."
        ) % {"authorised": tamara.total, "now": total.incl_tax, "currency": total.currency}
        try:
            lifecycle.cancel(tamara)
        except TamaraError as error:
            logger.error("Tamara order %s: could not cancel the outdated authorisation: %s", tamara.order_id, error)
            return message + " " + gettext("Tamara's authorisation will be released by the shop.")
        return message + " " + gettext("Tamara's authorisation was cancelled: nothing will be charged.")

    def place_order(self, *args: Any, **kwargs: Any) -> Any:
        order = super().place_order(*args, **kwargs)
        # Captures or cancels made before the order existed (an auto-capture, the admin) reach
        # the new Source now; later ones through the signals.
        sources.project(self.tamara_order)
        return order

    def handle_successful_order(self, order: Any) -> HttpResponse:
        forget(self.request)
        return super().handle_successful_order(order)

    def render_preview(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render_payment_details(request, **kwargs)

    def restore_frozen_basket(self) -> None:
        """Oscar calls this when placing fails; an order already written keeps its basket."""
        if Order._default_manager.filter(number=self.tamara_order.order_reference_id).exists():
            return
        baskets.give_back(self.request, self.checkout_session)


class TamaraGiveBackView(CheckoutSessionMixin, generic.View):
    """Tamara's failure and cancel URLs: the basket goes back to the customer, with the reason.

    Only once Tamara confirms it will not authorise: if the order turns out approved or
    authorised after all (a cancel URL typed by hand), the customer goes on to the return view.
    """

    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tamara = remembered(request)
        if tamara is not None:
            bring_up_to_date(tamara)
            if tamara.status == S.APPROVED or tamara.status in AUTHORISED_OR_LATER:
                return redirect("tamara_oscar:return")
        return give_back_to_basket(request, self.checkout_session, tamara)
