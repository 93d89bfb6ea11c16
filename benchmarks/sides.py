"""The three shops of the end-to-end benchmark (issue #17): where each is served, and what each
does per order, so a reader of the figures knows what was compared.

- **app**: django-tamara as a shop uses it (``benchmarks/benchsite/views.py``, ``/bench/app/``);
- **hand**: the hand-written baseline (``benchmarks/handwritten/``, ``/hand/``);
- **peer**: ``aghfatehi-django-tamara`` 2.0.1 through its own views and client
  (``benchmarks/peersite/``, ``/peer/``; ``pip install aghfatehi-django-tamara==2.0.1``).

Every side answers the same four requests, ``<prefix>/pay/``, ``<prefix>/orders/<reference>/``
(with ``data-status="..."``), ``<prefix>/capture/<reference>/`` and its own webhook URL; but
they do not do the same work, and :data:`WORK_PER_ORDER` says how they differ. No Django
here: the driver imports this before any settings exist.
"""

from __future__ import annotations

import os
from importlib import metadata

from harness import DATABASE_URL

#: Each side's URL prefix on its site.
PREFIXES: dict[str, str] = {"app": "bench/app", "hand": "hand", "peer": "peer"}

PEER_PACKAGE = "aghfatehi-django-tamara"
PEER_VERSION = "2.0.1"
PEER_MISSING = f"peer: left out, {PEER_PACKAGE} is not installed (pip install {PEER_PACKAGE}=={PEER_VERSION})"


def peer_installed() -> bool:
    """Whether the peer package is installed (it is not a dependency of django-tamara)."""
    try:
        metadata.version(PEER_PACKAGE)
    except metadata.PackageNotFoundError:
        return False
    return True


def peer_database_url() -> str:
    """The peer site's own PostgreSQL database, on the server of the benchmark site's."""
    return os.environ.get("BENCH_PEER_DATABASE_URL", DATABASE_URL.rsplit("/", 1)[0] + "/tamara_bench_peer")


#: What each side does per order: (question, app, hand, peer), as read from each side's code
#: and checked with ``benchmarks/sides_smoke.py`` (the API calls and rows written of one order).
WORK: tuple[tuple[str, str, str, str], ...] = (
    ("", "app", "hand", "peer"),
    (
        "webhook token verified",
        "HS256, exp+iat, 30 s leeway",
        "HS256, iss, exp+iat, 5 s leeway",
        "no: logs it, answers 200",
    ),
    ("webhook delivery stored", "each (deduped by body hash)", "once per order and event", "no"),
    ("order re-fetched on a webhook", "yes, unless an echo", "yes, unless an echo", "no"),
    ("authorises on the webhook", "yes (task run in the request)", "yes", "no"),
    (
        "order re-fetched on return",
        "only if not yet authorised",
        "only if not yet authorised",
        "yes (its CallbackView)",
    ),
    ("authorises on return", "if still approved", "if still approved", "if approved (the shop's wrapper)"),
    (
        "merchant-API calls",
        "4: checkout, GET, authorise,",
        "4: checkout, GET, authorise,",
        "4: checkout, GET, authorise,",
    ),
    ("", "capture", "capture", "capture"),
    ("order rows (insert/update)", "TamaraOrder 1/2", "Order 1/2", "PeerOrder 1/2 (the shop's)"),
    ("other rows written", "3 events (+3 updates),", "3 deliveries, 1 capture", "session row written twice"),
    ("", "1 intent (+1 update), 1 capture", "", ""),
    ("signals", "sent; no receivers (1)", "none", "none"),
)


def _table(rows: tuple[tuple[str, ...], ...]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


#: :data:`WORK` as lines of a table, for the driver to print.
WORK_PER_ORDER: list[str] = [
    *_table(WORK),
    "(1) the app side's record of an order is its TamaraOrder, as the hand-written shop's is its Order",
    "    row: the sandbox shop's receivers, which move the sandbox's own orders, are disconnected",
    "    (benchmarks/benchsite/apps.py).",
]
