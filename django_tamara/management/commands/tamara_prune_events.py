"""Delete processed webhook events older than EVENT_RETENTION_DAYS, so the table stays small."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from django_tamara.conf import tamara_settings
from django_tamara.models import WebhookEvent


class Command(BaseCommand):
    help = "Delete processed (done or ignored) webhook events older than a number of days. Failed ones are kept."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=None, help="Default: TAMARA['EVENT_RETENTION_DAYS'].")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else tamara_settings.EVENT_RETENTION_DAYS
        cutoff = timezone.now() - dt.timedelta(days=days)
        old = WebhookEvent.objects.filter(
            received_at__lt=cutoff, state__in=[WebhookEvent.State.DONE, WebhookEvent.State.IGNORED]
        )
        deleted = 0
        while True:  # in batches: one huge DELETE would lock the table during a flash sale
            pks = list(old.values_list("pk", flat=True)[: options["batch_size"]])
            if not pks:
                break
            deleted += WebhookEvent.objects.filter(pk__in=pks).delete()[0]
        self.stdout.write(f"deleted {deleted} webhook events received before {cutoff:%Y-%m-%d %H:%M}")
