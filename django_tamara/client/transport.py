"""One HTTP call to Tamara: keep-alive, a timeout on every call, retries only where safe, and
Tamara's errors as typed exceptions.

Retries are urllib3's :class:`~urllib3.util.Retry`, mounted on the client's session for
Tamara's URL only: a request that never connected is retried whatever its method (it cannot
have been processed), and so is a 429 (Tamara refused to process it); a GET is also retried
after a read error or a 5xx. A POST that may have reached Tamara is never repeated: it raises
:class:`~django_tamara.exceptions.TamaraTimeout`, and the caller reconciles by fetching the
order (the lifecycle does).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from decimal import Decimal
from typing import Any, Mapping
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NameResolutionError, NewConnectionError
from urllib3.util import Retry

from .. import exceptions as exc
from ..conf import tamara_settings
from ..money import Money
from ..wire import json_number
from .results import ShippingInfo

logger = logging.getLogger("django_tamara.client")

__all__ = ["TamaraRetry", "Transport", "dumps", "optional", "segment"]

#: The longest ``Retry-After`` the client waits for before retrying; longer ones fail now.
MAX_RETRY_AFTER = 30.0

_ERRORS_BY_STATUS: dict[int, type[exc.TamaraAPIError]] = {
    400: exc.BadRequest,
    401: exc.Unauthorised,
    403: exc.Unauthorised,
    404: exc.NotFound,
    409: exc.Conflict,
    422: exc.BadRequest,
    429: exc.RateLimited,
}


# Encoding --------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, (Money, ShippingInfo)):
        return value.to_api()
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} to Tamara")


def dumps(payload: Any) -> bytes:
    """``payload`` as the JSON body Tamara reads (Money, Decimal and dates converted)."""
    return json.dumps(payload, default=_encode, separators=(",", ":")).encode()


def optional(**values: Any) -> dict[str, Any]:
    """The values that are not ``None``: Tamara refuses ``null`` for most optional fields."""
    return {k: v for k, v in values.items() if v is not None}


def segment(value: Any) -> str:
    """An id as one URL path segment: nothing in it can reach another path."""
    return quote(str(value), safe="")


# Retries ---------------------------------------------------------------------------------


class TamaraRetry(Retry):
    """urllib3's retry policy with Tamara's two exceptions: a 429 is retried for every method
    (Tamara processed nothing), and a ``Retry-After`` longer than :data:`MAX_RETRY_AFTER` is
    not waited for."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code == 429:
            return bool(self.total)
        return super().is_retry(method, status_code, has_retry_after)

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, MAX_RETRY_AFTER)


def retry_policy(max_retries: int, backoff: float) -> TamaraRetry:
    """Retry what never reached Tamara (connect errors, any method), GETs after a read error
    or a 5xx, and 429s; the last answer is returned, not raised, so its error can be typed."""
    return TamaraRetry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        redirect=0,
        allowed_methods=frozenset({"GET", "HEAD"}),
        status_forcelist=frozenset({429, 500, 502, 503, 504}),
        backoff_factor=backoff,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )


def _never_reached_server(error: BaseException) -> bool:
    """True when the request cannot have been processed: no connection was ever made.

    requests wraps urllib3's errors several layers deep (``ConnectionError(MaxRetryError(
    reason=NewConnectionError))``), so walk causes, args and reasons looking for one.
    """
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    pending: list[Any] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, NameResolutionError, ConnectionRefusedError)):
            return True
        pending.extend([current.__cause__, current.__context__, getattr(current, "reason", None), *current.args])
    return False


# The transport ---------------------------------------------------------------------------


class Transport:
    """A keep-alive session to one Tamara API URL; :meth:`request` is its one call."""

    def __init__(
        self,
        api_url: str,
        api_token: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_retries: int = 2,
        retry_backoff: float = 0.3,
        session: requests.Session | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max_retries
        self.retry_backoff = retry_backoff
        if session is None:
            session = requests.Session()
            # With trust_env on, requests re-reads proxy and CA settings from the environment
            # on every call (about a millisecond each on a small machine); read them once.
            session.proxies.update(requests.utils.get_environ_proxies(self.api_url))
            ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if ca_bundle:
                session.verify = ca_bundle
            session.trust_env = False
        session.mount(self.api_url + "/", HTTPAdapter(max_retries=retry_policy(max_retries, retry_backoff)))
        self._session = session
        self._session.headers.update(
            {
                "Authorization": f"Bearer {api_token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "django-tamara",
            }
        )

    @classmethod
    def from_settings(cls) -> Any:
        """A client configured by ``settings.TAMARA`` (what :func:`~django_tamara.client.get_client` builds)."""
        s = tamara_settings
        return cls(
            s.API_URL,
            s.API_TOKEN,
            connect_timeout=s.CONNECT_TIMEOUT,
            read_timeout=s.READ_TIMEOUT,
            max_retries=s.MAX_RETRIES,
            retry_backoff=s.RETRY_BACKOFF,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_url={self.api_url!r})"

    def close(self) -> None:
        self._session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        payload: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one call; return Tamara's JSON (numbers as Decimal) or raise a typed error."""
        body = dumps(payload) if payload is not None else None
        started = time.perf_counter()
        try:
            response = self._session.request(
                method, self.api_url + path, data=body, params=params, timeout=self.timeout
            )
        except requests.exceptions.RequestException as error:
            elapsed = (time.perf_counter() - started) * 1000
            logger.debug("%s %s -> %s after %.1f ms", method, path, type(error).__name__, elapsed)
            if _never_reached_server(error):
                raise exc.TamaraConnectionError(
                    f"could not connect to Tamara at {self.api_url}", method=method, path=path
                ) from None
            raise exc.TamaraTimeout(
                "no answer from Tamara (timeout or dropped connection); the call may have "
                "been processed: fetch the order before retrying",
                method=method,
                path=path,
            ) from None
        elapsed = (time.perf_counter() - started) * 1000
        logger.debug("%s %s -> %s in %.1f ms", method, path, response.status_code, elapsed)
        return self._handle(method, path, response)

    @staticmethod
    def _decode(response: requests.Response) -> Any:
        if not response.content:
            return {}
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            return None

    def _handle(self, method: str, path: str, response: requests.Response) -> Any:
        data = self._decode(response)
        status = response.status_code
        if status < 400:
            if data is None:
                raise exc.ServerError(
                    "Tamara answered with a body that is not JSON", status=status, method=method, path=path
                )
            return data
        message, errors = "", []
        if isinstance(data, Mapping):
            message = str(data.get("message") or "")
            errors = [e for e in data.get("errors") or [] if isinstance(e, Mapping)]
        if not message:
            message = response.reason or "error"
        error_class = _ERRORS_BY_STATUS.get(status) or (exc.ServerError if status >= 500 else exc.BadRequest)
        kwargs: dict[str, Any] = {"status": status, "errors": [dict(e) for e in errors], "method": method, "path": path}
        if error_class is exc.RateLimited:
            retry_after = response.headers.get("Retry-After")
            try:
                kwargs["retry_after"] = float(retry_after) if retry_after else None
            except ValueError:
                kwargs["retry_after"] = None
        raise error_class(message, **kwargs)
