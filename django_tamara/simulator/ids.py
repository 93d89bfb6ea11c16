"""The ids the simulator hands out, shaped like Tamara's so clients store them unchanged.

Orders, checkouts, captures, refunds, cancels and webhooks all get one; Tamara's are UUID4
strings, and a client that validates or stores them as UUIDs must work against the simulator.
"""

from __future__ import annotations

import uuid

__all__ = ["new_id"]


def new_id() -> str:
    """A fresh Tamara-style id (a UUID4 string)."""
    return str(uuid.uuid4())
