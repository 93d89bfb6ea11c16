"""``manage.py tamara_simulator``: serve the Tamara simulator for the sandbox shop and benchmarks.

The tokens come from ``settings.TAMARA`` (the sandbox reads them from TAMARA_API_TOKEN and
TAMARA_NOTIFICATION_TOKEN), so the shop and the simulator agree without extra setup. They
are never printed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_tamara.conf import tamara_settings
from django_tamara.simulator import Simulator


class Command(BaseCommand):
    help = "Run a local Tamara simulator (merchant API, hosted checkout, webhooks) until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8001, help="Port to listen on (default 8001).")
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (default 127.0.0.1).")
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
        parser.add_argument(
            "--public-url",
            default=None,
            help="Base URL customers' browsers use for checkout_url, if not http://HOST:PORT.",
        )
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=5.0,
            help="Seconds between checks for expired sessions and due auto-captures (0 to disable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        api_token = tamara_settings.API_TOKEN
        notification_token = tamara_settings.NOTIFICATION_TOKEN
        if not api_token or not notification_token:
            raise CommandError("Set TAMARA['API_TOKEN'] and TAMARA['NOTIFICATION_TOKEN'] (the tokens the shop uses).")
        simulator = Simulator(
            api_token=api_token,
            notification_token=notification_token,
            host=options["host"],
            port=options["port"],
            auto_authorise=options["auto_authorise"],
            public_url=options["public_url"],
            sweep_interval=options["sweep_interval"] or None,
            strict_totals=options.get("strict_totals", False),
        )
        try:
            simulator.start()
        except OSError as exc:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {exc}") from None
        mode = " (auto-authorise)" if options["auto_authorise"] else ""
        self.stdout.write(f"Tamara simulator serving on {simulator.url}{mode}. Control API: {simulator.url}/simulator/")
        self.stdout.write("Quit with CONTROL-C.")
        simulator.serve_forever()
