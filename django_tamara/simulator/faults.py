"""Fault injection: make the next N matching calls fail the ways a real network and API fail.

API faults apply to merchant-API requests (never to the control API or the hosted page):

* ``error_500``  - answer 500 without processing (Tamara failed; nothing happened);
* ``error_429``  - answer 429 with ``Retry-After`` without processing;
* ``delay``      - sleep ``delay`` seconds, then process and answer normally (client timeouts);
* ``drop_after`` - process the request fully, then close the connection without answering:
  the "did my capture happen?" case that only a re-fetch can settle.

Webhook faults change the next N notifications: ``duplicate`` (each is delivered twice),
``out_of_order`` (each is held back and delivered right after the one that follows it) and
``bad_signature`` (each is signed with a wrong key).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import SimulatorError

__all__ = ["Fault", "FaultInjector", "WebhookFaults", "API_ACTIONS", "WEBHOOK_MODES"]

API_ACTIONS = ("error_500", "error_429", "delay", "drop_after")
WEBHOOK_MODES = ("duplicate", "out_of_order", "bad_signature")


@dataclass
class Fault:
    """One armed fault. ``path`` is a prefix of the request path, or a regex when it starts with ``^``."""

    action: str
    path: str = ""
    method: str | None = None
    count: int = 1
    delay: float = 0.0
    retry_after: int = 1
    fault_id: int = 0
    _regex: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.path.startswith("^"):
            self._regex = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        if self._regex is not None:
            return bool(self._regex.search(path))
        return path.startswith(self.path)

    def to_api(self) -> dict[str, Any]:
        return {
            "fault_id": self.fault_id,
            "action": self.action,
            "path": self.path,
            "method": self.method,
            "count": self.count,
            "delay": self.delay,
            "retry_after": self.retry_after,
        }


#: The longest injected delay, in seconds.
MAX_DELAY = 600.0


def _number(value: Any, field: str, maximum: float) -> float:
    """A finite number of seconds from 0 to ``maximum`` (booleans and strings refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or not 0 <= value <= maximum:
        raise SimulatorError(
            400, f"{field} must be a number of seconds from 0 to {maximum:g}", "invalid_fault", {"field": field}
        )
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SimulatorError(400, "count must be a positive integer", "invalid_fault", {"field": "count"})
    return value


class FaultInjector:
    """The armed API faults; :meth:`take` consumes one use of the first fault that matches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(
        self,
        action: str,
        path: str = "",
        *,
        method: str | None = None,
        count: int = 1,
        delay: float | None = None,
        retry_after: int | None = None,
    ) -> Fault:
        if action not in API_ACTIONS:
            raise SimulatorError(
                400, f"action must be one of {', '.join(API_ACTIONS)}", "invalid_fault", {"field": "action"}
            )
        if not isinstance(path, str):
            raise SimulatorError(400, "path must be a string", "invalid_fault", {"field": "path"})
        if method is not None and not isinstance(method, str):
            raise SimulatorError(400, "method must be a string", "invalid_fault", {"field": "method"})
        delay_s = _number(delay or 0, "delay", MAX_DELAY)
        retry = int(_number(retry_after if retry_after is not None else 1, "retry_after", 3600))
        if action == "delay" and delay_s == 0:
            raise SimulatorError(400, "delay must be a positive number of seconds", "invalid_fault", {"field": "delay"})
        try:
            fault = Fault(action, path, method, _count(count), delay_s, retry)
        except re.error as exc:
            raise SimulatorError(400, f"path is not a valid regex: {exc}", "invalid_fault", {"field": "path"}) from None
        with self._lock:
            fault.fault_id = self._next_id
            self._next_id += 1
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The fault to apply to this request, if any (one use is consumed)."""
        if not self._faults:  # the common case, without taking the lock
            return None
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_api() for f in self._faults]


class WebhookFaults:
    """Counters of the armed notification faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._remaining = dict.fromkeys(WEBHOOK_MODES, 0)

    def add(self, mode: str, count: Any = 1) -> None:
        if mode not in WEBHOOK_MODES:
            raise SimulatorError(
                400, f"mode must be one of {', '.join(WEBHOOK_MODES)}", "invalid_fault", {"field": "mode"}
            )
        with self._lock:
            self._remaining[mode] += _count(count)

    def take(self, mode: str) -> bool:
        """Consume one use of ``mode``; True when the fault applies to this notification."""
        with self._lock:
            if self._remaining[mode] > 0:
                self._remaining[mode] -= 1
                return True
            return False

    def clear(self) -> None:
        with self._lock:
            self._remaining = dict.fromkeys(WEBHOOK_MODES, 0)

    def status(self) -> dict[str, int]:
        with self._lock:
            return dict(self._remaining)
