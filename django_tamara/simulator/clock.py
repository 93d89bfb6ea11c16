"""The simulated clock: real UTC time plus an offset that tests move forward.

Tamara's deadlines are long (30 minutes, 72 hours, 21 days), so tests jump ahead instead of
waiting. The clock keeps running in real time between jumps, which lets an out-of-process
simulator (the sandbox shop) expire orders on its own, and it never goes backwards, because
the order statuses it drives only move forward.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

__all__ = ["SimClock", "isoformat"]


def isoformat(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with a ``Z``, at millisecond precision, as Tamara writes dates."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SimClock:
    """Thread-safe ``now()`` that :meth:`advance` moves forward."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, delta: float | timedelta) -> datetime:
        """Move the clock ``delta`` (seconds or a timedelta) ahead; negative values are refused."""
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=float(delta))
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += delta
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta(0)
