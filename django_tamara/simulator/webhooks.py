"""Webhooks registered through ``POST /webhooks``: Tamara's second notification channel.

Tamara refuses a second registration of the same URL with ``webhook_already_registered`` and
the existing id in ``errors[0].data.webhook_id`` (which shops use to adopt it).
``GET /webhooks/list`` answers every registered webhook, as Tamara's "Retrieve List of
registered Webhook URLs" page describes (issue #13).
"""

from __future__ import annotations

import threading
from typing import Any

from .body_fields import require_object, required_text
from .errors import SimulatorError, not_found
from .events import REGISTRABLE_EVENTS
from .ids import new_id

__all__ = ["WebhookRegistry"]


class WebhookRegistry:
    """The merchant's registered webhooks; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hooks: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        with self._lock:
            self._hooks.clear()

    def _fields(self, body: Any) -> dict[str, Any]:
        body = require_object(body)
        url = required_text(body, "url")
        if not url.startswith(("http://", "https://")) or len(url) > 255:
            raise SimulatorError(
                400, "url must be an http(s) URL of at most 255 characters", "url_invalid", {"field": "url"}
            )
        events = body.get("events") or []
        if not isinstance(events, list) or any(e not in REGISTRABLE_EVENTS for e in events):
            raise SimulatorError(
                400, f"events must be a list of: {', '.join(REGISTRABLE_EVENTS)}", "events_invalid", {"field": "events"}
            )
        headers = body.get("headers") or {}
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise SimulatorError(400, "headers must be an object of strings", "headers_invalid", {"field": "headers"})
        return {"url": url, "events": list(events), "headers": dict(headers), "type": body.get("type") or "order"}

    def _url_taken(self, url: str, except_id: str | None = None) -> None:
        for webhook in self._hooks.values():
            if webhook["url"] == url and webhook["webhook_id"] != except_id:
                raise SimulatorError(
                    409,
                    "A webhook is already registered for this url",
                    "webhook_already_registered",
                    {"webhook_id": webhook["webhook_id"]},
                )

    def register(self, body: Any) -> dict[str, Any]:
        fields = self._fields(body)
        with self._lock:
            self._url_taken(fields["url"])
            webhook = {"webhook_id": new_id(), **fields}
            self._hooks[webhook["webhook_id"]] = webhook
        return {"webhook_id": webhook["webhook_id"]}

    def get(self, webhook_id: str) -> dict[str, Any]:
        with self._lock:
            webhook = self._hooks.get(webhook_id)
            if webhook is None:
                raise not_found("Webhook")
            return self._webhook_json(webhook)

    def list_all(self) -> list[dict[str, Any]]:
        """Every registered webhook, in registration order (``GET /webhooks/list``)."""
        with self._lock:
            return [self._webhook_json(w) for w in self._hooks.values()]

    def update(self, webhook_id: str, body: Any) -> dict[str, Any]:
        fields = self._fields(body)
        given = body.get("webhook_id")
        if given not in (None, webhook_id):
            raise SimulatorError(
                400, "webhook_id in the body does not match the path", "webhook_id_mismatch", {"field": "webhook_id"}
            )
        with self._lock:
            if webhook_id not in self._hooks:
                raise not_found("Webhook")
            self._url_taken(fields["url"], except_id=webhook_id)
            self._hooks[webhook_id] = {"webhook_id": webhook_id, **fields}
            return self._webhook_json(self._hooks[webhook_id])

    def delete(self, webhook_id: str) -> dict[str, Any]:
        with self._lock:
            if self._hooks.pop(webhook_id, None) is None:
                raise not_found("Webhook")
        return {"webhook_id": webhook_id, "message": "Webhook deleted successfully"}

    def for_event(self, event_type: str) -> list[dict[str, Any]]:
        """Registered webhooks that want ``event_type`` (an empty ``events`` list means all)."""
        with self._lock:
            return [dict(w) for w in self._hooks.values() if not w["events"] or event_type in w["events"]]

    @staticmethod
    def _webhook_json(webhook: dict[str, Any]) -> dict[str, Any]:
        return {
            "webhook_id": webhook["webhook_id"],
            "url": webhook["url"],
            "events": list(webhook["events"]),
            "headers": dict(webhook["headers"]),
            "type": webhook["type"],
        }
