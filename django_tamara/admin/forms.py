"""The intermediate forms: one order's amount and details, or a bulk run's shared details.

Each form carries a one-time ``form_token`` (see :func:`.runner.perform`) and validates the
amount against what is left on the order as the form saw it; the runner checks again under
the order's lock, so a form that went stale is refused there, not at Tamara.
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..client import ShippingInfo
from ..models import TamaraOrder
from ..money import Money, MoneyError, exponent_for
from . import actions, operations
from .actions import Kind
from .operations import Operation

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def valid_token(value: str | None) -> bool:
    return bool(value and TOKEN_RE.match(value))


class TokenForm(forms.Form):
    """Base: the hidden one-time token, fresh for every unbound form unless one is given."""

    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, token: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["form_token"] = token if valid_token(token) else new_token()

    def clean_form_token(self) -> str:
        value = self.cleaned_data["form_token"]
        if not valid_token(value):
            raise forms.ValidationError(_("This form is damaged; open it again."))
        return value

    @property
    def token(self) -> str:
        """The form's one-time token ("" for a bound form whose token is missing or damaged)."""
        if not self.is_bound:
            return self.initial["form_token"]
        return getattr(self, "cleaned_data", {}).get("form_token", "")

    @property
    def damaged(self) -> bool:
        """A bound form whose token is missing or not one of ours: it was not sent by our page."""
        return self.is_bound and "form_token" in self.errors


# One order -----------------------------------------------------------------------------------------


class OrderActionForm(TokenForm):
    """A form about one order; ``operation()`` turns its cleaned data into a lifecycle call."""

    kind: str = ""

    def __init__(self, *args: Any, order: TamaraOrder, **kwargs: Any) -> None:
        self.order = order
        super().__init__(*args, **kwargs)

    def operation(self) -> Operation:
        raise NotImplementedError

    def requested(self) -> Money | None:
        return None

    def seen_left(self) -> Decimal | None:
        return None


class ConfirmForm(OrderActionForm):
    """Authorise and sync: nothing to fill in, only the token."""

    def operation(self) -> Operation:
        return operations.authorise_op() if self.kind == Kind.AUTHORISE else operations.sync_op()


class AuthoriseForm(ConfirmForm):
    kind = Kind.AUTHORISE


class SyncForm(ConfirmForm):
    kind = Kind.SYNC


class CheckForm(OrderActionForm):
    """Check with Tamara now: settle the order's unconfirmed capture, refund or cancel."""

    kind = Kind.CHECK

    def operation(self) -> Operation:
        return operations.check_op()


class AmountForm(OrderActionForm):
    """An amount up to what is left, prefilled with all of it (a partial amount is typed over it)."""

    amount = forms.DecimalField(label=_("Amount"), max_digits=15, decimal_places=3)
    seen = forms.DecimalField(widget=forms.HiddenInput, required=False, max_digits=15, decimal_places=3)

    verb_left: Any = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        left = self.left
        places = exponent_for(left.currency)
        field = self.fields["amount"]
        field.widget = forms.NumberInput(
            attrs={
                "step": str(Decimal(1).scaleb(-places)),
                "min": "0",
                "class": "vTextField tamara-amount",
                "dir": "ltr",
            }
        )
        field.help_text = self.verb_left % {"left": left}
        field.label = _("Amount (%(currency)s)") % {"currency": left.currency}
        if not self.is_bound:
            self.initial.setdefault("amount", left.amount)
            self.initial["seen"] = left.amount

    @property
    def left(self) -> Money:
        return actions.left_for(self.order, self.kind) or Money.zero(self.order.currency)

    def clean_amount(self) -> Decimal:
        value = self.cleaned_data["amount"]
        currency = self.order.currency
        try:
            money = Money.parse(value, currency, strict=True)
        except MoneyError:
            raise forms.ValidationError(
                _("%(currency)s amounts have at most %(places)d decimals.")
                % {"currency": currency, "places": exponent_for(currency)}
            ) from None
        if money.amount <= 0:
            raise forms.ValidationError(_("Enter an amount greater than zero."))
        if money > self.left:
            raise forms.ValidationError(_("At most %(left)s is left.") % {"left": self.left})
        return money.amount

    def requested(self) -> Money:
        return Money(self.cleaned_data["amount"], self.order.currency)

    def seen_left(self) -> Decimal | None:
        return self.cleaned_data.get("seen")


class ShippingFields(forms.Form):
    """What Tamara requires with a capture: who ships and when (tracking is optional)."""

    shipping_company = forms.CharField(label=_("Shipping company"), max_length=255)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=255, required=False)
    tracking_url = forms.URLField(label=_("Tracking URL"), max_length=1024, required=False, assume_scheme="https")
    shipped_at = forms.DateTimeField(
        label=_("Shipped at"),
        required=False,
        help_text=_("Empty means now."),
        widget=forms.DateTimeInput(format="%Y-%m-%d %H:%M", attrs={"placeholder": "YYYY-MM-DD HH:MM", "dir": "ltr"}),
    )

    def shipping_info(self) -> ShippingInfo:
        data = self.cleaned_data
        return ShippingInfo(
            shipped_at=data.get("shipped_at") or timezone.now(),
            shipping_company=data["shipping_company"].strip(),
            tracking_number=data.get("tracking_number", "").strip(),
            tracking_url=data.get("tracking_url", ""),
        )


def _shipping_initial(form: forms.Form) -> None:
    if not form.is_bound:
        form.initial.setdefault("shipped_at", timezone.localtime().replace(second=0, microsecond=0))


class CaptureForm(ShippingFields, AmountForm):
    kind = Kind.CAPTURE
    verb_left = _("%(left)s is left to capture.")
    field_order = ["amount", "shipping_company", "tracking_number", "tracking_url", "shipped_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _shipping_initial(self)

    def operation(self) -> Operation:
        return operations.capture_op(self.requested(), self.shipping_info())


class RefundForm(AmountForm):
    kind = Kind.REFUND
    verb_left = _("%(left)s is left to refund.")

    comment = forms.CharField(
        label=_("Comment"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Why the money goes back; Tamara shows it to the customer."),
    )
    merchant_refund_id = forms.CharField(label=_("Your refund id"), max_length=255, required=False)

    def operation(self) -> Operation:
        data = self.cleaned_data
        return operations.refund_op(self.requested(), data["comment"].strip(), data.get("merchant_refund_id") or None)


class CancelForm(AmountForm):
    kind = Kind.CANCEL
    verb_left = _("%(left)s is left to cancel.")

    def operation(self) -> Operation:
        return operations.cancel_op(self.requested())


class ReferenceForm(OrderActionForm):
    kind = Kind.REFERENCE

    order_reference_id = forms.CharField(label=_("New reference id"), max_length=255)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("order_reference_id", self.order.order_reference_id)

    def clean_order_reference_id(self) -> str:
        value = self.cleaned_data["order_reference_id"].strip()
        if not value:
            raise forms.ValidationError(_("This field is required."))
        if value == self.order.order_reference_id:
            raise forms.ValidationError(_("This is the current reference id."))
        return value

    def operation(self) -> Operation:
        return operations.reference_op(self.cleaned_data["order_reference_id"])


ORDER_FORMS: dict[str, type[OrderActionForm]] = {
    Kind.AUTHORISE: AuthoriseForm,
    Kind.SYNC: SyncForm,
    Kind.CAPTURE: CaptureForm,
    Kind.REFUND: RefundForm,
    Kind.CANCEL: CancelForm,
    Kind.REFERENCE: ReferenceForm,
    Kind.CHECK: CheckForm,
}


# Many orders ---------------------------------------------------------------------------------------


class BulkForm(TokenForm):
    """The confirmation of a bulk capture, refund or cancel: each order's full remaining amount."""

    kind: str = ""

    def operation(self) -> Operation:
        raise NotImplementedError


class BulkCaptureForm(BulkForm):
    kind = Kind.CAPTURE

    shipping_company = ShippingFields.base_fields["shipping_company"]
    shipped_at = ShippingFields.base_fields["shipped_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _shipping_initial(self)

    def operation(self) -> Operation:
        data = self.cleaned_data
        info = ShippingInfo(
            shipped_at=data.get("shipped_at") or timezone.now(), shipping_company=data["shipping_company"].strip()
        )
        return operations.capture_op(None, info)


class BulkRefundForm(BulkForm):
    kind = Kind.REFUND

    comment = RefundForm.base_fields["comment"]

    def operation(self) -> Operation:
        return operations.refund_op(None, self.cleaned_data["comment"].strip())


class BulkCancelForm(BulkForm):
    kind = Kind.CANCEL

    def operation(self) -> Operation:
        return operations.cancel_op(None)


BULK_FORMS: dict[str, type[BulkForm]] = {
    Kind.CAPTURE: BulkCaptureForm,
    Kind.REFUND: BulkRefundForm,
    Kind.CANCEL: BulkCancelForm,
}
