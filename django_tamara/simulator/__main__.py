"""``python -m django_tamara.simulator``: serve the Tamara simulator without Django.

The same options as ``manage.py tamara_simulator``, with the tokens given on the command line
or in the environment (TAMARA_API_TOKEN, TAMARA_NOTIFICATION_TOKEN) instead of Django
settings. Without them the simulator makes random tokens; it never prints them.
"""

from __future__ import annotations

import argparse
import os
import sys

from .cli import add_server_arguments, serving_line, simulator_from, stopped_by_signals


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m django_tamara.simulator",
        description="Run a local Tamara simulator (merchant API, hosted checkout, webhooks) until Ctrl-C.",
    )
    add_server_arguments(parser)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    options = vars(build_parser().parse_args(argv))
    simulator = simulator_from(
        options, api_token=options["api_token"], notification_token=options["notification_token"]
    )
    with stopped_by_signals(simulator):  # Ctrl-C and SIGTERM stop it, even when SIGINT came ignored
        try:
            simulator.start()
        except OSError as exc:
            print(f"Cannot listen on {options['host']}:{options['port']}: {exc}", file=sys.stderr)
            return 1
        print(serving_line(simulator, options), flush=True)
        print("Quit with CONTROL-C.", flush=True)
        simulator.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
