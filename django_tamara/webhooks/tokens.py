"""Is a delivery from Tamara? The ``tamaraToken`` JWT, checked.

Tamara signs a ``tamaraToken`` JWT (HS256, keyed with the notification token) and sends it as
a query parameter, and on some channels as ``Authorization: Bearer`` (Tamara's "Webhooks" and
"Notifications" pages); a delivery is authentic when either verifies. The token proves the
sender, not the body: processing re-fetches the order before it changes anything.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
from django.http import HttpRequest

from ..conf import tamara_settings

__all__ = ["InvalidToken", "token_from_request", "tokens_from_request", "verify_request", "verify_token"]


#: How many verified tokens a process remembers (see :data:`_verified`).
REMEMBERED_TOKENS = 64

#: Tokens this process has verified, by (token, key, leeway), with their claims. Tamara's sample
#: token carries only ``exp``, ``iat`` and ``iss`` in whole seconds (its "Transaction
#: authorisation" page), so the notifications of one second carry the same token, and in a
#: flash sale a process checks the signature once a second instead of once a delivery (#17).
#: A remembered token is trusted only until its ``exp`` (plus the leeway), as a fresh check
#: would; ``iat`` needs no second look, since time only moves on. A different key (a rotated
#: notification token) is a different entry.
_verified: dict[tuple[str, str, float], dict[str, Any]] = {}


class InvalidToken(Exception):
    """No token of the delivery verifies (answered 401); the message names why."""


def token_from_request(request: HttpRequest) -> str | None:
    """The ``Authorization: Bearer`` token, else the ``tamaraToken`` query parameter.

    Kept for callers that want one token; the view checks every candidate
    (:func:`tokens_from_request`), since the ``Authorization`` header may be the merchant's own.
    """
    candidates = tokens_from_request(request)
    return candidates[0] if candidates else None


def tokens_from_request(request: HttpRequest) -> list[str]:
    """Every token the delivery offers: the ``Authorization: Bearer`` token and the
    ``tamaraToken`` query parameter, in that order, without repeats.

    Tamara sends the headers a merchant registered with its webhook with each delivery, so the
    ``Authorization`` header may be the merchant's own (Tamara's "Register Webhook URL" page
    shows ``"headers": {"authorization": "..."}``): a header that is not a Bearer token is
    not a candidate, and one that is a Bearer token but not Tamara's fails on its own without
    hiding the query parameter (issue #13).
    """
    found: list[str] = []
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        found.append(token.strip())
    query = request.GET.get("tamaraToken")
    if query and query not in found:
        found.append(query)
    return found


def verify_request(request: HttpRequest) -> dict[str, Any]:
    """The claims of the first of the delivery's tokens that verifies, or :class:`InvalidToken`
    (with the reason of the last failure) when none does."""
    candidates = tokens_from_request(request)
    if not candidates:
        return verify_token(None)  # raises: no token (or no key configured)
    failure: InvalidToken | None = None
    for token in candidates:
        try:
            return verify_token(token)
        except InvalidToken as reason:
            failure = reason
    assert failure is not None
    raise failure


def verify_token(token: str | None, key: str | None = None, *, leeway: float | None = None) -> dict[str, Any]:
    """Decode ``token`` or raise :class:`InvalidToken`. HS256 only; ``exp`` and ``iat`` required.

    Pinning the algorithm list refuses ``alg: none`` and algorithm-confusion tokens (RS256 with
    the shared secret as a "public key"), whatever the token's header claims.
    """
    key = key if key is not None else tamara_settings.NOTIFICATION_TOKEN
    if not token or not key:
        raise InvalidToken("no token" if not token else "no notification token configured")
    leeway = tamara_settings.WEBHOOK_LEEWAY if leeway is None else leeway
    remembered = _verified.get((token, key, leeway))
    if remembered is not None and time.time() <= remembered["exp"] + leeway:
        return dict(remembered)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["HS256"],
            options={"require": ["exp", "iat"], "verify_exp": True, "verify_iat": True},
            leeway=leeway,
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(type(error).__name__) from None
    if isinstance(claims.get("exp"), (int, float)):
        if len(_verified) >= REMEMBERED_TOKENS:
            _verified.clear()  # a new second's token: the old ones are of no more use
        _verified[(token, key, leeway)] = dict(claims)
    return claims
