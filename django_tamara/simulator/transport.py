"""POSTing notifications with the standard library: one kept-alive connection per thread and host.

The simulator imports only the standard library and PyJWT (#13), so deliveries go through
``http.client`` rather than an HTTP library. A shop answers many deliveries in a flash sale,
so each thread keeps its connection to a host open between them (HTTP/1.1 keep-alive), and a
connection the shop closed meanwhile is opened again once, as any HTTP client does.
Environment proxies are never used: deliveries go to the address they name.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from urllib.parse import urlsplit

__all__ = ["post", "DeliveryError"]

_local = threading.local()

#: Failures of a reused connection that mean "the server closed it while it was idle".
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, http.client.CannotSendRequest)


class DeliveryError(Exception):
    """The POST got no answer: ``ConnectionError`` (refused, reset, a malformed answer),
    ``ReadTimeout``, or ``InvalidURL``; the journal records that word."""


def _connection(scheme: str, host: str, port: int | None, timeout: float) -> http.client.HTTPConnection:
    pool: dict[tuple[str, str, int | None], http.client.HTTPConnection] = getattr(_local, "pool", None) or {}
    _local.pool = pool
    key = (scheme, host, port)
    conn = pool.get(key)
    if conn is None:
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        pool[key] = conn
    conn.timeout = timeout
    if conn.sock is not None:
        conn.sock.settimeout(timeout)
    return conn


def _drop(scheme: str, host: str, port: int | None) -> None:
    conn = getattr(_local, "pool", {}).pop((scheme, host, port), None)
    if conn is not None:
        conn.close()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST ``body`` to ``url`` and return the answer's status; raise :class:`DeliveryError`.

    The answer's body is read and dropped, so the connection can carry the next delivery.
    The error's text names only the kind of failure: the URL holds the delivery's token.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError("InvalidURL")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    key = (parts.scheme, parts.hostname, parts.port)
    for attempt in (1, 2):
        conn = _connection(*key, timeout)
        reused = conn.sock is not None
        try:
            conn.request("POST", target, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.will_close:
                _drop(*key)
            return response.status
        except _STALE as error:
            _drop(*key)
            if reused and attempt == 1:
                continue  # the shop closed the idle connection: a new one, once
            raise DeliveryError("ConnectionError") from error
        except TimeoutError:
            _drop(*key)
            raise DeliveryError("ReadTimeout") from None
        except (OSError, http.client.HTTPException):
            _drop(*key)
            raise DeliveryError("ConnectionError") from None
    raise DeliveryError("RemoteDisconnected")  # not reached
