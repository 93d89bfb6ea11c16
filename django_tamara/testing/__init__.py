"""Helpers for testing a shop against the Tamara simulator; they need no pytest.

``make_notification_token``, ``sample_checkout_payload`` and ``NotificationReceiver`` work in
any test runner (Django's ``TestCase``, unittest, a script). The pytest fixtures are in
``django_tamara.testing.plugin``; enable them in a ``conftest.py``::

    pytest_plugins = ["django_tamara.testing.plugin"]

``pip install django-tamara[testing]`` installs what the fixtures need (pytest, pytest-django).
"""

from __future__ import annotations

import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from ..simulator.notifier import make_token
from ..simulator.samples import sample_checkout_payload

__all__ = [
    "make_notification_token",
    "sample_checkout_payload",
    "NotificationReceiver",
]


def _timestamp(value: int | float | datetime | None) -> int | None:
    if isinstance(value, datetime):
        return int(value.timestamp())
    return None if value is None else int(value)


def make_notification_token(
    notification_token: str,
    *,
    iat: int | float | datetime | None = None,
    exp: int | float | datetime | None = None,
    **claims: Any,
) -> str:
    """A ``tamaraToken`` as Tamara signs it (HS256, ``iss="Tamara"``, ``exp = iat + 900``).

    ``iat``/``exp`` default to now and 15 minutes later; pass past values to test expiry,
    and extra ``claims`` to override or add any claim.
    """
    return make_token(notification_token, iat=_timestamp(iat), exp=_timestamp(exp), **claims)


class NotificationReceiver:
    """A tiny HTTP server that records every POST, standing in for a shop's webhook endpoint.

    ``status`` is the answer it gives (change it to test failures); ``on_request``, if set,
    is called with each recorded delivery before answering (to call back into the simulator).
    """

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[dict[str, Any]] = []
        self.on_request: Callable[[dict[str, Any]], None] | None = None
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # the base class names it format
                pass

            def do_POST(self) -> None:
                import json

                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = None
                record = {
                    "path": parts.path,
                    "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                    "raw": raw,
                }
                with receiver._lock:
                    receiver.requests.append(record)
                if receiver.on_request is not None:
                    receiver.on_request(record)
                answer = b'{"success": true}'
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> NotificationReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def bodies(self) -> list[Any]:
        with self._lock:
            return [r["body"] for r in self.requests]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def __enter__(self) -> NotificationReceiver:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
