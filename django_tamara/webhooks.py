"""Receiving Tamara's notifications: verify the token, store the delivery once, answer fast.

Tamara signs a ``tamaraToken`` JWT (HS256, keyed with the notification token) and sends it as
a query parameter, and on some channels as ``Authorization: Bearer``; a delivery is authentic
when either verifies (the ``Authorization`` header may be the merchant's own registered one). The token proves the sender, not the body,
so processing (``tasks.process_webhook_event``) re-fetches the order before changing anything;
this module only decides whether a delivery is authentic and well-formed, and stores it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from typing import Any, Mapping

import jwt
from django.db import DatabaseError, IntegrityError, InterfaceError, transaction
from django.http import HttpRequest, HttpResponseNotAllowed, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .conf import tamara_settings
from .models import WebhookEvent

logger = logging.getLogger("django_tamara.webhooks")

#: Headers kept with a stored delivery; everything else (Authorization, cookies) is dropped.
KEPT_HEADERS = ("Content-Type", "Content-Length", "User-Agent", "X-Forwarded-For", "X-Request-Id")

#: The one table of Tamara's webhook events and what each means (Tamara's "Webhooks" page;
#: issue #13). Registration (``tamara_webhooks register``), intake (stored as pending), processing
#: and the admin's event-type filter all read it; nothing else keeps a list of event names.
EVENTS: dict[str, str] = {
    "order_approved": "the customer approved the order at checkout; it waits to be authorised",
    "order_declined": "Tamara declined the order (the payload may name the reason)",
    "order_authorised": "the order is authorised: the shop may ship and capture",
    "order_canceled": "the authorisation, or part of it, was canceled",
    "order_updated": "the order changed after authorisation (part of it canceled, items or amounts updated)",
    "order_captured": "a capture was made",
    "order_refunded": "a refund was made",
    "order_expired": "the order was not authorised in time and expired",
}

#: The event names, in the table's order (what ``tamara_webhooks register`` registers by default).
TAMARA_EVENTS: tuple[str, ...] = tuple(EVENTS)

#: Events that are processed; others (disputes, future events) are stored as ignored.
KNOWN_EVENTS = frozenset(EVENTS)

#: What an event type may be: Tamara's are lower-case words joined by underscores, and the
#: column holds 64 characters. Anything else (upper case, spaces, NUL, a lone surrogate) is
#: refused before it reaches the database or the admin's filters.
EVENT_TYPE = re.compile(r"[a-z_]{1,64}")

#: Answered when the database could not store a delivery: Tamara retries a 5xx.
STORE_FAILED = "could not store the delivery; try again"


class InvalidToken(Exception):
    pass


class InvalidBody(Exception):
    pass


def token_from_request(request: HttpRequest) -> str | None:
    """The ``Authorization: Bearer`` token, else the ``tamaraToken`` query parameter.

    Kept for callers that want one token; the view checks every candidate
    (:func:`tokens_from_request`), since the ``Authorization`` header may be the merchant's own.
    """
    candidates = tokens_from_request(request)
    return candidates[0] if candidates else None


def tokens_from_request(request: HttpRequest) -> list[str]:
    """Every token the delivery offers: the ``Authorization: Bearer`` token and the
    ``tamaraToken`` query parameter, in that order, without repeats.

    Tamara sends the headers a merchant registered with its webhook with each delivery, so the
    ``Authorization`` header may be the merchant's own (Tamara's "Register Webhook URL" page
    shows ``"headers": {"authorization": "..."}``): a header that is not a Bearer token is
    not a candidate, and one that is a Bearer token but not Tamara's fails on its own without
    hiding the query parameter (issue #13).
    """
    found: list[str] = []
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        found.append(token.strip())
    query = request.GET.get("tamaraToken")
    if query and query not in found:
        found.append(query)
    return found


def verify_request(request: HttpRequest) -> dict[str, Any]:
    """The claims of the first of the delivery's tokens that verifies, or :class:`InvalidToken`
    (with the reason of the last failure) when none does."""
    candidates = tokens_from_request(request)
    if not candidates:
        return verify_token(None)  # raises: no token (or no key configured)
    failure: InvalidToken | None = None
    for token in candidates:
        try:
            return verify_token(token)
        except InvalidToken as reason:
            failure = reason
    assert failure is not None
    raise failure


def verify_token(token: str | None, key: str | None = None, *, leeway: float | None = None) -> dict[str, Any]:
    """Decode ``token`` or raise :class:`InvalidToken`. HS256 only; ``exp`` and ``iat`` required.

    Pinning the algorithm list refuses ``alg: none`` and algorithm-confusion tokens (RS256 with
    the shared secret as a "public key"), whatever the token's header claims.
    """
    key = key if key is not None else tamara_settings.NOTIFICATION_TOKEN
    if not token or not key:
        raise InvalidToken("no token" if not token else "no notification token configured")
    try:
        return jwt.decode(
            token,
            key,
            algorithms=["HS256"],
            options={"require": ["exp", "iat"], "verify_exp": True, "verify_iat": True},
            leeway=tamara_settings.WEBHOOK_LEEWAY if leeway is None else leeway,
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(type(error).__name__) from None


def parse_body(raw: bytes) -> tuple[dict[str, Any], str]:
    """Check the delivery's JSON; return it and its event type (either shape, normalised).

    Only what the database and the admin can hold is accepted, so a delivery that passes is
    stored and shown without a 500 on SQLite and PostgreSQL alike (#12): the body must be
    UTF-8 (PostgreSQL's text is), and no string in it may hold a NUL (``\\u0000``, which
    PostgreSQL's text and jsonb refuse) or a lone surrogate (which UTF-8 cannot encode).
    Tamara sends neither; a body that does is not one of its notifications.
    """
    try:
        body = json.loads(raw.decode("utf-8-sig"))  # as json.loads(bytes) does, a BOM is allowed
    except UnicodeDecodeError:
        raise InvalidBody("the body is not UTF-8") from None
    except (ValueError, RecursionError):
        raise InvalidBody("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidBody("the body must be a JSON object")
    order_id = body.get("order_id")
    if not isinstance(order_id, str):
        raise InvalidBody("order_id is missing or not a string")
    try:
        uuid.UUID(order_id)
    except ValueError:
        raise InvalidBody("order_id is not a UUID") from None
    event_type = body.get("event_type")
    if event_type is None and "order_status" in body:
        status = body["order_status"]
        if not isinstance(status, str) or not status or not EVENT_TYPE.fullmatch(f"order_{status}"):
            raise InvalidBody("order_status must be 1 to 58 lower-case letters and underscores")
        event_type = f"order_{status}"
    elif not isinstance(event_type, str) or not EVENT_TYPE.fullmatch(event_type):
        raise InvalidBody("event_type (or order_status) must be 1 to 64 lower-case letters and underscores")
    check_text(body)
    return body, event_type


def check_text(body: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidBody` if a string of ``body`` (a key or a value) holds a NUL or a
    lone surrogate.

    A walk over the parsed document: ``json.dumps`` would write a NUL back as the escape it
    came in as, and a notification is a few dozen strings, so the walk costs microseconds.
    """
    stack: list[Any] = [body]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise InvalidBody("the body holds a NUL character (\\u0000)")
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise InvalidBody("the body holds a lone surrogate (an unpaired \\ud800-\\udfff)") from None


def dedupe_key(body: Mapping[str, Any]) -> str:
    """The same notification delivered twice has the same body; its hash is the event's identity.

    Hashed from the parsed JSON with sorted keys, so white space or key order cannot make a
    repeat look new.
    """
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def safe_headers(request: HttpRequest) -> dict[str, str]:
    """The kept headers, without NUL characters (PostgreSQL's jsonb cannot hold them)."""
    return {name: request.headers[name].replace("\x00", "") for name in KEPT_HEADERS if name in request.headers}


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class WebhookView(View):
    """``POST /tamara/webhooks/``: Tamara's notification URL and registered webhook.

    A plain Django view, not DRF's ``APIView``: it uses none of DRF's parsing, negotiation or
    authentication, and their dispatch cost a tenth of a delivery's time in a flash sale.
    """

    http_method_names = ["post"]

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseNotAllowed:
        return HttpResponseNotAllowed(["POST"], content=b'{"error": "method not allowed: use POST"}',
                                      content_type="application/json")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            verify_request(request)
        except InvalidToken as reason:
            logger.warning("refused a webhook with an invalid token (%s)", reason)
            return error(401, "invalid or missing tamaraToken")

        limit = tamara_settings.WEBHOOK_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error(400, "invalid Content-Length")
        if length > limit:
            return error(413, f"body larger than {limit} bytes")
        raw = request.body
        if len(raw) > limit:
            return error(413, f"body larger than {limit} bytes")
        try:
            body, event_type = parse_body(raw)
        except InvalidBody as reason:
            return error(400, str(reason))
        return self.store(request, raw, body, event_type)

    def store(self, request: HttpRequest, raw: bytes, body: Mapping[str, Any], event_type: str) -> JsonResponse:
        """Store the delivery with a single INSERT, committed on its own.

        The database does the checks: the foreign key refuses an order we do not have, the
        unique ``dedupe_key`` a repeat. Only when it refuses do we look at which it was.
        Processing is queued once the row is committed (``enqueue_event`` uses on_commit),
        so the intake writes once per delivery.

        A database that fails (down, restarting, out of connections) means the delivery is
        not stored: the answer is a JSON 503, which Tamara retries, never Django's HTML 500.
        Once the row is stored the answer is 2xx whatever queueing does (#12).
        """
        from .tasks import enqueue_event

        known = event_type in KNOWN_EVENTS
        key = dedupe_key(body)
        try:
            try:
                event = WebhookEvent.objects.create(
                    dedupe_key=key,
                    order_id=body["order_id"],
                    event_type=event_type,
                    body=raw.decode("utf-8-sig"),  # parse_body checked it is UTF-8
                    headers=safe_headers(request),
                    state=WebhookEvent.State.PENDING if known else WebhookEvent.State.IGNORED,
                )
            except IntegrityError:
                if WebhookEvent.objects.filter(dedupe_key=key).exists():
                    logger.info("duplicate %s delivery for order %s ignored", event_type, body["order_id"])
                    return JsonResponse({"status": "duplicate"})
                return error(404, f"unknown order {body['order_id']}")
        except (DatabaseError, InterfaceError) as failure:  # IntegrityError is handled above
            logger.warning("could not store a %s delivery for order %s (%s: %s); answered 503",
                           event_type, body["order_id"], type(failure).__name__, failure)
            return error(503, STORE_FAILED)
        if known:
            enqueue_event(event.pk)
        return JsonResponse({"status": "received", "event": event.pk})
