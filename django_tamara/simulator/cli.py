"""The simulator's command-line options, shared by ``python -m django_tamara.simulator`` and
``manage.py tamara_simulator``, so the two cannot drift apart."""

from __future__ import annotations

import argparse
import signal
from contextlib import contextmanager
from types import FrameType
from typing import Any, Iterator, Mapping

from .core import Simulator

__all__ = ["add_server_arguments", "simulator_from", "serving_line", "stopped_by_signals", "STOP_SIGNALS"]

#: The signals that stop a running simulator: Ctrl-C's, and what supervisors and ``kill`` send.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a running simulator, shared with ``manage.py tamara_simulator``."""
    parser.add_argument("--port", type=int, default=8001, help="Port to listen on (default 8001; 0 for a free one).")
    parser.add_argument("--host", default="127.0.0.1", help="Address to bind (default 127.0.0.1).")
    parser.add_argument(
        "--auto-authorise",
        action="store_true",
        help="Merchant-level auto-authorisation: approved orders go straight to fully_captured.",
    )
    parser.add_argument(
        "--strict-totals",
        action="store_true",
        help="Accept only Tamara's documented total rule (items + tax + shipping - discount).",
    )
    parser.add_argument(
        "--public-url", default=None, help="Base URL customers' browsers use for checkout_url, if not http://HOST:PORT."
    )
    parser.add_argument(
        "--sweep-interval",
        type=float,
        default=5.0,
        help="Seconds between checks for expired sessions and due auto-captures (0 to disable).",
    )


def simulator_from(options: Mapping[str, Any], *, api_token: str, notification_token: str) -> Simulator:
    """A simulator configured by the options of :func:`add_server_arguments`."""
    return Simulator(
        api_token=api_token,
        notification_token=notification_token,
        host=options["host"],
        port=options["port"],
        auto_authorise=options["auto_authorise"],
        public_url=options["public_url"],
        sweep_interval=options["sweep_interval"] or None,
        strict_totals=options["strict_totals"],
    )


def serving_line(simulator: Simulator, options: Mapping[str, Any]) -> str:
    modes = [
        m
        for m, on in (("auto-authorise", options["auto_authorise"]), ("strict totals", options["strict_totals"]))
        if on
    ]
    mode = f" ({', '.join(modes)})" if modes else ""
    return f"Tamara simulator serving on {simulator.url}{mode}. Control API: {simulator.url}/simulator/"


@contextmanager
def stopped_by_signals(simulator: Simulator) -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM stop ``simulator`` cleanly (threads joined, port
    closed) and end the block quietly, whatever signal handling the process inherited.

    Python turns SIGINT into ``KeyboardInterrupt`` only when it starts with SIGINT at its
    default; a child of a shell that ignores it (a background job, ``trap '' INT``, some
    supervisors) starts with it ignored, so Ctrl-C's signal did nothing, and SIGTERM's default
    ends the process without the stop (#15). Enter the block before ``simulator.start()``: a
    signal sent as soon as the port answers must find the handlers in place.
    """

    def stop(signum: int, frame: FrameType | None) -> None:
        for number in STOP_SIGNALS:  # a second signal must not interrupt the stop itself
            signal.signal(number, signal.SIG_IGN)
        simulator.request_stop()  # serve_forever() returns and stops; no exception raised here

    previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    try:
        yield
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
