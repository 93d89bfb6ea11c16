"""The one error type of the simulator, shaped like Tamara's error answers.

Every refusal (bad payload, wrong status, unknown order) is raised as :class:`SimulatorError`
deep in the rules and turned into ``{"message": ..., "errors": [{"error_code": ..., "data": ...}]}``
by the HTTP layer, so the rules never think about HTTP and the Python API raises the same
error (with the same ``status`` and ``error_code``) that an HTTP client would see.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SimulatorError", "FieldError", "not_found", "status_conflict"]


class FieldError:
    """One entry of ``errors[]``: a code, and optionally the field it is about."""

    __slots__ = ("error_code", "message", "data")

    def __init__(self, error_code: str, message: str, data: dict[str, Any] | None = None) -> None:
        self.error_code = error_code
        self.message = message
        self.data = data

    def to_api(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"error_code": self.error_code}
        if self.data is not None:
            # Left out rather than null: the Error schema copied into tests/schemas/ allows no null (issue #13).
            entry["data"] = {k: v for k, v in self.data.items() if v is not None}
        return entry


class SimulatorError(Exception):
    """A refusal with an HTTP status and Tamara's error body.

    ``message`` must never contain a token: it is sent to clients, journaled and logged.
    """

    def __init__(
        self,
        status: int,
        message: str,
        error_code: str = "",
        data: dict[str, Any] | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.errors = list(errors) if errors is not None else [FieldError(error_code, message, data)]
        self.headers = dict(headers or {})
        super().__init__(f"HTTP {status}: {message}")

    @property
    def error_code(self) -> str:
        return self.errors[0].error_code if self.errors else ""

    @property
    def data(self) -> dict[str, Any] | None:
        return self.errors[0].data if self.errors else None

    @classmethod
    def from_fields(cls, errors: list[FieldError], status: int = 400) -> SimulatorError:
        """Several validation errors at once; the message lists every one."""
        if len(errors) == 1:
            message = errors[0].message
        else:
            message = f"{len(errors)} validation errors: " + "; ".join(e.message for e in errors)
        return cls(status, message, errors=errors)

    def to_api(self) -> dict[str, Any]:
        return {"message": self.message, "errors": [e.to_api() for e in self.errors]}


def not_found(what: str = "Order") -> SimulatorError:
    code = what.lower().replace(" ", "_") + "_not_found"
    return SimulatorError(404, f"{what} not found", code)


def status_conflict(error_code: str, message: str, old_state: str, new_state: str) -> SimulatorError:
    """409: the order is not in a status that allows the action (OpenAPI: verify, then retry)."""
    return SimulatorError(409, message, error_code, {"old_state": old_state, "new_state": new_state})
