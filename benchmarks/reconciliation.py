"""Reconciliation: ``tamara_sync`` over many orders against a plain loop of get-order calls.

    python benchmarks/reconciliation.py [--orders 10000] [--small 1000] [--concurrency 4]

Orders are created on the simulator (a separate process) and mirrored locally on PostgreSQL.
The baseline fetches the same orders with plain ``requests.Session`` GETs from the same
number of threads; ``tamara_sync`` fetches, compares and writes what changed. Each side runs
in a fresh subprocess so its peak memory (VmHWM, the high-water mark of its resident set) is its own; the sync's peak memory for the
large run must stay within 1.5 times that for the small one (keyset batches, not a list of
every order).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from harness import ROOT, machine, server_env, setup_django, simulator, verdict

CHILD = r"""
import json, os, sys, time, threading
from concurrent.futures import ThreadPoolExecutor
import django
django.setup()
mode, concurrency, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from django_tamara.models import TamaraOrder
from django_tamara import reconcile
qs = TamaraOrder.objects.filter(order_reference_id__startswith="RECON-").order_by("pk")
last = qs.values_list("pk", flat=True)[limit - 1]  # the first `limit` orders, without listing them
start_rss_kb = int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1])
start = time.perf_counter()
if mode == "sync":
    done = reconcile.sync_orders(qs.filter(pk__lte=last), concurrency=concurrency).done
else:
    import requests
    order_ids = [str(o) for o in qs.filter(pk__lte=last).values_list("order_id", flat=True)]
    local = threading.local()
    url, token = os.environ["TAMARA_API_URL"], os.environ["TAMARA_API_TOKEN"]
    def get(order_id):
        s = getattr(local, "s", None) or requests.Session()
        local.s = s
        r = s.get(f"{url}/orders/{order_id}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        r.raise_for_status()
        return r.json()["status"]
    with ThreadPoolExecutor(concurrency) as pool:
        done = len(list(pool.map(get, order_ids)))
elapsed = time.perf_counter() - start
# VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent through
# fork and exec, so it reported the benchmark's own footprint, not this child's.
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
print(json.dumps({"done": done, "seconds": elapsed, "max_rss_kb": int(status["VmHWM"].split()[0]),
                  "start_rss_kb": start_rss_kb}))
"""


def child(mode: str, concurrency: int, limit: int, sim_url: str) -> dict:
    env = server_env(TAMARA_API_URL=sim_url)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(concurrency), str(limit)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    setup_django()
    import requests
    from harness import API_TOKEN

    from django_tamara.models import TamaraOrder
    from django_tamara.testing import sample_checkout_payload

    TamaraOrder.objects.filter(order_reference_id__startswith="RECON-").delete()
    with simulator() as sim_url:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {API_TOKEN}"
        started = time.perf_counter()
        rows = []
        for i in range(args.orders):
            answer = http.post(
                f"{sim_url}/checkout", json=sample_checkout_payload(("100.00",), order_reference_id=f"RECON-{i}")
            ).json()
            if i % 2 == 0:  # half of them approved at Tamara: the sync has something to catch up
                http.post(f"{sim_url}/simulator/orders/{answer['order_id']}/approve")
            rows.append(
                TamaraOrder(
                    order_id=answer["order_id"],
                    order_reference_id=f"RECON-{i}",
                    currency="SAR",
                    total_amount=110,
                    status="new",
                )
            )
        TamaraOrder.objects.bulk_create(rows, batch_size=2000)
        print(f"prepared {args.orders} orders in {time.perf_counter() - started:.0f} s")

        base = child("plain", args.concurrency, args.orders, sim_url)
        first = child("sync", args.concurrency, args.orders, sim_url)  # catches up: writes, authorises
        settle = child("sync", args.concurrency, args.orders, sim_url)  # mirrors what the authorisations changed
        steady = child("sync", args.concurrency, args.orders, sim_url)  # nothing new: reads only
        small = child("sync", args.concurrency, args.small, sim_url)

    TamaraOrder.objects.filter(order_reference_id__startswith="RECON-").delete()
    rate = lambda r: r["done"] / r["seconds"]  # noqa: E731  a one-line formula beside its use
    print(f"Reconciliation on {machine()}; PostgreSQL; simulator in its own process; concurrency {args.concurrency}")
    print(
        f"  plain GET loop         {args.orders:6} orders  {rate(base):7.0f} orders/s  max RSS {base['max_rss_kb'] / 1024:6.1f} MiB"
    )
    print(
        f"  tamara_sync (catch-up) {args.orders:6} orders  {rate(first):7.0f} orders/s  max RSS {first['max_rss_kb'] / 1024:6.1f} MiB"
    )
    print(
        f"  tamara_sync (settling) {args.orders:6} orders  {rate(settle):7.0f} orders/s  max RSS {settle['max_rss_kb'] / 1024:6.1f} MiB"
    )
    print(
        f"  tamara_sync (steady)   {args.orders:6} orders  {rate(steady):7.0f} orders/s  max RSS {steady['max_rss_kb'] / 1024:6.1f} MiB"
    )
    print(
        f"  tamara_sync (steady)   {args.small:6} orders  {rate(small):7.0f} orders/s  max RSS {small['max_rss_kb'] / 1024:6.1f} MiB"
    )
    print(verdict("tamara_sync steady / plain loop", rate(steady) / rate(base), 0.8))
    print(f"  (catch-up run, which also writes every order: ratio {rate(first) / rate(base):.2f})")
    grow = lambda r: (r["max_rss_kb"] - r["start_rss_kb"]) / 1024  # noqa: E731  a one-line formula beside its use
    print(
        f"  peak above the process's size once Django is set up: {grow(steady):.1f} MiB for {args.orders} orders, "
        f"{grow(small):.1f} MiB for {args.small}"
    )
    memory = steady["max_rss_kb"] / small["max_rss_kb"]
    print(
        f"peak memory {args.orders} / {args.small} orders: {memory:.2f} (target <= 1.50) -> {'MET' if memory <= 1.5 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
