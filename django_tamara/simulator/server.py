"""HTTP plumbing: a threading HTTP/1.1 server that routes requests to the endpoint functions.

Speed matters because the benchmarks and the concurrency tests run against it: connections
are kept alive, each answer is written with one ``send`` (status line, headers and body
together, with Nagle's algorithm off) and nothing is logged above DEBUG. Bad input never
produces a 500: every refusal is a :class:`~.errors.SimulatorError` with Tamara's error shape.
An unexpected exception is a simulator bug; it is logged and answered 500 in the same shape.
"""

from __future__ import annotations

import hmac
import logging
import socket
import struct
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import SimulatorError
from .http_messages import Endpoint, Headers, Request, Response

if TYPE_CHECKING:
    from .core import Simulator

# Request, Response, Endpoint and Headers stay importable from here, where they used to live.
__all__ = ["Request", "Response", "Endpoint", "Headers", "SimulatorServer", "SimulatorRequestHandler"]

logger = logging.getLogger("django_tamara.simulator")

#: Largest request body accepted (a checkout with many items is a few kB).
MAX_BODY = 2 * 1024 * 1024

_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The ``Date`` header, formatted once per second."""
    global _date_cache
    second = int(time.time())
    if _date_cache[0] != second:
        _date_cache = (second, formatdate(second, usegmt=True))
    return _date_cache[1]


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive, every answer with a Content-Length."""

    protocol_version = "HTTP/1.1"
    server_version = "TamaraSimulator/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    #: Idle keep-alive connections are closed after this many seconds.
    timeout = 120
    server: SimulatorServer
    #: Read by the base class's handle_one_request() before it calls parse_request().
    raw_requestline: bytes

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - " + format, self.address_string(), *args)

    def parse_request(self) -> bool:
        """A lean parser for well-formed HTTP/1.x requests (the stdlib's uses ``email``, 3x slower).

        Anything unusual falls back to the standard parser, which also sends its error pages.
        """
        words = self.raw_requestline.split()
        if len(words) != 3 or words[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
            return super().parse_request()
        self.command, self.path, self.request_version = (w.decode("latin-1") for w in words)
        self.requestline = self.raw_requestline.decode("latin-1").rstrip("\r\n")
        self.close_connection = True
        headers = Headers()
        for _ in range(101):
            line = self.rfile.readline(65537)
            if len(line) > 65536:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep or not name.strip():
                self.send_error(HTTPStatus.BAD_REQUEST, "Bad header line")
                return False
            headers[name.strip().lower()] = value.strip()
        else:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
            return False
        # A dict with Message's case-insensitive get(), which is all the handler reads of it.
        self.headers = headers  # type: ignore[assignment]  # typeshed wants an email.message.Message
        connection = headers.get("connection", "").lower()
        if self.request_version == "HTTP/1.1":
            self.close_connection = "close" in connection
        else:
            self.close_connection = "keep-alive" not in connection
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors (bad request line or headers, unknown method) in Tamara's JSON shape too."""
        if code == HTTPStatus.NOT_IMPLEMENTED:  # a method no route has
            code, error_code = HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed"
        else:
            error_code = "request_header_fields_too_large" if code == 431 else "bad_request"
        self.close_connection = True
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        self._write(Response.error(SimulatorError(int(code), message or phrase, error_code)))

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # The one request path ------------------------------------------------------------------

    def _handle(self) -> None:
        sim = self.server.simulator
        started = time.perf_counter()
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            raw_body = self._read_body()
        except SimulatorError as exc:
            self.close_connection = True  # the rest of the body is still in the socket
            self._write(Response.error(exc))
            return
        request = Request(self.command, path, query, self.headers, raw_body)
        try:
            response, kind, fault_action, drop = self._dispatch(sim, request)
        except Exception:  # a bug in the simulator: still answer, in Tamara's shape
            logger.exception("simulator error on %s %s", request.method, path)
            response = Response.error(SimulatorError(500, "Internal simulator error", "internal_error"))
            kind, fault_action, drop = "other", None, False
        if kind == "api":
            sim.record_api(request, response, started, fault=fault_action, dropped=drop or None)
        self._finish(sim, response, drop)

    def _dispatch(self, sim: Simulator, request: Request) -> tuple[Response, str, str | None, bool]:
        """Route, authenticate, apply an armed fault and call the endpoint.

        Returns the response, the route's kind, the fault applied (if any) and whether to hang up.
        """
        path = request.path
        route, params, allowed = sim.router.match(request.method, path)
        if route is None:
            if allowed:
                response = Response.error(
                    SimulatorError(405, f"Method {request.method} is not allowed here", "method_not_allowed")
                )
                response.headers["Allow"] = ", ".join(sorted(allowed))
            else:
                response = Response.error(SimulatorError(404, f"No such endpoint: {path}", "not_found"))
            kind = "other" if path.startswith(("/simulator", "/checkout/", "/widget")) else "api"
            return response, kind, None, False
        request.params = {k: unquote(v) for k, v in params.items()}
        if route.kind != "api":
            return self._call(route.endpoint, sim, request), route.kind, None, False
        if not self._authorised(sim.api_token):
            return Response.error(SimulatorError(401, "Unauthorized", "unauthorized")), "api", None, False
        fault = sim.faults.take(request.method, path)
        if fault is None:
            return self._call(route.endpoint, sim, request), "api", None, False
        if fault.action == "error_500":
            response = Response.error(SimulatorError(500, "Internal server error (injected)", "internal_error"))
        elif fault.action == "error_429":
            response = Response.error(
                SimulatorError(
                    429,
                    "Too many requests (injected)",
                    "too_many_requests",
                    headers={"Retry-After": str(fault.retry_after)},
                )
            )
        else:
            if fault.action == "delay":
                time.sleep(fault.delay)
            response = self._call(route.endpoint, sim, request)
        return response, "api", fault.action, fault.action == "drop_after"

    def _call(self, endpoint: Endpoint, sim: Simulator, request: Request) -> Response:
        try:
            return endpoint(sim, request)
        except SimulatorError as exc:
            return Response.error(exc)
        except Exception:  # a bug in the simulator, not bad input
            logger.exception("simulator error on %s %s", request.method, request.path)
            return Response.error(SimulatorError(500, "Internal simulator error", "internal_error"))

    def _finish(self, sim: Simulator, response: Response, drop: bool) -> None:
        if not response.events:
            self._drop() if drop else self._write(response)
            return
        if response.deliver_first:
            sim.deliver(response.events)
            self._drop() if drop else self._write(response)
            return
        # Merchant-API events go out after the answer, so a shop that holds a database lock
        # while calling Tamara is not deadlocked by its own webhook handler; and from another
        # thread, so this keep-alive connection serves the shop's next call at once (a shop
        # with few workers would otherwise wait on a delivery that waits on those workers).
        sim.notifier.track()
        try:
            self._drop() if drop else self._write(response)
        finally:
            sim.deliver_later(response.events)

    # Reading and writing ------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if not length_header:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise SimulatorError(400, "Invalid Content-Length", "invalid_request") from None
        if length < 0 or length > MAX_BODY:
            raise SimulatorError(413, "Request body too large", "request_too_large")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise SimulatorError(400, "Invalid chunked body", "invalid_request") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise SimulatorError(413, "Request body too large", "request_too_large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _authorised(self, token: str) -> bool:
        header = self.headers.get("Authorization") or ""
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given or not token:
            return False
        return hmac.compare_digest(given.strip().encode(), token.encode())

    def _write(self, response: Response) -> None:
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = ""
        head = [
            f"HTTP/1.1 {response.status} {phrase}",
            f"Server: {self.server_version}",
            f"Date: {_http_date()}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
        ]
        head.extend(f"{k}: {v}" for k, v in response.headers.items())
        if self.close_connection:
            head.append("Connection: close")
        elif self.request_version == "HTTP/1.0":
            head.append("Connection: keep-alive")  # HTTP/1.0 clients (ab -k) close otherwise
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if self.command != "HEAD":
            payload += response.body
        try:
            self.wfile.write(payload)
        except OSError:  # the client went away; nothing to tell it
            self.close_connection = True

    def _drop(self) -> None:
        """Close the connection without an answer (an RST, so the client sees a reset at once)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)  # now, not after the notifications went out
        except OSError:
            pass


class SimulatorServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` with daemon threads, address reuse and a deeper accept queue."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        self.simulator = simulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, SimulatorRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Hang up on kept-alive clients, so a stopped simulator stops answering at once."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection error from %s", client_address, exc_info=True)
