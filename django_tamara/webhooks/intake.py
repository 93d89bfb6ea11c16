"""Receiving Tamara's notifications: check the token and the body, store the delivery with one
INSERT, queue its processing, answer fast.

This module only decides whether a delivery is authentic (:mod:`.tokens`) and well-formed,
and stores it; :mod:`.processing` brings the order to what Tamara has, later, from a task.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from typing import Any, Mapping

from django.db import DatabaseError, IntegrityError, InterfaceError, transaction
from django.http import HttpRequest, HttpResponseNotAllowed, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .. import compiled, tasks
from ..conf import tamara_settings
from ..models import WebhookEvent
from . import gate
from .events import EVENT_TYPE, KNOWN_EVENTS
from .tokens import InvalidToken, verify_request

logger = logging.getLogger("django_tamara.webhooks")

#: Headers kept with a stored delivery; everything else (Authorization, cookies) is dropped.
KEPT_HEADERS = ("Content-Type", "Content-Length", "User-Agent", "X-Forwarded-For", "X-Request-Id")

#: Answered when the database could not store a delivery: Tamara retries a 5xx.
STORE_FAILED = "could not store the delivery; try again"


class InvalidBody(Exception):
    """The delivery's body is not one of Tamara's notifications (answered 400)."""


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
        return HttpResponseNotAllowed(
            ["POST"], content=b'{"error": "method not allowed: use POST"}', content_type="application/json"
        )

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
        known = event_type in KNOWN_EVENTS
        key = dedupe_key(body)
        try:
            try:
                event_pk = insert_event(
                    WebhookEvent(
                        dedupe_key=key,
                        order_id=body["order_id"],
                        event_type=event_type,
                        body=raw.decode("utf-8-sig"),  # parse_body checked it is UTF-8
                        headers=safe_headers(request),
                        state=WebhookEvent.State.PENDING if known else WebhookEvent.State.IGNORED,
                    )
                )
            except IntegrityError:
                if WebhookEvent.objects.filter(dedupe_key=key).exists():
                    logger.info("duplicate %s delivery for order %s ignored", event_type, body["order_id"])
                    return JsonResponse({"status": "duplicate"})
                return error(404, f"unknown order {body['order_id']}")
        except (DatabaseError, InterfaceError) as failure:  # IntegrityError is handled above
            logger.warning(
                "could not store a %s delivery for order %s (%s: %s); answered 503",
                event_type,
                body["order_id"],
                type(failure).__name__,
                failure,
            )
            return error(503, STORE_FAILED)
        if known:
            enqueue_event(event_pk)
        return JsonResponse({"status": "received", "event": event_pk})


def insert_event(event: WebhookEvent) -> int:
    """INSERT the unsaved ``event`` in one statement and return its pk (:func:`~django_tamara.compiled.insert`:
    the statement is built once, not compiled again for every delivery; that cost each about
    0.15 ms of the 2 ms of CPU it takes in a flash sale, #17)."""
    compiled.insert(event)
    return event.pk


def enqueue_event(event_pk: int) -> None:
    """Queue processing once the transaction that stored the event commits.

    Before commit a worker could not see the row; on rollback there is nothing to process.
    With ``WEBHOOK_QUEUE_CACHE`` set, a burst of deliveries shares one drain task
    (:mod:`.gate`); without it, each delivery queues its own task.
    """
    transaction.on_commit(lambda: _dispatch(event_pk))


def _dispatch(event_pk: int) -> None:
    cache = gate.gate_cache()
    if cache is not None:
        gate.queue_drain(cache, tasks.process_pending_events.enqueue, drain_lingers=tasks.drain_runs_on_a_worker())
        return
    try:
        tasks.process_webhook_event.enqueue(event_pk)
    except Exception as error:  # the event is stored: the retry sweep processes it
        logger.warning(
            "could not queue webhook event %s (%s: %s); it stays pending", event_pk, type(error).__name__, error
        )
