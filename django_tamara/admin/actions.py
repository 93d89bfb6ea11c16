"""Who may run each admin action, and whether it fits an order now.

The rules live apart from the code that runs an action so the changelist, the change page's
buttons, the forms and the runner all ask the same question and get the same answer; the
reasons are in the operator's language because they are shown as they are. The
lifecycle's own checks stay the last word: these only keep a person from asking Tamara
for something that cannot happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import DecimalField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..lifecycle import intents
from ..models import Intent, OrderAction, TamaraOrder
from ..money import Money
from ..states import CANCELABLE, CAPTURABLE, REFUNDABLE, OrderStatus

if TYPE_CHECKING:  # the lazy string type exists in django-stubs only
    from django_stubs_ext import StrPromise

Kind = OrderAction.Kind
Outcome = OrderAction.Outcome


@dataclass(frozen=True)
class ActionSpec:
    """One admin action: its permission codename and the labels the operator reads."""

    kind: str
    codename: str
    label: StrPromise
    bulk_label: StrPromise | None = None

    @property
    def permission(self) -> str:
        return f"django_tamara.{self.codename}"


SPECS: dict[str, ActionSpec] = {
    spec.kind: spec
    for spec in (
        ActionSpec(
            Kind.AUTHORISE,
            "authorise_tamaraorder",
            gettext_lazy("Authorise"),
            gettext_lazy("Authorise the selected Tamara orders"),
        ),
        ActionSpec(
            Kind.CAPTURE,
            "capture_tamaraorder",
            gettext_lazy("Capture"),
            gettext_lazy("Capture the selected Tamara orders in full"),
        ),
        ActionSpec(
            Kind.REFUND,
            "refund_tamaraorder",
            gettext_lazy("Refund"),
            gettext_lazy("Refund the selected Tamara orders in full"),
        ),
        ActionSpec(
            Kind.CANCEL,
            "cancel_tamaraorder",
            gettext_lazy("Cancel"),
            gettext_lazy("Cancel the selected Tamara orders in full"),
        ),
        ActionSpec(
            Kind.SYNC,
            "sync_tamaraorder",
            gettext_lazy("Sync from Tamara"),
            gettext_lazy("Sync the selected Tamara orders from Tamara"),
        ),
        ActionSpec(Kind.REFERENCE, "update_reference_tamaraorder", gettext_lazy("Update reference id")),
        ActionSpec(Kind.CHECK, "sync_tamaraorder", gettext_lazy("Check with Tamara now")),
    )
}

#: The actions that move money: each is committed as an intent before Tamara is called.
MONEY_KINDS = frozenset({Kind.CAPTURE, Kind.REFUND, Kind.CANCEL})

#: Changelist action name -> kind (the names are a contract with shops' tests).
BULK_ACTIONS: dict[str, str] = {
    "authorise_orders": Kind.AUTHORISE,
    "capture_orders": Kind.CAPTURE,
    "refund_orders": Kind.REFUND,
    "cancel_orders": Kind.CANCEL,
    "sync_orders": Kind.SYNC,
}


def allowed(user: Any, kind: str) -> bool:
    """Whether ``user`` holds the permission of ``kind`` (superusers hold them all)."""
    return bool(user is not None and user.is_active and user.has_perm(SPECS[kind].permission))


# What is left, and whether an action fits ----------------------------------------------------


def left_for(order: TamaraOrder, kind: str) -> Money | None:
    """What an amount action may still move (:meth:`~django_tamara.models.TamaraOrder.left_to`);
    ``None`` for the actions that move no money."""
    return order.left_to(kind) if kind in (Kind.CAPTURE, Kind.CANCEL, Kind.REFUND) else None


def why_not(order: TamaraOrder, kind: str) -> str | None:
    """Why ``kind`` does not fit ``order`` now, in the operator's language; ``None`` when it fits.

    Reads the row's fields only (no query), so the changelist and the change page can ask it
    for every order they show.
    """
    status = order.get_status_display()
    if kind == Kind.CHECK:
        return None  # offered only while the order is held (see held_reason)
    if kind == Kind.AUTHORISE:
        if order.status not in (OrderStatus.NEW, OrderStatus.APPROVED):
            return _("it is %(status)s: only approved orders need authorising") % {"status": status}
    elif kind == Kind.CAPTURE:
        if order.status not in CAPTURABLE:  # then by the amounts (#13)
            return _("it is %(status)s: only authorised or partially captured orders can be captured") % {
                "status": status
            }
        if order.capturable.is_zero():
            return _("nothing is left to capture")
    elif kind == Kind.REFUND:
        if order.status not in REFUNDABLE or order.captured_amount <= 0:
            return _("it is %(status)s: only captured orders can be refunded") % {"status": status}
        if order.refundable.is_zero():
            return _("nothing is left to refund")
    elif kind == Kind.CANCEL:
        if order.status not in CANCELABLE or order.captured_amount > 0:
            return _(
                "it is %(status)s: only authorised orders with nothing captured can be canceled "
                "(refund captured money instead)"
            ) % {"status": status}
        if order.capturable.is_zero():
            return _("nothing is left to cancel")
    return None


def fits(order: TamaraOrder, kind: str) -> bool:
    return why_not(order, kind) is None


def held_reason(intent: Intent | None) -> str | None:
    """Why no capture, refund or cancel fits while ``intent`` is open, in the operator's language."""
    if intent is None:
        return None
    return _(
        "Tamara has not confirmed the %(kind)s of %(amount)s sent at %(when)s. Nothing else may move "
        "money on this order until Tamara's records show whether it happened: a webhook or the next "
        "sync settles it, or use Check with Tamara now. If Tamara still shows nothing at %(until)s, "
        "it was not made"
    ) % {
        "kind": intent.get_kind_display().lower(),
        "amount": intent.money,
        "when": f"{timezone.localtime(intent.created_at):%Y-%m-%d %H:%M:%S}",
        "until": f"{timezone.localtime(intents.settle_by(intent)):%H:%M:%S}",
    }


# The same rules in SQL, for the bulk confirmation page (kept next to why_not so both change together)

_DECIMAL = DecimalField(max_digits=15, decimal_places=3)

#: For the bulk confirmation page: which orders the action fits, and what is left on each.
ELIGIBLE: dict[str, tuple[Q, Any]] = {
    # By the amounts within the authorised statuses (#13), as why_not decides.
    Kind.CAPTURE: (
        Q(status__in=CAPTURABLE, total_amount__gt=F("captured_amount") + F("canceled_amount")),
        ExpressionWrapper(F("total_amount") - F("captured_amount") - F("canceled_amount"), _DECIMAL),
    ),
    Kind.CANCEL: (
        Q(status__in=CANCELABLE, captured_amount=0),
        ExpressionWrapper(F("total_amount") - F("captured_amount") - F("canceled_amount"), _DECIMAL),
    ),
    Kind.REFUND: (
        Q(status__in=REFUNDABLE, captured_amount__gt=F("refunded_amount")),
        ExpressionWrapper(F("captured_amount") - F("refunded_amount"), _DECIMAL),
    ),
}
