"""Reconcile local orders with Tamara (for missed webhooks): run it from cron or a scheduler."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlparse

from django.core.management.base import BaseCommand, CommandError

from django_tamara import lifecycle, reconcile
from django_tamara.checks import LOOPBACK
from django_tamara.conf import tamara_settings
from django_tamara.exceptions import NotFound, TamaraError
from django_tamara.models import TamaraOrder
from django_tamara.webhooks.processing import retry_failed_events


class Command(BaseCommand):
    help = "Sync Tamara orders: one (--order), the overdue ones (--stuck), or every unfinished one."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--order", metavar="ORDER_ID", help="Tamara order id; creates the local mirror if missing.")
        parser.add_argument("--stuck", action="store_true", help="Only orders whose webhook is overdue.")
        parser.add_argument("--batch-size", type=int, default=None, help="Orders per batch (default: SYNC_BATCH_SIZE).")
        parser.add_argument("--concurrency", type=int, default=1, help="Calls to Tamara at a time (default 1).")
        parser.add_argument(
            "--retry-events", action="store_true", help="Also process failed (and stuck pending) webhook events again."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["order"]:
            try:
                order, result = lifecycle.sync_by_id(options["order"])
                lifecycle.settle(order, fetch=False)  # authorise when due, as for every synced order
            except TamaraError as error:
                message = f"could not sync order {options['order']}: {error}"
                if isinstance(error, NotFound):
                    message += _local_simulator_cause(options["order"])
                raise CommandError(message) from None
            verb = "created" if result.created else ("updated" if result.changed else "unchanged")
            self.stdout.write(f"{order.order_id}: {order.status} ({verb})")
            return
        queryset = reconcile.stuck_orders() if options["stuck"] else reconcile.unfinished_orders()

        def report(progress: reconcile.Progress) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(
                    f"synced {progress.done}/{progress.total} ({progress.changed} changed, {progress.failed} failed)"
                )

        progress = reconcile.sync_orders(
            queryset, batch_size=options["batch_size"], concurrency=options["concurrency"], on_progress=report
        )
        if options["retry_events"]:
            counts = retry_failed_events(limit=10_000)
            self.stdout.write("retried webhook events: " + (", ".join(f"{v} {k}" for k, v in counts.items()) or "none"))
        for line in progress.errors:
            self.stderr.write(line)
        self.stdout.write(
            self.style.SUCCESS(f"done: {progress.done} orders, {progress.changed} changed, {progress.failed} failed")
        )
        if progress.failed:
            raise CommandError(f"{progress.failed} orders could not be synced")


def _local_simulator_cause(order_id: str) -> str:
    """Why a local simulator may not know the order, or ``""`` when ``API_URL`` is not local.

    The simulator keeps its orders in memory: a restart forgets every one while the shop's
    database still has them, so a bare 404 there usually means that, not a wrong id (#15).
    """
    api_url = str(tamara_settings.API_URL)
    try:
        if urlparse(api_url).hostname not in LOOPBACK:
            return ""
        known = TamaraOrder.objects.filter(order_id=uuid.UUID(order_id)).exists()
    except ValueError:  # a malformed API_URL or order id: nothing more to say than the 404
        return ""
    where = (
        "this order exists only in the shop's database now"
        if known
        else "an order placed before it last started exists only in the shop's database now"
    )
    return (
        f". API_URL ({api_url}) is a local simulator, which keeps its orders in memory and forgets "
        f"them all when it restarts: {where}. Place a new order against the running simulator "
        "(docs/troubleshooting.md)."
    )
