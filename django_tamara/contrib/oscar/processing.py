"""Payment events from Oscar's dashboard that capture, refund and cancel at Tamara.

Oscar's dashboard creates a payment event by calling ``get_handler().handle_payment_event``
and shows a ``PaymentError`` as "Unable to create payment event due to payment error: ..."
(``_create_payment_event`` in django-oscar's ``oscar/apps/dashboard/orders/views.py``). The
mixin here recognises the event types of this app (by code: ``tamara-capture``,
``tamara-refund``, ``tamara-cancel``, made after every migrate by :mod:`.event_types`) and
moves the money through :mod:`django_tamara.lifecycle` *before* the event is recorded, so an
event exists only for money Tamara moved; the Source follows through the app's signals (:mod:`.receivers`).

Wire it in one of two ways (docs/oscar.md): a forked ``order`` app whose ``processing.py``
defines ``class EventHandler(TamaraEventHandlerMixin, CoreEventHandler)``, or
``OSCAR_DYNAMIC_CLASS_LOADER = "django_tamara.contrib.oscar.loading.class_loader"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from oscar.apps.order.processing import EventHandler as CoreEventHandler
from oscar.apps.payment.exceptions import PaymentError

from ... import lifecycle
from ...exceptions import AmountExceeded, InvalidTransition, MoneyError, NotConfirmed, OrderHeld, TamaraError
from ...models import Cancellation, Capture, Refund, TamaraOrder
from ...money import Money
from . import sources

__all__ = ["CANCEL", "CAPTURE", "EVENT_TYPES", "REFUND", "EventHandler", "TamaraEventHandlerMixin"]

CAPTURE, REFUND, CANCEL = "capture", "refund", "cancel"

#: The payment event types this app creates (code, name), and what each does at Tamara.
EVENT_TYPES: Mapping[str, tuple[str, str]] = {
    "tamara-capture": ("Tamara capture", CAPTURE),
    "tamara-refund": ("Tamara refund", REFUND),
    "tamara-cancel": ("Tamara cancel", CANCEL),
}


def _noun(kind: str) -> str:
    return {CAPTURE: gettext("capture"), REFUND: gettext("refund"), CANCEL: gettext("cancellation")}[kind]


def _verb(kind: str) -> str:
    return {CAPTURE: gettext("capture"), REFUND: gettext("refund"), CANCEL: gettext("cancel")}[kind]


class TamaraEventHandlerMixin:
    """Put before Oscar's ``EventHandler``: Tamara's payment event types move money at Tamara;
    every other event is Oscar's (or the shop's) as before."""

    #: Payment event type code -> ``"capture"``, ``"refund"`` or ``"cancel"``.
    tamara_event_codes: Mapping[str, str] = {code: kind for code, (_, kind) in EVENT_TYPES.items()}

    user: Any

    def handle_payment_event(
        self,
        order: Any,
        event_type: Any,
        amount: Any,
        lines: Any = None,
        line_quantities: Any = None,
        **kwargs: Any,
    ) -> Any:
        kind = self.tamara_event_codes.get(getattr(event_type, "code", ""))
        if kind is None:
            return super().handle_payment_event(  # type: ignore[misc]  # Oscar's EventHandler, next in the MRO
                order, event_type, amount, lines, line_quantities, **kwargs
            )
        # Oscar's own checks (line quantities) first: nothing moves at Tamara for an event Oscar refuses.
        self.validate_payment_event(order, event_type, amount, lines, line_quantities, **kwargs)  # type: ignore[attr-defined]
        tamara = self.tamara_order_for(order)
        money = self.tamara_money(tamara, amount, kind)
        row = self.move_money(kind, tamara, money, order, **kwargs)
        sources.project(tamara)  # the signal did already; this makes the page show it whatever the receivers do
        reference = getattr(row, {CAPTURE: "capture_id", REFUND: "refund_id", CANCEL: "cancel_id"}[kind])
        kwargs["reference"] = reference
        return self.create_payment_event(  # type: ignore[attr-defined]
            order, event_type, money.amount, lines, line_quantities, **kwargs
        )

    # Steps a shop may override ---------------------------------------------------------------

    def tamara_order_for(self, order: Any) -> TamaraOrder:
        """The Tamara order behind an Oscar order, through its Tamara Source."""
        source = sources.source_for(order)
        tamara = TamaraOrder.objects.filter(order_id=source.reference).first() if source is not None else None
        if tamara is None:
            raise PaymentError(gettext("order %(number)s was not paid with Tamara") % {"number": order.number})
        return tamara

    def tamara_money(self, tamara: TamaraOrder, amount: Any, kind: str) -> Money:
        """``amount`` in the Tamara order's currency, refused (not rounded) when it has more decimals."""
        try:
            return Money.parse(amount, tamara.currency, strict=True)
        except MoneyError as error:
            raise PaymentError(
                gettext("cannot %(action)s %(amount)s: %(error)s")
                % {"action": _verb(kind), "amount": amount, "error": error}
            ) from error

    def get_shipping_info(self, order: Any, **kwargs: Any) -> dict[str, Any]:
        """What Tamara asks of every capture: when it shipped, and with whom (the order's shipping
        method unless the event's ``reference`` names the carrier)."""
        return {
            "shipped_at": timezone.now().isoformat(),
            "shipping_company": kwargs.get("reference") or order.shipping_method or "N/A",
        }

    def get_refund_comment(self, order: Any, **kwargs: Any) -> str:
        return gettext("Refund of Oscar order %(number)s from the dashboard") % {"number": order.number}

    def move_money(
        self, kind: str, tamara: TamaraOrder, money: Money, order: Any, **kwargs: Any
    ) -> Capture | Refund | Cancellation:
        """Capture, refund or cancel through the lifecycle; its typed errors become Oscar's
        ``PaymentError``, with a message the dashboard shows as it is."""
        user = self.user if getattr(self.user, "pk", None) else None
        try:
            if kind == CAPTURE:
                return lifecycle.capture(
                    tamara, money, shipping_info=self.get_shipping_info(order, **kwargs), user=user
                )
            if kind == REFUND:
                return lifecycle.refund(tamara, money, comment=self.get_refund_comment(order, **kwargs), user=user)
            return lifecycle.cancel(tamara, money, user=user)
        except NotConfirmed as error:
            raise PaymentError(
                gettext(
                    "Tamara has not confirmed the %(action)s of %(amount)s: it is not confirmed and may or may "
                    "not have happened. Do not repeat it; the order is held until Tamara's records settle it."
                )
                % {"action": _noun(kind), "amount": money}
            ) from error
        except OrderHeld as error:
            raise PaymentError(str(error)) from error
        except (AmountExceeded, InvalidTransition) as error:
            raise PaymentError(str(error)) from error
        except TamaraError as error:
            raise PaymentError(
                gettext("Tamara refused the %(action)s of %(amount)s: %(error)s")
                % {"action": _noun(kind), "amount": money, "error": error}
            ) from error


class EventHandler(TamaraEventHandlerMixin, CoreEventHandler):
    """Oscar's core ``EventHandler`` with Tamara's payment events, for a forked ``order`` app's
    ``processing.py`` to import as it is (``from django_tamara.contrib.oscar.processing import
    EventHandler``)."""
