"""``manage.py tamara_simulator``: serve the Tamara simulator for the sandbox shop and benchmarks.

The tokens come from ``settings.TAMARA`` (the sandbox reads them from TAMARA_API_TOKEN and
TAMARA_NOTIFICATION_TOKEN), so the shop and the simulator agree without extra setup. They
are never printed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_tamara.conf import tamara_settings
from django_tamara.simulator.cli import add_server_arguments, serving_line, simulator_from, stopped_by_signals


class Command(BaseCommand):
    help = "Run a local Tamara simulator (merchant API, hosted checkout, webhooks) until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        api_token = tamara_settings.API_TOKEN
        notification_token = tamara_settings.NOTIFICATION_TOKEN
        if not api_token or not notification_token:
            raise CommandError("Set TAMARA['API_TOKEN'] and TAMARA['NOTIFICATION_TOKEN'] (the tokens the shop uses).")
        simulator = simulator_from(options, api_token=api_token, notification_token=notification_token)
        with stopped_by_signals(simulator):  # Ctrl-C and SIGTERM stop it, even when SIGINT came ignored
            try:
                simulator.start()
            except OSError as exc:
                raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {exc}") from None
            self.stdout.write(serving_line(simulator, options))
            self.stdout.write("Quit with CONTROL-C.")
            simulator.serve_forever()
