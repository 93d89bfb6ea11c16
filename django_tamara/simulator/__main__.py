"""``python -m django_tamara.simulator``: serve the Tamara simulator without Django.

The same options as ``manage.py tamara_simulator``, with the tokens given on the command line
or in the environment (TAMARA_API_TOKEN, TAMARA_NOTIFICATION_TOKEN) instead of Django
settings. Without them the simulator makes random tokens; it never prints them.
"""

from __future__ import annotations

import argparse
import os
import sys

from .core import Simulator


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m django_tamara.simulator",
        description="Run a local Tamara simulator (merchant API, hosted checkout, webhooks) until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, default=8001, help="Port to listen on (default 8001; 0 for a free one).")
    parser.add_argument("--host", default="127.0.0.1", help="Address to bind (default 127.0.0.1).")
    parser.add_argument(
        "--api-token",
        default=os.environ.get("TAMARA_API_TOKEN", ""),
        help="Bearer token the merchant API accepts (default: $TAMARA_API_TOKEN, else random).",
    )
    parser.add_argument(
        "--notification-token",
        default=os.environ.get("TAMARA_NOTIFICATION_TOKEN", ""),
        help="Key that signs webhook tokens (default: $TAMARA_NOTIFICATION_TOKEN, else random).",
    )
    parser.add_argument(
        "--auto-authorise",
        action="store_true",
        help="Merchant-level auto-authorisation: approved orders go straight to fully_captured.",
    )
    parser.add_argument(
        "--strict-totals",
        action="store_true",
        help="Accept only the seeds' total rule (items + tax + shipping - discount).",
    )
    parser.add_argument("--public-url", default=None, help="Base URL customers' browsers use for checkout_url.")
    parser.add_argument(
        "--sweep-interval",
        type=float,
        default=5.0,
        help="Seconds between checks for expired sessions and due auto-captures (0 to disable).",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    simulator = Simulator(
        api_token=options.api_token,
        notification_token=options.notification_token,
        host=options.host,
        port=options.port,
        auto_authorise=options.auto_authorise,
        public_url=options.public_url,
        sweep_interval=options.sweep_interval or None,
        strict_totals=options.strict_totals,
    )
    try:
        simulator.start()
    except OSError as exc:
        print(f"Cannot listen on {options.host}:{options.port}: {exc}", file=sys.stderr)
        return 1
    modes = [m for m, on in (("auto-authorise", options.auto_authorise), ("strict totals", options.strict_totals)) if on]
    mode = f" ({', '.join(modes)})" if modes else ""
    print(f"Tamara simulator serving on {simulator.url}{mode}. Control API: {simulator.url}/simulator/", flush=True)
    print("Quit with CONTROL-C.", flush=True)
    simulator.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
