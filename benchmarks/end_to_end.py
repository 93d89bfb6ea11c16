"""Whole orders through the app, next to what a shop would run instead (issue #17).

    python benchmarks/end_to_end.py [--orders 200] [--threads 4] [--rounds 2] [--api-latency-ms 0]

Three shops take the same orders, in the same run, against the same simulator process:

- **app**: django-tamara as a shop uses it (a builder, ``create_session``, the landing view that
  syncs and authorises, the webhook route, ``lifecycle.capture``);
- **hand**: the hand-written baseline, the fastest correct code a Django developer would write
  instead (``benchmarks/handwritten/``: ``requests``, PyJWT, one ``update()`` per change);
- **peer**: the other Django package for Tamara on PyPI, ``aghfatehi-django-tamara`` 2.0.1,
  through its own views and client (``benchmarks/peersite/``; ``pip install
  aghfatehi-django-tamara==2.0.1`` first, or the side is left out with a line saying so).

The app and the baseline are served by one gunicorn (2 workers, PostgreSQL with persistent
connections), the peer by another built the same way; each side runs alone while it is
measured. Per order, a customer thread clicks "Pay with Tamara" (``POST <side>/pay/``, timed
to the redirect to the hosted page), approves on the simulator's hosted page and follows the
redirects back to the shop's order page, polling it until it shows the order authorised
(timed from the click on "Approve"); then the shop captures (``POST <side>/capture/<ref>/``).
A side's orders per second count from its first click to the last of its webhooks delivered.
The sides do not do the same work: the table printed first says what each does per order.

The old comparison stays as an informative line: the app against the same number of bare
``requests.Session`` calls to the simulator, with no Django at all.

``BENCH_PROFILE=/tmp/shop.txt`` also records the shop's gunicorn with py-spy while the app
side runs (``pip install py-spy`` first; raw collapsed stacks); ``BENCH_PROFILE_FLAGS=--gil``
passes py-spy more flags (``--gil``: only the samples that hold the GIL, the shop's own CPU).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
from harness import (
    API_TOKEN,
    STARTED,
    CpuMeter,
    gunicorn,
    gunicorn_site,
    machine,
    setup_django,
    simulator,
    verdict,
)
from sides import PEER_MISSING, PREFIXES, WORK_PER_ORDER, peer_database_url, peer_installed

STATUS = re.compile(r'data-status="([a-z_]+)"')
#: How often a customer's browser would look again at an order page that is not authorised yet.
POLL_SECONDS = 0.005


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (``share`` in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] if ordered else float("nan")


@dataclass
class SideRun:
    """What one side did over all rounds: orders, seconds, each order's two waits, CPU."""

    orders: int = 0
    seconds: float = 0.0
    click_ms: list[float] = field(default_factory=list)
    approve_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0

    def latency(self, values: list[float]) -> str:
        return f"p50 {percentile(values, 0.5):6.1f} ms  p99 {percentile(values, 0.99):6.1f} ms"

    def add_cpu(self, spent: dict[str, float]) -> None:
        for label, seconds in spent.items():
            self.cpu[label] = self.cpu.get(label, 0.0) + seconds

    def cpu_line(self) -> str:
        parts = [f"{label} {seconds * 1000 / self.orders:.2f}" for label, seconds in self.cpu.items()]
        return "CPU ms per order: " + ", ".join(parts) + f"; total {sum(self.cpu.values()) * 1000 / self.orders:.2f}"


class Customer:
    """One customer's browser on one side: a ``requests.Session`` per thread, cookies and all."""

    def __init__(self, base: str, prefix: str) -> None:
        self.base, self.prefix = base, prefix
        self.http = requests.Session()
        self.http.trust_env = False

    def order(self, reference: str) -> tuple[float, float, str]:
        """Pay, approve, wait for "authorised", capture: the click's and the approval's waits in ms."""
        started = time.perf_counter()
        answer = self.http.post(f"{self.base}/{self.prefix}/pay/", data={"reference": reference}, allow_redirects=False)
        if answer.status_code != 302:
            raise RuntimeError(f"{self.prefix}/pay/ answered {answer.status_code}: {answer.text[:300]}")
        checkout_url = answer.headers["Location"]
        click_ms = (time.perf_counter() - started) * 1000
        self.http.get(checkout_url).raise_for_status()  # the customer reads the hosted page

        started = time.perf_counter()
        page = self.http.post(f"{checkout_url}/approve")  # 303 to the shop, followed to its order page
        page.raise_for_status()
        order_page = f"{self.base}/{self.prefix}/orders/{reference}/"
        while (found := STATUS.search(page.text)) is None or found.group(1) != "authorised":
            time.sleep(POLL_SECONDS)
            page = self.http.get(order_page)
            page.raise_for_status()
        approve_ms = (time.perf_counter() - started) * 1000

        captured = self.http.post(f"{self.base}/{self.prefix}/capture/{reference}/")
        captured.raise_for_status()
        return click_ms, approve_ms, captured.json()["status"]


def run_side(side: str, base: str, orders: int, threads: int, sim_url: str, meter: Callable[[], CpuMeter]) -> SideRun:
    """``orders`` orders on ``side`` from ``threads`` customers at once, until the webhooks are in."""
    control = requests.Session()
    local = threading.local()
    prefix = PREFIXES[side]
    run = SideRun()

    def one(i: int) -> tuple[float, float, str]:
        customer = getattr(local, "customer", None) or Customer(base, prefix)
        local.customer = customer
        return customer.order(f"{side.upper()}-{time.time_ns()}-{i}")

    cpu = meter().start()
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(one, range(orders)))
    control.post(f"{sim_url}/simulator/notifications/wait", json={"timeout": 60}).raise_for_status()
    run.seconds = time.perf_counter() - started
    run.add_cpu(cpu.stop())
    run.orders = orders
    for click_ms, approve_ms, status in results:
        run.click_ms.append(click_ms)
        run.approve_ms.append(approve_ms)
        run.statuses[status] += 1
    return run


def raw_rate(sim_url: str, orders: int, threads: int, gets: int) -> float:
    """The old baseline: the app's calls to the simulator as bare ``requests`` calls, no Django."""
    local = threading.local()

    def raw_order(i: int) -> str:
        http = getattr(local, "raw", None)
        if http is None:
            http = local.raw = requests.Session()
            http.headers["Authorization"] = f"Bearer {API_TOKEN}"
        from django_tamara.testing import sample_checkout_payload

        payload = sample_checkout_payload(("100.00",), order_reference_id=f"RAW-{time.time_ns()}-{i}")
        order_id = http.post(f"{sim_url}/checkout", json=payload, timeout=60).json()["order_id"]
        http.post(f"{sim_url}/simulator/orders/{order_id}/approve", timeout=60).raise_for_status()
        for _ in range(gets):
            http.get(f"{sim_url}/orders/{order_id}", timeout=60).raise_for_status()
        http.post(f"{sim_url}/orders/{order_id}/authorise", json={"order_id": order_id}, timeout=60).raise_for_status()
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
        return str(answer.json()["status"])

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(raw_order, range(orders)))
    return orders / (time.perf_counter() - started)


@contextlib.contextmanager
def profiling(pid: int) -> Iterator[None]:
    """py-spy the shop's gunicorn while the block runs, when ``BENCH_PROFILE`` names a file."""
    target = os.environ.get("BENCH_PROFILE")
    if not target:
        yield
        return
    spy = subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--format",
            "raw",
            "-o",
            target,
            "--nonblocking",
            *os.environ.get("BENCH_PROFILE_FLAGS", "").split(),
        ]
    )
    time.sleep(1)
    try:
        yield
    finally:
        spy.send_signal(2)
        spy.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200, help="orders per side and round")
    parser.add_argument("--threads", type=int, default=4, help="customers at once")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of app, hand, peer in turn")
    parser.add_argument(
        "--api-latency-ms",
        type=float,
        default=0.0,
        help="answer every merchant-API call this much later, as a Tamara across the internet would",
    )
    args = parser.parse_args()
    with_peer = peer_installed()
    sides = ["app", "hand"] + (["peer"] if with_peer else [])

    with contextlib.ExitStack() as stack:
        sim_url = stack.enter_context(simulator())
        setup_django(TAMARA_API_URL=sim_url)  # creates and migrates the benchmark database
        shop_url = stack.enter_context(gunicorn(workers=2, TAMARA_API_URL=sim_url))
        urls = {"app": shop_url, "hand": shop_url}
        if with_peer:
            urls["peer"] = stack.enter_context(
                gunicorn_site(
                    "benchmarks.peersite.wsgi:application",
                    "benchmarks.peersite.settings",
                    peer_database_url(),
                    workers=2,
                    TAMARA_API_URL=sim_url,
                )
            )
        control = requests.Session()
        control.post(f"{sim_url}/simulator/reset").raise_for_status()
        if args.api_latency_ms:
            control.post(
                f"{sim_url}/simulator/faults",
                json={"action": "delay", "path": "", "count": 10**9, "delay": args.api_latency_ms / 1000},
            ).raise_for_status()

        roots = {"driver": os.getpid(), "simulator": STARTED["simulator"], "shop": STARTED["gunicorn"]}
        if with_peer:
            roots["peer"] = STARTED["peer"]

        def meter() -> CpuMeter:
            return CpuMeter(roots, {"postgres": "postgres"})

        for side in sides:  # warm every worker's connections and imports up
            run_side(side, urls[side], 8, args.threads, sim_url, meter)
        runs = {side: SideRun() for side in sides}
        app_calls: Counter[tuple[str, str]] = Counter()
        for _ in range(args.rounds):
            for side in sides:
                since = control.get(f"{sim_url}/simulator/journal", params={"since": 0}).json()["entries"]
                mark = max((e.get("seq", 0) for e in since), default=0)
                with profiling(STARTED["gunicorn"]) if side == "app" else contextlib.nullcontext():
                    one = run_side(side, urls[side], args.orders, args.threads, sim_url, meter)
                total = runs[side]
                total.orders += one.orders
                total.seconds += one.seconds
                total.click_ms += one.click_ms
                total.approve_ms += one.approve_ms
                total.statuses += one.statuses
                total.add_cpu(one.cpu)
                if side == "app":
                    journal = control.get(f"{sim_url}/simulator/journal", params={"since": mark}).json()["entries"]
                    app_calls += Counter(
                        (e["method"], e["path"].split("/")[1]) for e in journal if e.get("kind") == "api"
                    )
        orders_per_side = args.orders * args.rounds
        gets = round(sum(n for (m, _), n in app_calls.items() if m == "GET") / orders_per_side)
        raw = raw_rate(sim_url, args.orders, args.threads, gets)

    latency = (
        f"every merchant-API call {args.api_latency_ms:g} ms later" if args.api_latency_ms else "answering at once"
    )
    print(
        f"End-to-end orders on {machine()}; {args.threads} customers at once, {args.rounds} rounds of "
        f"{args.orders} orders per side; shops: gunicorn 2 workers, PostgreSQL; simulator {latency}"
    )
    print("\nWhat each side does per order:")
    for line in WORK_PER_ORDER:
        print(f"  {line}")
    if not with_peer:
        print(f"  {PEER_MISSING}")
    print(f"\n  {'side':<6} {'orders/s':>9}   {'Pay -> hosted page':<30} {'Approve -> authorised':<30} final")
    for side, run in runs.items():
        print(
            f"  {side:<6} {run.rate:9.1f}   {run.latency(run.click_ms):<30} {run.latency(run.approve_ms):<30} "
            f"{dict(run.statuses)}"
        )
    print()
    for side, run in runs.items():
        print(f"  {side}: {run.cpu_line()}")
    app, hand = runs["app"], runs["hand"]
    print(
        f"\n  API calls the app made per order: {sum(app_calls.values()) / orders_per_side:.1f} "
        f"({', '.join(f'{m} /{p}: {n}' for (m, p), n in sorted(app_calls.items()))})"
    )
    print(
        f"  informative: the app against the same calls as bare requests.Session calls ({gets} GETs/order), "
        f"{raw:.1f} orders/s: ratio {app.rate / raw:.2f}"
    )
    if "peer" in runs:
        peer = runs["peer"]
        print(
            f"  informative: app / peer orders/s {app.rate / peer.rate:.2f}; Approve -> authorised p50 "
            f"app / peer {percentile(app.approve_ms, 0.5) / percentile(peer.approve_ms, 0.5):.2f}"
        )
    print(verdict("orders/s, app / hand-written baseline", app.rate / hand.rate, 0.8))
    # A latency: lower is better, so the verdict is on baseline / app (>= 0.8 means app <= 1.25 x baseline).
    p50_app, p50_hand = percentile(app.approve_ms, 0.5), percentile(hand.approve_ms, 0.5)
    print(
        f"Approve -> authorised p50: app {p50_app:.1f} ms, baseline {p50_hand:.1f} ms, app / baseline "
        f"{p50_app / p50_hand:.2f} (target <= 1.25) -> {'MET' if p50_app <= 1.25 * p50_hand else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
