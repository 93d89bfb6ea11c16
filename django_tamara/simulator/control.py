"""The control API (``/simulator/...``), the hosted checkout page and the widget script.

The control API needs no token: it is a local test tool, and it lets an out-of-process
simulator (the sandbox shop, the benchmarks) be driven exactly like the in-process one.
Each endpoint calls the same :class:`~.core.Simulator` method a Python test would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .body_fields import require_object
from .checkout_page import page_language, render_checkout, render_message
from .errors import SimulatorError
from .http_messages import Request, Response
from .jsonutil import add_query
from .widget import WIDGET_JS

if TYPE_CHECKING:
    from .core import Simulator

__all__ = ["CONTROL_ROUTES", "PAGE_ROUTES"]


def _body(req: Request) -> dict[str, Any]:
    body = req.json()
    return {} if body is None else require_object(body)


def health(sim: Simulator, req: Request) -> Response:
    return Response.json({"status": "ok", "url": sim.url})


def reset(sim: Simulator, req: Request) -> Response:
    sim.reset()
    return Response.json({"message": "Simulator reset"})


def clock(sim: Simulator, req: Request) -> Response:
    return Response.json(sim.clock_status())


def advance_clock(sim: Simulator, req: Request) -> Response:
    body = _body(req)
    units = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
    total = 0.0
    try:
        for unit, factor in units.items():
            if body.get(unit) is not None:
                total += float(body[unit]) * factor
    except (TypeError, ValueError):
        raise SimulatorError(400, "seconds must be a number", "invalid_seconds", {"field": "seconds"}) from None
    if total < 0:
        raise SimulatorError(400, "The clock only moves forward", "invalid_seconds", {"field": "seconds"})
    sim.advance_clock(total)
    return Response.json(sim.clock_status())


def journal(sim: Simulator, req: Request) -> Response:
    since = req.query.get("since")
    try:
        since_seq = int(since) if since else None
    except ValueError:
        raise SimulatorError(400, "since must be an integer", "invalid_since", {"field": "since"}) from None
    entries = sim.journal(since=since_seq, kind=req.query.get("kind") or None)
    return Response.json({"entries": entries, "last_seq": sim.journal_last_seq()})


def get_config(sim: Simulator, req: Request) -> Response:
    return Response.json(sim.config())


def set_config(sim: Simulator, req: Request) -> Response:
    return Response.json(sim.configure(**_body(req)))


def list_faults(sim: Simulator, req: Request) -> Response:
    return Response.json({"faults": sim.faults.list(), "webhook_faults": sim.webhook_faults.status()})


def add_fault(sim: Simulator, req: Request) -> Response:
    body = _body(req)
    if "action" not in body:
        raise SimulatorError(400, "action is required", "action_required", {"field": "action"})
    fault = sim.inject_fault(
        body.get("path") or "",
        body["action"],
        method=body.get("method"),
        count=body.get("count", 1),
        delay=body.get("delay"),
        retry_after=body.get("retry_after"),
    )
    return Response.json(fault, status=201)


def clear_faults(sim: Simulator, req: Request) -> Response:
    sim.clear_faults()
    return Response.json({"message": "Faults cleared"})


def add_webhook_fault(sim: Simulator, req: Request) -> Response:
    body = _body(req)
    mode = body.get("mode")
    # Anything but a known mode gets the same 400 from WebhookFaults.add; "" is not one.
    sim.inject_webhook_fault(mode if isinstance(mode, str) else "", body.get("count", 1))
    return Response.json({"webhook_faults": sim.webhook_faults.status()}, status=201)


def clear_webhook_faults(sim: Simulator, req: Request) -> Response:
    sim.webhook_faults.clear()
    return Response.json({"webhook_faults": sim.webhook_faults.status()})


def flush_webhooks(sim: Simulator, req: Request) -> Response:
    return Response.json({"delivered": sim.flush_notifications()})


def wait_notifications(sim: Simulator, req: Request) -> Response:
    body = _body(req)
    try:
        timeout = float(body.get("timeout", 10))
    except (TypeError, ValueError):
        raise SimulatorError(400, "timeout must be a number", "invalid_timeout", {"field": "timeout"}) from None
    return Response.json({"idle": sim.wait_for_notifications(min(timeout, 60.0))})


def list_orders(sim: Simulator, req: Request) -> Response:
    return Response.json({"orders": sim.orders()})


def order(sim: Simulator, req: Request) -> Response:
    return Response.json(sim.get_order(req.params["order_id"]))


def customer_action(sim: Simulator, req: Request) -> Response:
    action = req.params["action"]
    # Deliveries happen inside the Simulator method, before this answer (deterministic tests).
    result = getattr(sim, action)(req.params["order_id"], via="control")
    return Response.json(result, order_id=result["order_id"])


# The hosted page ---------------------------------------------------------------------------

_REDIRECT = {
    "approve": ("success", "approved"),
    "decline": ("failure", "declined"),
    "cancel": ("cancel", "canceled"),
}


def checkout_page(sim: Simulator, req: Request) -> Response:
    lang_requested = req.query.get("lang")
    try:
        order = sim.order_for_checkout(req.params["checkout_id"])
    except SimulatorError:
        return Response.html(render_message(page_language(lang_requested, None), "Checkout not found"), 404)
    lang = page_language(lang_requested, order.payload.get("locale"))
    return Response.html(render_checkout(order, lang, sim.now().date()))


def checkout_action(sim: Simulator, req: Request) -> Response:
    lang = page_language(req.query.get("lang"), None)
    try:
        order = sim.order_for_checkout(req.params["checkout_id"])
        result = getattr(sim, req.params["action"])(order.order_id, via="page")
    except SimulatorError as exc:
        return Response.html(render_message(lang, exc.message), exc.status)
    action = req.params["action"]
    if action == "approve" and result["status"] == "declined":
        action = "decline"  # the sandbox decline phone: approved by the customer, declined by Tamara
    url_key, payment_status = _REDIRECT[action]
    target = order.merchant_url.get(url_key) or "/"
    location = add_query(target, orderId=order.order_id, paymentStatus=payment_status)
    return Response(303, b"", content_type="text/plain", headers={"Location": location}, order_id=order.order_id)


def widget(sim: Simulator, req: Request) -> Response:
    return Response(
        200,
        WIDGET_JS.encode("utf-8"),
        content_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "max-age=300", "Access-Control-Allow-Origin": "*"},
    )


_ORDER = r"(?P<order_id>[^/]+)"

CONTROL_ROUTES = [
    ("GET", r"/simulator/health", health),
    ("POST", r"/simulator/reset", reset),
    ("GET", r"/simulator/clock", clock),
    ("POST", r"/simulator/clock/advance", advance_clock),
    ("GET", r"/simulator/journal", journal),
    ("GET", r"/simulator/config", get_config),
    ("POST", r"/simulator/config", set_config),
    ("GET", r"/simulator/faults", list_faults),
    ("POST", r"/simulator/faults", add_fault),
    ("DELETE", r"/simulator/faults", clear_faults),
    ("GET", r"/simulator/webhook-faults", list_faults),
    ("POST", r"/simulator/webhook-faults", add_webhook_fault),
    ("DELETE", r"/simulator/webhook-faults", clear_webhook_faults),
    ("POST", r"/simulator/webhook-faults/flush", flush_webhooks),
    ("POST", r"/simulator/notifications/wait", wait_notifications),
    ("GET", r"/simulator/orders", list_orders),
    ("GET", rf"/simulator/orders/{_ORDER}", order),
    ("POST", rf"/simulator/orders/{_ORDER}/(?P<action>approve|decline|cancel|expire)", customer_action),
]

_CHECKOUT = r"(?P<checkout_id>[0-9a-fA-F-]{36})"

PAGE_ROUTES = [
    ("GET", rf"/checkout/{_CHECKOUT}", checkout_page),
    ("POST", rf"/checkout/{_CHECKOUT}/(?P<action>approve|decline|cancel)", checkout_action),
    ("GET", r"/widget-v2/tamara-widget.js", widget),
]
