"""The merchant API endpoints: thin adapters from HTTP to :class:`~.state.Store`.

Each function takes the simulator and the request and returns a :class:`~.http_messages.Response`;
all rules live in the ``Store``'s modules, ``validation.py`` and ``limits.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .body_fields import parse_money, require_object
from .errors import SimulatorError
from .http_messages import Request, Response
from .money import Money, MoneyError
from .phone_numbers import is_decline_phone, phone_is_plausible

if TYPE_CHECKING:
    from .core import Simulator

__all__ = ["ROUTES"]


def _answer(sim: Simulator, result: tuple[dict[str, Any], list[Any]], order_id: str | None = None) -> Response:
    answer, events = result
    # A field without a value is left out, not sent as null: the schemas copied into tests/schemas/
    # allow no null (Tamara Orders API OpenAPI 3.0.3, AuthoriseResponse.capture_id; issue #13).
    answer = {k: v for k, v in answer.items() if v is not None}
    return Response.json(
        answer,
        events=events,
        deliver_first=sim.merchant_event_delivery == "before_response",
        order_id=order_id or answer.get("order_id"),
    )


def create_checkout(sim: Simulator, req: Request) -> Response:
    answer, _order = sim.store.create_checkout(req.json(), sim.public_url)
    return Response.json(answer, order_id=answer["order_id"])


def payment_types(sim: Simulator, req: Request) -> Response:
    country = req.query.get("country")
    if not country:
        raise SimulatorError(400, "country is required", "country_required", {"field": "country"})
    currency = sim.limits.currency_of(country, req.query.get("currency") or None)
    # The order_value and phone filters of Tamara's "Payment Types" page.
    order_value = None
    raw_value = req.query.get("order_value")
    if raw_value not in (None, ""):
        try:
            order_value = Money.parse(raw_value, currency or "SAR", strict=True).amount
        except MoneyError:
            raise SimulatorError(
                400, f"order_value {raw_value!r} is not an amount", "order_value_invalid", {"field": "order_value"}
            ) from None
        if order_value <= 0:
            raise SimulatorError(
                400, "order_value must be greater than zero", "order_value_invalid", {"field": "order_value"}
            )
    phone = (req.query.get("phone") or "").strip()
    if phone:
        if not phone_is_plausible(phone, country.upper()):
            raise SimulatorError(
                400,
                f"phone {phone!r} is not a valid phone number for {country}",
                "invalid_phone_number",
                {"field": "phone"},
            )
        if is_decline_phone(phone):
            return Response.json([])  # the sandbox's declined customer has no options
    return Response.json(sim.limits.payment_types(currency, order_value))


def payment_options_pre_check(sim: Simulator, req: Request) -> Response:
    body = require_object(req.json())
    if body.get("order_value") in (None, {}):
        raise SimulatorError(400, "order_value is required", "order_value_required", {"field": "order_value"})
    value = parse_money(body["order_value"], "order_value")
    country = body.get("country")
    matches = not country or sim.limits.currency_of(str(country), value.currency) is not None
    labels = sim.limits.available_labels(value) if matches else []
    return Response.json(
        {
            "has_available_payment_options": bool(labels),
            "single_checkout_enabled": sim.single_checkout_enabled,
            "available_payment_labels": labels,
        }
    )


def credit_pre_check(sim: Simulator, req: Request) -> Response:
    body = require_object(req.json())
    if body.get("total_amount") in (None, {}):
        raise SimulatorError(400, "total_amount is required", "total_amount_required", {"field": "total_amount"})
    total = parse_money(body["total_amount"], "total_amount")
    country = body.get("country_code")
    if country and sim.limits.currency_of(str(country), total.currency) is None:
        return Response.json([])
    types = [
        t
        for t in sim.limits.payment_types(total.currency)
        if t["min_limit"]["amount"] <= float(total.amount) <= t["max_limit"]["amount"]
    ]
    return Response.json(types)


def _order_json(sim: Simulator, order_id: str) -> Response:
    body, events = sim.store.get_json(order_id)
    return Response(
        200, body, events=events, deliver_first=sim.merchant_event_delivery == "before_response", order_id=order_id
    )


def get_order(sim: Simulator, req: Request) -> Response:
    return _order_json(sim, req.params["order_id"])


def get_order_by_reference(sim: Simulator, req: Request) -> Response:
    return _order_json(sim, sim.store.order_id_for_reference(req.params["reference"]))


def authorise(sim: Simulator, req: Request) -> Response:
    req.json()  # optional (some clients send {order_id}), but it must be JSON when present
    return _answer(sim, sim.store.authorise(req.params["order_id"]))


def cancel(sim: Simulator, req: Request) -> Response:
    return _answer(sim, sim.store.cancel(req.params["order_id"], req.json()))


def update_reference(sim: Simulator, req: Request) -> Response:
    return _answer(sim, sim.store.update_reference(req.params["order_id"], req.json()), req.params["order_id"])


def capture(sim: Simulator, req: Request) -> Response:
    return _answer(sim, sim.store.capture(req.json()))


def simplified_refund(sim: Simulator, req: Request) -> Response:
    return _answer(sim, sim.store.simplified_refund(req.params["order_id"], req.json()))


def refund(sim: Simulator, req: Request) -> Response:
    return _answer(sim, sim.store.refund(req.json()))


def register_webhook(sim: Simulator, req: Request) -> Response:
    return Response.json(sim.webhooks.register(req.json()))


def list_webhooks(sim: Simulator, req: Request) -> Response:
    return Response.json(sim.webhooks.list_all())


def get_webhook(sim: Simulator, req: Request) -> Response:
    return Response.json(sim.webhooks.get(req.params["webhook_id"]))


def update_webhook(sim: Simulator, req: Request) -> Response:
    return Response.json(sim.webhooks.update(req.params["webhook_id"], req.json()))


def delete_webhook(sim: Simulator, req: Request) -> Response:
    return Response.json(sim.webhooks.delete(req.params["webhook_id"]))


_ID = r"(?P<order_id>[^/]+)"

#: (method, path regex, endpoint); every one needs the merchant's bearer token.
ROUTES = [
    ("POST", r"/checkout", create_checkout),
    ("GET", r"/checkout/payment-types", payment_types),
    ("POST", r"/checkout/payment-options-pre-check", payment_options_pre_check),
    ("POST", r"/checkout/credit-pre-check", credit_pre_check),
    ("GET", rf"/orders/{_ID}", get_order),
    ("GET", r"/merchants/orders/reference-id/(?P<reference>.+)", get_order_by_reference),
    ("GET", rf"/merchants/orders/{_ID}", get_order),
    ("POST", rf"/orders/{_ID}/authorise", authorise),
    ("POST", rf"/orders/{_ID}/cancel", cancel),
    ("PUT", rf"/orders/{_ID}/reference-id", update_reference),
    ("POST", r"/payments/capture", capture),
    ("POST", rf"/payments/simplified-refund/{_ID}", simplified_refund),
    ("POST", r"/payments/refund", refund),
    ("POST", r"/webhooks", register_webhook),
    ("GET", r"/webhooks/list", list_webhooks),  # before /webhooks/{webhook_id}, which would match it
    ("GET", r"/webhooks/(?P<webhook_id>[^/]+)", get_webhook),
    ("PUT", r"/webhooks/(?P<webhook_id>[^/]+)", update_webhook),
    ("DELETE", r"/webhooks/(?P<webhook_id>[^/]+)", delete_webhook),
]
