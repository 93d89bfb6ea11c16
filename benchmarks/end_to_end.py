"""End-to-end orders: checkout -> approve -> webhook -> authorise -> capture, against the same
number of raw ``requests.Session`` calls to the simulator.

    python benchmarks/end_to_end.py [--orders 300] [--threads 4] [--api-latency-ms 20]

The app's side: this process opens each checkout session through ``checkout.create_session``
(stored on PostgreSQL), the customer approves on the simulator, the simulator delivers the
signed webhook to the sandbox shop served by gunicorn, the shop stores it, re-fetches the order
and authorises it, and this process captures through ``lifecycle.capture``. Every call the app
made to the simulator is counted from the simulator's journal; the baseline then makes the same
number of calls of each kind with a bare ``requests.Session`` and no Django at all. The ratio
is the share of the raw throughput left after the client, the webhook round trip and the
database: the target is 0.8.

``BENCH_PROFILE=/tmp/shop.txt`` also records the shop's gunicorn with py-spy during the app
side (``pip install py-spy`` first; raw collapsed stacks).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from harness import API_TOKEN, STARTED, CpuMeter, gunicorn, machine, setup_django, simulator, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--api-latency-ms",
        type=float,
        default=0.0,
        help="also run both sides with every merchant-API call answered this much later, as a "
        "Tamara across the internet would (informative; the verdict is on the plain run)",
    )
    parser.add_argument("--shop-threads", type=int, default=1, help="gunicorn threads per worker (2 workers)")
    args = parser.parse_args()

    with simulator() as sim_url, gunicorn(workers=2, threads=args.shop_threads, TAMARA_API_URL=sim_url) as shop_url:
        setup_django(TAMARA_API_URL=sim_url)
        import requests

        from django_tamara import lifecycle
        from django_tamara.client import ShippingInfo
        from django_tamara.lifecycle import create_session
        from django_tamara.models import TamaraOrder
        from django_tamara.testing import sample_checkout_payload

        shipping = ShippingInfo(shipped_at="2026-11-23T10:00:00Z", shipping_company="SMSA")
        control = requests.Session()
        local = threading.local()

        def app_order(i: int) -> str:
            http = getattr(local, "http", None) or requests.Session()
            local.http = http
            prefix = "E2E" if i >= 0 else "WARM"
            payload = sample_checkout_payload(
                ("100.00",),
                order_reference_id=f"{prefix}-{time.time_ns()}-{i}",
                notification_url=f"{shop_url}/tamara/webhooks/",
            )
            order = create_session(payload).order
            http.post(f"{sim_url}/simulator/orders/{order.order_id}/approve", timeout=60).raise_for_status()
            order.refresh_from_db()
            lifecycle.capture(order, shipping_info=shipping)
            return order.status

        def raw_order(i: int, gets: int) -> str:
            http = getattr(local, "raw", None)
            if http is None:
                http = local.raw = requests.Session()
                http.headers["Authorization"] = f"Bearer {API_TOKEN}"
            payload = sample_checkout_payload(("100.00",), order_reference_id=f"RAW-{time.time_ns()}-{i}")
            order_id = http.post(f"{sim_url}/checkout", json=payload, timeout=60).json()["order_id"]
            http.post(f"{sim_url}/simulator/orders/{order_id}/approve", timeout=60).raise_for_status()
            for _ in range(gets):
                http.get(f"{sim_url}/orders/{order_id}", timeout=60).raise_for_status()
            http.post(
                f"{sim_url}/orders/{order_id}/authorise", json={"order_id": order_id}, timeout=60
            ).raise_for_status()
            answer = http.post(
                f"{sim_url}/payments/capture",
                timeout=60,
                json={
                    "order_id": order_id,
                    "total_amount": {"amount": 110.0, "currency": "SAR"},
                    "shipping_info": {"shipped_at": "2026-11-23T10:00:00Z", "shipping_company": "SMSA"},
                },
            )
            answer.raise_for_status()
            return answer.json()["status"]

        roots = {"driver": os.getpid(), "simulator": STARTED["simulator"], "shop": STARTED["gunicorn"]}

        def run_pair(latency_ms: float) -> dict:
            """Both sides, the app first; with ``latency_ms``, every merchant-API call waits that long."""
            control.post(f"{sim_url}/simulator/reset").raise_for_status()
            if latency_ms:
                control.post(
                    f"{sim_url}/simulator/faults",
                    json={"action": "delay", "path": "", "count": 10**9, "delay": latency_ms / 1000},
                ).raise_for_status()
            profile = os.environ.get("BENCH_PROFILE") if not latency_ms else None
            if profile:  # py-spy the shop while the app side runs
                import subprocess

                spy = subprocess.Popen(
                    [
                        "py-spy",
                        "record",
                        "--pid",
                        str(STARTED["gunicorn"]),
                        "--subprocesses",
                        "--format",
                        "raw",
                        "-o",
                        profile,
                        "--nonblocking",
                    ]
                )
                time.sleep(1)
            app_cpu = CpuMeter(roots, {"postgres": "postgres"}).start()
            started = time.perf_counter()
            with ThreadPoolExecutor(args.threads) as pool:
                statuses = Counter(pool.map(app_order, range(args.orders)))
            app_seconds = time.perf_counter() - started
            control.post(f"{sim_url}/simulator/notifications/wait", json={"timeout": 30})
            app_cpu.stop()
            if profile:
                spy.send_signal(2)
                spy.wait()
            journal = control.get(f"{sim_url}/simulator/journal", params={"since": 0}).json()["entries"]
            calls = Counter((e["method"], e["path"].split("/")[1]) for e in journal if e.get("kind") == "api")
            gets = round(sum(n for (m, _), n in calls.items() if m == "GET") / args.orders)

            raw_cpu = CpuMeter(roots, {"postgres": "postgres"}).start()
            started = time.perf_counter()
            with ThreadPoolExecutor(args.threads) as pool:
                raw_statuses = Counter(pool.map(lambda i: raw_order(i, gets), range(args.orders)))
            raw_seconds = time.perf_counter() - started
            raw_cpu.stop()
            captured = TamaraOrder.objects.filter(
                order_reference_id__startswith="E2E-", status="fully_captured"
            ).count()
            TamaraOrder.objects.filter(order_reference_id__startswith="E2E-").delete()
            return {
                "app_rate": args.orders / app_seconds,
                "raw_rate": args.orders / raw_seconds,
                "calls": calls,
                "gets": gets,
                "deliveries": sum(1 for e in journal if e.get("kind") == "webhook"),
                "statuses": statuses,
                "raw_statuses": raw_statuses,
                "captured": captured,
                "app_cpu": app_cpu,
                "raw_cpu": raw_cpu,
            }

        list(map(app_order, range(-5, 0)))  # warm both paths up
        runs = {0.0: run_pair(0.0)}
        if args.api_latency_ms:
            runs[args.api_latency_ms] = run_pair(args.api_latency_ms)
        TamaraOrder.objects.filter(order_reference_id__startswith="WARM-").delete()

    print(
        f"End-to-end orders on {machine()}; {args.threads} threads; shop: gunicorn 2 workers "
        f"x {args.shop_threads} threads, PostgreSQL"
    )
    for latency, run in runs.items():
        calls = run["calls"]
        print(" simulator answering at once" if not latency else f" every merchant-API call {latency:g} ms later")
        print(
            f"  API calls the app made per order: {sum(calls.values()) / args.orders:.1f} "
            f"({', '.join(f'{m} /{p}: {n}' for (m, p), n in sorted(calls.items()))}); "
            f"webhook deliveries: {run['deliveries']}"
        )
        print(
            f"  app (checkout, approve, webhook, authorise, capture)  {run['app_rate']:7.1f} orders/s   "
            f"final: {dict(run['statuses'])}"
        )
        print(
            f"  raw requests.Session, same calls ({run['gets']} GETs/order)      {run['raw_rate']:7.1f} orders/s   "
            f"final: {dict(run['raw_statuses'])}"
        )
        print(f"  orders fully captured in the shop's database: {run['captured']}/{args.orders}")
        print(f"  app: {run['app_cpu'].line(args.orders)}")
        print(f"  raw: {run['raw_cpu'].line(args.orders)}")
        if latency:
            print(f"  ratio with {latency:g} ms per call: {run['app_rate'] / run['raw_rate']:.2f} (informative)")
    print(verdict("app / raw calls", runs[0.0]["app_rate"] / runs[0.0]["raw_rate"], 0.8))


if __name__ == "__main__":
    main()
