"""Typed errors. A shop catches :class:`TamaraError` and inspects ``status`` and ``error_codes``.

The API errors carry what Tamara said (``message`` and every ``errors[].error_code``), never
the request's headers, so a token cannot leak through an exception's text or repr.
"""

from __future__ import annotations

from typing import Any

from .money import CurrencyMismatch, InvalidAmount, MoneyError, UnknownCurrency

__all__ = [
    "TamaraError",
    "TamaraAPIError",
    "BadRequest",
    "Unauthorised",
    "NotFound",
    "Conflict",
    "RateLimited",
    "ServerError",
    "TamaraTimeout",
    "TamaraConnectionError",
    "PayloadInvalid",
    "AmountExceeded",
    "InvalidTransition",
    "OrderHeld",
    "NotConfirmed",
    "MoneyError",
    "UnknownCurrency",
    "InvalidAmount",
    "CurrencyMismatch",
]


class TamaraError(Exception):
    """Base class of every error this package raises on purpose."""


class TamaraAPIError(TamaraError):
    """Tamara answered with an error status (or did not answer at all, see subclasses)."""

    status: int | None = None

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        errors: list[dict[str, Any]] | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        self.message = message or self.__class__.__doc__ or ""
        if status is not None:
            self.status = status
        self.errors = list(errors or [])
        self.method = method
        self.path = path
        super().__init__(str(self))

    @property
    def error_codes(self) -> list[str]:
        return [str(e.get("error_code")) for e in self.errors if isinstance(e, dict) and e.get("error_code")]

    def __str__(self) -> str:
        where = f"{self.method} {self.path}: " if self.method else ""
        status = f"HTTP {self.status}: " if self.status else ""
        codes = f" [{', '.join(self.error_codes)}]" if self.error_codes else ""
        return f"{where}{status}{self.message}{codes}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class BadRequest(TamaraAPIError):
    """Tamara refused the request as invalid (400 or 422)."""

    status = 400


class Unauthorised(TamaraAPIError):
    """The API token was refused (401 or 403)."""

    status = 401


class NotFound(TamaraAPIError):
    """No such order, capture or webhook (404)."""

    status = 404


class Conflict(TamaraAPIError):
    """The order is already in that state (409); reconcile by fetching it."""

    status = 409


class RateLimited(TamaraAPIError):
    """Too many requests (429)."""

    status = 429

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class ServerError(TamaraAPIError):
    """Tamara failed (5xx); the call may or may not have taken effect."""

    status = 500


class TamaraTimeout(TamaraAPIError):
    """No answer in time, or the connection dropped after the request was sent.

    The request may have been processed: fetch the order before trying again.
    """


class TamaraConnectionError(TamaraAPIError):
    """The request never reached Tamara (connection refused, DNS failure)."""


class PayloadInvalid(TamaraError):
    """A payload failed validation before anything was sent; ``errors`` maps paths to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        detail = "; ".join(f"{path}: {' '.join(msgs)}" for path, msgs in errors.items())
        super().__init__(f"invalid Tamara payload: {detail}")


class AmountExceeded(TamaraError):
    """A capture, refund or cancel asks for more than is left; checked before calling Tamara."""


class InvalidTransition(TamaraError):
    """The action does not fit the order's status (cancel after capture, refund before it)."""


class OrderHeld(InvalidTransition):
    """The order has a capture, refund or cancel that Tamara has not confirmed yet.

    Nothing else may move money on it until Tamara's records settle that attempt (a webhook,
    a sync, or the settling window passing with Tamara showing nothing): a second attempt
    could move the money twice. ``intent`` is the unsettled :class:`~.models.Intent`.
    """

    def __init__(self, message: str, *, intent: Any = None) -> None:
        self.intent = intent
        super().__init__(message)


class NotConfirmed(TamaraError):
    """Tamara never confirmed the capture, refund or cancel just sent: it may or may not have happened.

    Raised when the answer never came (a timeout, a dropped connection) or was a 5xx. The
    attempt is kept as an unsettled :class:`~.models.Intent` and the order is held
    (:class:`OrderHeld`) until Tamara's records show the outcome. Do not repeat the call.
    ``cause`` is the client error that left it unconfirmed.
    """

    def __init__(self, message: str, *, intent: Any = None, cause: Exception | None = None) -> None:
        self.intent = intent
        self.cause = cause
        super().__init__(message)
