"""Register, list, show and delete the shop's webhook with Tamara."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_tamara.client import get_client
from django_tamara.exceptions import Conflict, TamaraError
from django_tamara.webhooks.events import TAMARA_EVENTS

#: Every event of the app's one table (``webhooks.events.EVENTS``), ``order_updated`` included.
ALL_EVENTS = list(TAMARA_EVENTS)


class Command(BaseCommand):
    help = "Manage the webhook Tamara calls: register URL, list, show ID, delete ID."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        register = sub.add_parser("register", help="Register URL for the given events (default: all).")
        register.add_argument("url")
        register.add_argument("--event", action="append", dest="events", choices=ALL_EVENTS)
        sub.add_parser("list", help="List the webhooks registered with Tamara.")
        show = sub.add_parser("show", help="Show a registered webhook.")
        show.add_argument("webhook_id")
        delete = sub.add_parser("delete", help="Delete a registered webhook.")
        delete.add_argument("webhook_id")

    def handle(self, *args: Any, **options: Any) -> None:
        client = get_client()
        try:
            if options["action"] == "register":
                try:
                    webhook_id = client.register_webhook(options["url"], options["events"] or ALL_EVENTS)
                    self.stdout.write(f"registered webhook {webhook_id} for {options['url']}")
                except Conflict as error:
                    if "webhook_already_registered" not in error.error_codes:
                        raise
                    existing = next((e.get("data", {}).get("webhook_id") for e in error.errors if e.get("data")), None)
                    self.stdout.write(f"already registered as webhook {existing}")
            elif options["action"] == "list":
                hooks = client.list_webhooks()
                for hook in hooks:
                    self.stdout.write(f"{hook.webhook_id}: {hook.url}\n  events: {', '.join(hook.events)}")
                if not hooks:
                    self.stdout.write("no webhooks registered")
            elif options["action"] == "show":
                hook = client.get_webhook(options["webhook_id"])
                self.stdout.write(f"{hook.webhook_id}: {hook.url}\nevents: {', '.join(hook.events)}")
            else:
                client.delete_webhook(options["webhook_id"])
                self.stdout.write(f"deleted webhook {options['webhook_id']}")
        except TamaraError as error:
            raise CommandError(str(error)) from None
