"""A stand-in for Tamara's promo widget (``/widget-v2/tamara-widget.js``) so shop pages work offline.

It defines the ``<tamara-widget>`` custom element and renders "Pay in N instalments of X"
(Arabic when ``tamaraWidgetConfig.lang`` is ``ar``) from its ``amount`` attribute, with N
from the ``instalments`` attribute, ``tamaraWidgetConfig.instalments`` or 3, and the
currency from ``tamaraWidgetConfig.currency`` or the configured country. Like the real
script it exposes ``window.TamaraWidgetV2.refresh()``.
"""

from __future__ import annotations

import json

from .money import CURRENCY_OF
from .money import DECIMALS as CURRENCY_EXPONENTS

__all__ = ["WIDGET_JS"]

_COUNTRY_CURRENCY = dict(CURRENCY_OF)

WIDGET_JS = """(function () {
  "use strict";
  var CURRENCIES = %s;
  var DECIMALS = %s;
  function config() { return window.tamaraWidgetConfig || {}; }
  function render(el) {
    var cfg = config();
    var lang = (el.getAttribute("lang") || cfg.lang || "en").slice(0, 2);
    var amount = parseFloat(el.getAttribute("amount") || "0");
    var n = parseInt(el.getAttribute("instalments") || cfg.instalments || "3", 10) || 3;
    var currency = cfg.currency || CURRENCIES[(cfg.country || "SA").toUpperCase()] || "SAR";
    var places = DECIMALS[currency] === undefined ? 2 : DECIMALS[currency];
    var part = isFinite(amount) && amount > 0 ? (amount / n).toFixed(places) : null;
    el.setAttribute("dir", lang === "ar" ? "rtl" : "ltr");
    if (part === null) { el.textContent = ""; return; }
    el.textContent = lang === "ar"
      ? "ادفع على " + n + " دفعات بقيمة " + part + " " + currency + " مع تمارا"
      : "Pay in " + n + " instalments of " + part + " " + currency + " with Tamara";
  }
  if (!window.customElements || window.customElements.get("tamara-widget")) { return; }
  class TamaraWidget extends HTMLElement {
    static get observedAttributes() { return ["amount", "instalments", "lang"]; }
    connectedCallback() { render(this); }
    attributeChangedCallback() { if (this.isConnected) { render(this); } }
  }
  window.customElements.define("tamara-widget", TamaraWidget);
  window.TamaraWidgetV2 = {
    refresh: function () { document.querySelectorAll("tamara-widget").forEach(render); }
  };
})();
""" % (json.dumps(_COUNTRY_CURRENCY), json.dumps(CURRENCY_EXPONENTS))
