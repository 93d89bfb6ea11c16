"""A bounded, ordered record of what the simulator was asked and what it answered.

Tests assert on it ("exactly one capture reached Tamara"), benchmarks count from it and the
sandbox shop shows it. It holds request bodies (which carry no credentials: tokens travel in
headers, which are never recorded) and is a ``deque`` with a maximum length so that a long
benchmark cannot exhaust memory.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from typing import Any, Callable

from .clock import isoformat

__all__ = ["Journal"]


class Journal:
    """Append-only entries, each numbered with a ``seq`` that never repeats, not even after a reset."""

    def __init__(self, now: Callable[[], Any], maxlen: int = 200_000) -> None:
        self._now = now
        self._entries: deque[dict[str, Any]] = deque(maxlen=maxlen)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Add an entry; ``None`` values are left out so entries stay small."""
        entry: dict[str, Any] = {"kind": kind, "time": isoformat(self._now())}
        entry.update((k, v) for k, v in fields.items() if v is not None)
        with self._lock:
            entry["seq"] = next(self._seq)
            self._entries.append(entry)
        return entry

    def entries(self, since: int | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """Copies of the entries with ``seq > since`` (all when ``since`` is None), oldest first."""
        with self._lock:
            snapshot = list(self._entries)
        if since is not None and snapshot:
            # seq is increasing, so skip straight to the first newer entry.
            start = max(0, min(len(snapshot), since - snapshot[0]["seq"] + 1))
            while start > 0 and snapshot[start - 1]["seq"] > since:
                start -= 1
            snapshot = snapshot[start:]
        return [dict(e) for e in snapshot if kind is None or e["kind"] == kind]

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._entries[-1]["seq"] if self._entries else 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
