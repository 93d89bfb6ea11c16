"""The only code that changes a Tamara order (issue #14).

Every action (admin button, webhook processing, the customer's return from checkout,
reconciliation, a shop's own code) comes through here, so locking, amount checks, the
ledger and signals live in one place. No other module saves, updates or creates a
:class:`~django_tamara.models.TamaraOrder`, :class:`~django_tamara.models.Capture`,
:class:`~django_tamara.models.Refund` or :class:`~django_tamara.models.Cancellation`; a test
fails the suite if one does (``tests/one_writer.py``).

- :mod:`.sessions`: open a checkout session and store the order (``create_session``);
- :mod:`.applying`: apply Tamara's order JSON to the models, forward only;
- :mod:`.syncing`: ``sync``, ``authorise`` and ``settle`` (sync, then authorise when due);
- :mod:`.payments`: ``capture``, ``refund`` and ``cancel``, each committed as an attempt first;
- :mod:`.intents`: attempts Tamara has not confirmed, and how its records settle them;
- :mod:`.locking` and :mod:`.signalling`: the row lock, and the shop's signals after commit.
"""

from .applying import SyncResult
from .payments import cancel, capture, open_intent, refund
from .sessions import CheckoutSessionResult, create_session
from .syncing import authorise, check_attempt, settle, sync, sync_by_id, update_reference_id

__all__ = [
    "CheckoutSessionResult",
    "SyncResult",
    "authorise",
    "cancel",
    "capture",
    "check_attempt",
    "create_session",
    "open_intent",
    "refund",
    "settle",
    "sync",
    "sync_by_id",
    "update_reference_id",
]
