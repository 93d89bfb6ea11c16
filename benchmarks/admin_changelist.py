"""Admin: the Tamara order list's render time and query count, 1,000 against 100,000 orders.

    python benchmarks/admin_changelist.py [--small 1000] [--large 100000] [--repeat 15]

Renders ``/admin/django_tamara/tamaraorder/`` as a superuser through Django's test client on
PostgreSQL (the same settings as the sandbox), first with the small table, then after growing
it to the large one. The query count must be equal and the median render time for the large
table within 2 times the small one's: no N+1, and no ``COUNT(*)`` over the whole table.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from decimal import Decimal

from harness import machine, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from django_tamara.models import TamaraOrder

    settings.ALLOWED_HOSTS = ["*"]
    TamaraOrder.objects.all().delete()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    statuses = ["new", "approved", "authorised", "partially_captured", "fully_captured", "partially_refunded"]

    def grow(to: int) -> None:
        have = TamaraOrder.objects.count()
        rows = [
            TamaraOrder(
                order_id=uuid.uuid4(),
                order_reference_id=f"ADM-{i}",
                order_number=str(i),
                status=statuses[i % 6],
                currency="SAR",
                total_amount=Decimal("100.00"),
                payment_type="PAY_BY_INSTALMENTS",
                instalments=3,
                consumer_first_name="Mona",
                consumer_last_name="Lisa",
                consumer_phone_number="+966502223333",
                consumer_email=f"mona{i}@example.com",
                items=[{"name": "Product", "quantity": 1}],
            )
            for i in range(have, to)
        ]
        TamaraOrder.objects.bulk_create(rows, batch_size=5000)
        with connection.cursor() as cursor:
            # VACUUM too: the rows an earlier run deleted would otherwise still be scanned, and
            # made the small table look slower than the large one.
            cursor.execute("VACUUM ANALYZE django_tamara_tamaraorder")

    def measure() -> tuple[int, float]:
        url = "/admin/django_tamara/tamaraorder/"
        assert client.get(url).status_code == 200  # warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        count = len(queries)  # now: the next request's request_started empties the log
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        return count, statistics.median(times)

    grow(args.small)
    small_queries, small_ms = measure()
    grow(args.large)
    large_queries, large_ms = measure()
    TamaraOrder.objects.filter(order_reference_id__startswith="ADM-").delete()

    print(f"Admin order list on {machine()}; PostgreSQL; median of {args.repeat} renders")
    print(f"  {args.small:>7} orders: {small_queries} queries, {small_ms:7.1f} ms")
    print(f"  {args.large:>7} orders: {large_queries} queries, {large_ms:7.1f} ms")
    same = small_queries == large_queries
    ratio = large_ms / small_ms
    print(
        f"query count equal: {'MET' if same else 'MISSED'}; render time {args.large} / {args.small}: "
        f"{ratio:.2f} (target <= 2.00) -> {'MET' if ratio <= 2 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
