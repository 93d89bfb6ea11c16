"""A gunicorn logger whose access and error logs carry no secret and no personal data.

Run gunicorn with ``--logger-class django_tamara.gunicorn.Logger`` (docs/scale.md, "The
application server"). gunicorn writes the request line of every request to its access log,
query string included, before Django sees the request, so a Django logging filter cannot
reach it. Two things travel in query strings:

- Tamara's webhook token: Tamara sends ``tamaraToken`` in the notification URL's query as
  well as in the ``Authorization`` header, and the token does not sign the body, so whoever
  reads it can post any body to the shop until it expires (see :mod:`django_tamara.log_filters`);
- personal data: an admin search by phone or e-mail (``?q=%2B966500000001``) is a GET, so
  the customer's number lands in the log, kept long after the admin masks it on screen.

Values of ``tamaraToken``, and query values that are an e-mail address or a phone number (7
or more digits, with an optional leading ``+``, raw, ``%2B`` or turned into a space by form
encoding), are written as ``***``. ``Authorization`` and ``Cookie`` headers are masked too, for
formats that log headers (``%({authorization}i)s``); gunicorn's default format logs none.

Only gunicorn imports this module (by the dotted path it is given); nothing in the app does,
so gunicorn stays an optional dependency.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

from gunicorn import glogging

from .log_filters import MASK, TamaraTokenFilter, mask_tamara_token

#: A query string inside a longer text (a request line, a URL), up to a space, quote or fragment.
QUERY_IN_TEXT = re.compile(r"\?([^\s\"'#]*)")

#: An e-mail address, once the value is URL-decoded.
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")

#: A phone number once URL-decoded and stripped of spaces, dashes, dots and parentheses.
PHONE = re.compile(r"\+?\d{7,}")
PHONE_SEPARATORS = re.compile(r"[\s\-.()]")

#: Atoms that hold a whole query string, and atoms that hold a URL or a request line.
QUERY_ATOMS = ("q", "{query_string}e")
URL_ATOMS = ("r", "f", "{raw_uri}e", "{referer}i", "{http_referer}e", "{request_uri}e")

#: Request headers (as ``{name}i`` and as environ ``{http_name}e``) that are always masked.
SECRET_HEADERS = ("authorization", "cookie", "proxy-authorization")


def looks_personal(value: str) -> bool:
    """True for a URL-decoded query value that is an e-mail address or a phone number."""
    value = value.strip()
    return bool(EMAIL.fullmatch(value) or PHONE.fullmatch(PHONE_SEPARATORS.sub("", value)))


def mask_query(query: str) -> str:
    """``query`` with the values of ``tamaraToken`` and of personal data replaced by ``***``."""
    if not query:
        return query
    parts = []
    for part in query.split("&"):
        key, sep, value = part.partition("=")
        if sep and value and (key.lower() == "tamaratoken" or looks_personal(unquote_plus(value))):
            part = f"{key}={MASK}"
        parts.append(part)
    return mask_tamara_token("&".join(parts))


def mask_text(text: str) -> str:
    """``text`` (a request line, a URL, a log message) with every query string in it masked."""
    if "?" in text:
        text = QUERY_IN_TEXT.sub(lambda match: "?" + mask_query(match.group(1)), text)
    return mask_tamara_token(text) if "tamaratoken" in text.lower() else text


def mask_atoms(atoms: dict[str, Any]) -> dict[str, Any]:
    """gunicorn's access-log atoms with secrets and personal data masked (in place, and returned)."""
    for key in QUERY_ATOMS:
        if isinstance(atoms.get(key), str):
            atoms[key] = mask_query(atoms[key])
    for key in URL_ATOMS:
        if isinstance(atoms.get(key), str):
            atoms[key] = mask_text(atoms[key])
    for name in SECRET_HEADERS:
        for key in (f"{{{name}}}i", "{http_%s}e" % name.replace("-", "_")):
            if atoms.get(key):
                atoms[key] = MASK
    for key, value in atoms.items():  # any other header or environ value naming the token
        if isinstance(value, str) and "tamaratoken" in value.lower():
            atoms[key] = mask_text(value)
    return atoms


class MaskingFilter(TamaraTokenFilter):
    """For gunicorn's error log, whose messages quote request URIs ("Error handling request /x?...")."""

    def filter(self, record: Any) -> bool:
        message = record.getMessage()
        if "?" in message or "tamaratoken=" in message.lower():
            masked = mask_text(message)
            if masked != message:
                record.msg, record.args = masked, None
        return True


class Logger(glogging.Logger):
    """``gunicorn --logger-class django_tamara.gunicorn.Logger``: gunicorn's logger, masked."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if not any(isinstance(f, MaskingFilter) for f in self.error_log.filters):
            self.error_log.addFilter(MaskingFilter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        return mask_atoms(super().atoms(resp, req, environ, request_time))
