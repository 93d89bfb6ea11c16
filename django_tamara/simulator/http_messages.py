"""The request and the answer as the endpoint functions see them, apart from the socket code.

Endpoints (``api.py``, ``control.py``) are plain functions of the simulator and a
:class:`Request` returning a :class:`Response`, so they can be read and tested without the
HTTP server; only ``server.py`` knows how these are read from and written to a connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .errors import SimulatorError
from .events import Event
from .jsonutil import dumps, loads

if TYPE_CHECKING:
    from .core import Simulator

__all__ = ["Request", "Response", "Endpoint", "Headers"]

_UNSET = object()


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Any
    raw_body: bytes
    params: dict[str, str] = field(default_factory=dict)
    _json: Any = _UNSET

    def json(self) -> Any:
        """The parsed body (``None`` when empty); 400 ``invalid_json`` when it is not JSON."""
        if self._json is _UNSET:
            if not self.raw_body.strip():
                self._json = None
            else:
                try:
                    self._json = loads(self.raw_body)
                except (ValueError, UnicodeDecodeError):
                    raise SimulatorError(400, "The request body is not valid JSON", "invalid_json") from None
        return self._json


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    #: Notifications the request caused; delivered by the handler after the order locks are released.
    events: list[Event] = field(default_factory=list)
    #: Deliver them before answering (customer actions) rather than right after (merchant API).
    deliver_first: bool = False
    #: For the journal: which order the request was about, and the error code of a refusal.
    order_id: str | None = None
    error_code: str | None = None

    @classmethod
    def json(cls, data: Any, status: int = 200, **kwargs: Any) -> Response:
        return cls(status, dumps(data), **kwargs)

    @classmethod
    def error(cls, exc: SimulatorError) -> Response:
        return cls(exc.status, dumps(exc.to_api()), headers=dict(exc.headers), error_code=exc.error_code)

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode("utf-8"), content_type="text/html; charset=utf-8")


Endpoint = Callable[["Simulator", Request], Response]


class Headers(dict):
    """Request headers with case-insensitive lookup; ``get`` like ``email.message.Message``."""

    def get(self, name: str, default: Any = None) -> Any:
        return dict.get(self, name.lower(), default)

    def __getitem__(self, name: str) -> Any:
        return dict.get(self, name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and dict.__contains__(self, name.lower())
