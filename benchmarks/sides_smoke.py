"""One order through each shop of the end-to-end benchmark, step by step, before measuring any.

    python benchmarks/sides_smoke.py

Starts the simulator, the benchmark site (app and hand-written sides) and, when the peer
package is installed, the peer site, all through the harness as ``end_to_end.py`` does; then
for each side runs one order through the four steps the driver relies on, with ``requests``:
pay (302 to the hosted page), the hosted page, approve (followed back to the order page),
the order page until it shows ``authorised``, capture. It prints each step's answer, the
merchant-API calls and webhook deliveries the simulator journaled for the order, and the rows
each table of the side's database gained or changed (PostgreSQL's statistics views), which is
where :data:`sides.WORK_PER_ORDER` was checked. Exits non-zero if a side fails a step.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from collections import Counter

import psycopg
import requests
from harness import DATABASE_URL, ROOT, ensure_database, gunicorn, gunicorn_site, server_env, simulator
from sides import PEER_MISSING, PREFIXES, peer_database_url, peer_installed

STATUS = re.compile(r'data-status="([a-z_]+)"')
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: PostgreSQL (15) backends flush their table statistics when idle, within 10 s.
STATS_FLUSH_SECONDS = 11.0


def table_rows(database_url: str) -> Counter[str]:
    """Rows inserted, updated and deleted so far, per table (``pg_stat_user_tables``)."""
    counts: Counter[str] = Counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        query = "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables"
        for table, inserted, updated, deleted in conn.execute(query).fetchall():
            counts[f"{table} +"] = inserted
            counts[f"{table} ~"] = updated
            counts[f"{table} -"] = deleted
    return counts


def journal(sim_url: str, since: int) -> tuple[list[dict], int]:
    answer = requests.get(f"{sim_url}/simulator/journal", params={"since": since}, timeout=10).json()
    return answer["entries"], answer.get("last_seq", since)


def one_order(side: str, base: str, sim_url: str, database_url: str) -> bool:
    """Run one order through ``side``; print each step. True when every step did what it should."""
    prefix = PREFIXES[side]
    http = requests.Session()
    http.trust_env = False
    reference = f"SMOKE-{side.upper()}-{time.time_ns()}"
    _, mark = journal(sim_url, 0)
    rows_before = table_rows(database_url)
    print(f"\n{side}: order {reference} at {base}/{prefix}/")

    answer = http.post(f"{base}/{prefix}/pay/", data={"reference": reference}, allow_redirects=False, timeout=30)
    checkout_url = answer.headers.get("Location", "")
    print(f"  1. POST pay/          -> {answer.status_code}, Location {checkout_url}")
    if answer.status_code != 302 or not checkout_url.startswith(sim_url):
        print(f"     FAILED: {answer.text[:500]}")
        return False
    page = http.get(checkout_url, timeout=30)
    button = 'id="approve"' in page.text
    print(f"     GET hosted page    -> {page.status_code}, approve button: {button}")

    started = time.perf_counter()
    page = http.post(f"{checkout_url}/approve", timeout=30)
    hops = " -> ".join(f"{r.status_code} {r.headers.get('Location', '')}" for r in page.history)
    print(f"  2. POST approve       -> {hops} -> {page.status_code} {page.url}")
    order_page = f"{base}/{prefix}/orders/{reference}/"
    polls = 0
    while (found := STATUS.search(page.text)) is None or found.group(1) != "authorised":
        if page.status_code != 200 or polls >= 2000:
            print(f"     FAILED: the order page shows {found.group(1) if found else page.text[:300]!r}")
            return False
        polls += 1
        time.sleep(0.005)
        page = http.get(order_page, timeout=30)
    waited = (time.perf_counter() - started) * 1000
    print(f'     order page shows data-status="authorised" after {polls} more polls, {waited:.1f} ms from Approve')

    answer = http.post(f"{base}/{prefix}/capture/{reference}/", timeout=30)
    print(f"  3. POST capture/      -> {answer.status_code} {answer.text[:200]}")
    if answer.status_code != 200 or answer.json().get("status") != "fully_captured":
        return False
    requests.post(f"{sim_url}/simulator/notifications/wait", json={"timeout": 30}, timeout=40)
    page = http.get(order_page, timeout=30)
    found = STATUS.search(page.text)
    print(f"     order page now     -> {found.group(1) if found else page.text[:200]}")

    entries, _ = journal(sim_url, mark)
    calls = [f"{e['method']} {UUID.sub('{id}', e['path'])} {e['status']}" for e in entries if e.get("kind") == "api"]
    hooks = [f"{e['event_type']} {e.get('status', e.get('error'))}" for e in entries if e.get("kind") == "webhook"]
    print(f"  4. merchant-API calls ({len(calls)}): {', '.join(calls)}")
    print(f"     webhooks delivered ({len(hooks)}): {', '.join(hooks)}")

    time.sleep(STATS_FLUSH_SECONDS)
    changed = table_rows(database_url) - rows_before
    by_table = ", ".join(f"{key}{n}" for key, n in sorted(changed.items()))
    print(f"     rows written (+ inserted, ~ updated, - deleted): {by_table}")
    return True


def main() -> None:
    ensure_database()
    migrate = [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"]
    subprocess.run(migrate, cwd=ROOT, env=server_env(), check=True)  # the benchmark site's database
    with contextlib.ExitStack() as stack:
        sim_url = stack.enter_context(simulator())
        shop_url = stack.enter_context(gunicorn(workers=2, TAMARA_API_URL=sim_url))
        sites = {"app": (shop_url, DATABASE_URL), "hand": (shop_url, DATABASE_URL)}
        if peer_installed():
            peer_url = stack.enter_context(
                gunicorn_site(
                    "benchmarks.peersite.wsgi:application",
                    "benchmarks.peersite.settings",
                    peer_database_url(),
                    workers=2,
                    TAMARA_API_URL=sim_url,
                )
            )
            sites["peer"] = (peer_url, peer_database_url())
        else:
            print(PEER_MISSING)
        results = {side: one_order(side, base, sim_url, db) for side, (base, db) in sites.items()}
    print("\n" + ", ".join(f"{side}: {'ok' if ok else 'FAILED'}" for side, ok in results.items()))
    if not all(results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
