"""``{% load tamara %}{% tamara_widget amount %}``: Tamara's promo widget (v2) on a shop's pages.

The widget is a custom element, ``<tamara-widget type="tamara-summary" amount="..."
inline-type="N">``, rendered by Tamara's script, which reads a global
``window.tamaraWidgetConfig = {lang, country, publicKey}`` set *before* the script loads
(as Tamara's Magento plugin does: tamara-solution/magento, branch v23,
``view/frontend/templates/popup.phtml``). The tag writes the element each time it is used,
and the configuration and the ``<script>`` once per page, however many widgets (and included
templates) the page has: a second copy of the script would define the element twice.

The amount is money on a page that a customer's input may reach, so it is parsed as a number
and written quantised to the currency's places, never copied as given; anything that is not
an amount renders nothing. The configuration is JSON escaped the way ``json_script`` does it,
so no value of the settings can close the ``<script>`` element.

While ``API_URL`` is the local simulator, the script is the simulator's stand-in
(``<API_URL>/widget-v2/tamara-widget.js``) rather than Tamara's CDN, unless the shop set
``WIDGET_URL`` itself: a page of a shop that talks to no real Tamara should not load Tamara's
script either (#15).
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlparse

from django import template
from django.template.context import Context
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ..conf import tamara_settings
from ..money import Money, MoneyError

register = template.Library()
logger = logging.getLogger("django_tamara.templatetags")

__all__ = ["tamara_widget", "widget_config", "widget_amount", "widget_script_url"]

#: Where the page-wide "already emitted" mark lives in the render context (see below).
_EMITTED = "django_tamara.widget_script_emitted"

#: What ``json_script`` escapes, plus the two line separators older JS engines choke on.
_JSON_ESCAPES = {
    ord(">"): "\\u003E",
    ord("<"): "\\u003C",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}

#: The widget types Tamara documents: the instalment summary and the pay-now card snippet.
WIDGET_TYPES = ("tamara-summary", "tamara-card-snippet")


def widget_amount(amount: Any, currency: str | None = None) -> str | None:
    """``amount`` as the currency-quantised decimal string the widget reads, or ``None``.

    ``Money`` keeps its own currency; anything else is read in ``currency`` (default
    ``TAMARA["CURRENCY"]``). Negative and non-numeric amounts give ``None``.
    """
    try:
        money = amount if isinstance(amount, Money) else Money(amount, currency or tamara_settings.CURRENCY)
    except (MoneyError, TypeError, AttributeError):
        return None
    if money.amount < 0:
        return None
    return str(money.amount)


def widget_config(lang: str | None = None) -> dict[str, str]:
    """``tamaraWidgetConfig``: the page's language (``ar`` or ``en``), country and public key."""
    language = (lang or get_language() or "en").lower()
    return {
        "lang": "ar" if language.startswith("ar") else "en",
        "country": str(tamara_settings.COUNTRY_CODE),
        "publicKey": str(tamara_settings.PUBLIC_KEY or ""),
    }


#: Hosts of a simulator on this machine (the same set as ``checks.LOOPBACK``; the two modules
#: sit on one layer and do not import each other).
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}

#: Where the simulator serves its stand-in for the widget (django_tamara/simulator/control.py).
SIMULATOR_WIDGET_PATH = "/widget-v2/tamara-widget.js"


def widget_script_url() -> str:
    """The widget script: ``WIDGET_URL`` if the shop set it, the simulator's when local, else the CDN."""
    if "WIDGET_URL" not in tamara_settings.user_settings:
        api_url = str(tamara_settings.API_URL or "")
        try:
            host = urlparse(api_url).hostname
        except ValueError:
            host = None
        if host in _LOOPBACK:
            return api_url.rstrip("/") + SIMULATOR_WIDGET_PATH
    return str(tamara_settings.WIDGET_URL)


def _script_once(context: Context, lang: str | None) -> SafeString:
    """The configuration and the script, the first time on this page; nothing afterwards.

    The mark sits in the bottom layer of ``render_context``: ``Template.render`` pushes a fresh
    layer for every template (an ``{% include %}`` too), but the bottom one belongs to the
    page's whole render, and ``Context.new()`` (``include ... only``) shares it as well.
    """
    page_state: dict[Any, Any] = context.render_context.dicts[0]
    if page_state.get(_EMITTED):
        return mark_safe("")
    page_state[_EMITTED] = True
    config = json.dumps(widget_config(lang), sort_keys=True).translate(_JSON_ESCAPES)
    return format_html(
        '<script>window.tamaraWidgetConfig = {};</script>\n<script src="{}" defer></script>\n',
        mark_safe(config),  # escaped above for a <script> body, where HTML escaping is wrong
        widget_script_url(),
    )


@register.simple_tag(takes_context=True)
def tamara_widget(
    context: Context,
    amount: Any,
    inline_type: int | str = 2,
    type: str = "tamara-summary",  # the widget's own attribute name, shadowing the builtin on purpose
    currency: str | None = None,
    lang: str | None = None,
) -> SafeString:
    """Render ``<tamara-widget>`` for ``amount``, with the config and script once per page.

    ``inline_type`` is Tamara's layout number (2 on product pages, 3 on the cart and checkout,
    as the official plugins use them); ``type`` is ``tamara-summary`` or
    ``tamara-card-snippet``; ``lang`` overrides the active language.
    """
    value = widget_amount(amount, currency)
    if value is None:
        logger.debug("tamara_widget: %r is not an amount; nothing rendered", amount)
        return mark_safe("")
    if type not in WIDGET_TYPES:
        logger.debug("tamara_widget: unknown type %r; nothing rendered", type)
        return mark_safe("")
    try:
        inline = int(inline_type)
    except (TypeError, ValueError):
        inline = 2
    element = format_html('<tamara-widget type="{}" amount="{}" inline-type="{}"></tamara-widget>', type, value, inline)
    return _script_once(context, lang) + element
