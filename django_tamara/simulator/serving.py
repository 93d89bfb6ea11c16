"""Running the simulator as a server: its threads, its address, and a clean stop.

Tests start and stop a simulator many times per run, so the threads it starts (the HTTP
server and the optional deadline sweeper) are started and joined in one place, and a stop
also closes kept-alive connections so that no test leaks a socket into the next.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Self, cast

from .delivery import Delivery
from .server import SimulatorServer

if TYPE_CHECKING:
    from .core import Simulator
    from .state import Store

__all__ = ["Serving"]

logger = logging.getLogger("django_tamara.simulator")


class Serving(Delivery):
    """Start, stop and address the HTTP server (a part of :class:`~.core.Simulator`)."""

    host: str
    port: int
    sweep_interval: float | None
    store: Store
    _public_url: str | None
    _server: SimulatorServer | None
    _thread: threading.Thread | None
    _sweeper: threading.Thread | None
    _stopping: threading.Event
    #: Set by :meth:`request_stop`, a plain attribute so that a signal handler may set it.
    _stop_requested: bool = False

    def start(self) -> Self:
        """Serve in a background thread; returns ``self`` (``.url`` is then known)."""
        if self._server is not None:
            return self
        # Serving is only ever a part of Simulator, which the request handlers call back into.
        self._server = SimulatorServer((self.host, self.port), cast("Simulator", self))
        self.port = self._server.server_address[1]
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="tamara-simulator", daemon=True
        )
        self._thread.start()
        if self.sweep_interval:
            self._sweeper = threading.Thread(target=self._sweep_loop, name="tamara-simulator-sweeper", daemon=True)
            self._sweeper.start()
        logger.debug("Tamara simulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        self._stopping.set()
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._sweeper is not None:
            self._sweeper.join(timeout=5)
            self._sweeper = None
        self._stop_requested = False  # consumed: a later serve_forever() serves again

    def request_stop(self) -> None:
        """Ask :meth:`serve_forever` to stop, from a signal handler: no lock is taken.

        A handler that raised instead (``KeyboardInterrupt``) could land inside the lock
        handling of ``Event.wait`` and be printed as "ignored due to race condition" (#15); a
        handler that set an ``Event`` could deadlock on the lock its own thread holds."""
        self._stop_requested = True

    def serve_forever(self) -> None:
        """Start and block until interrupted (Ctrl-C, :meth:`request_stop`), then stop."""
        self.start()
        try:
            while not (self._stop_requested or self._stopping.is_set()):
                time.sleep(0.1)  # a signal's handler runs between two sleeps
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL of the merchant API (and of the hosted pages)."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def public_url(self) -> str:
        """The base of ``checkout_url`` (differs from :attr:`url` behind a proxy or in Docker)."""
        return self._public_url or self.url

    def _sweep_loop(self) -> None:
        while not self._stopping.wait(self.sweep_interval or 1.0):
            try:
                self.deliver(self.store.sweep())
            except Exception:  # keep sweeping; a bug here must not kill the thread
                logger.exception("simulator sweep failed")
