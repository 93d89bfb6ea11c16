"""The hosted checkout page: what the customer sees at ``checkout_url``, in English or Arabic.

It shows the order number, the items, the total and the instalment plan, and three buttons
(``id="approve"``, ``id="decline"``, ``id="cancel"``) that POST to
``/checkout/{checkout_id}/approve|decline|cancel``, so browser tests can click through a
checkout offline. Everything from the order is escaped; the page loads nothing external.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from .money import Money, MoneyError
from .orders import Order, instalment_plan

__all__ = ["render_checkout", "render_message", "page_language"]

TEXT = {
    "en": {
        "title": "Pay with Tamara",
        "order": "Order",
        "item": "Item",
        "quantity": "Qty",
        "amount": "Amount",
        "total": "Total",
        "plan": "Your payment plan",
        "due_today": "Due today",
        "due_on": "Due on {date}",
        "approve": "Approve",
        "decline": "Decline",
        "cancel": "Cancel",
        "closed": "This checkout is closed: the order is {status}.",
        "simulator": "Tamara simulator - no real payment is made.",
    },
    "ar": {
        "title": "الدفع عبر تمارا",
        "order": "رقم الطلب",
        "item": "المنتج",
        "quantity": "الكمية",
        "amount": "المبلغ",
        "total": "الإجمالي",
        "plan": "خطة الدفع",
        "due_today": "تستحق اليوم",
        "due_on": "تستحق في {date}",
        "approve": "موافقة",
        "decline": "رفض",
        "cancel": "إلغاء",
        "closed": "انتهت عملية الدفع: حالة الطلب {status}.",
        "simulator": "محاكي تمارا - لا يتم أي دفع حقيقي.",
    },
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Tahoma,sans-serif;background:#f6f4f1;color:#1d1d1f;margin:0}
main{max-width:34rem;margin:2rem auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 2px 10px #0001}
h1{font-size:1.4rem;margin:0 0 1rem}
table{width:100%;border-collapse:collapse;margin:.5rem 0 1rem}
th,td{padding:.4rem;border-bottom:1px solid #eee;text-align:start}
td.num,th.num{text-align:end}
.total{font-weight:bold;font-size:1.1rem}
.actions{display:flex;gap:.5rem;margin-top:1rem}
.actions form{flex:1}
button{width:100%;padding:.7rem;border:0;border-radius:8px;font-size:1rem;cursor:pointer}
#approve{background:#1d1d1f;color:#fff}#decline{background:#f2d7d5}#cancel{background:#e9e9ee}
.note{color:#777;font-size:.8rem;margin-top:1rem}.closed{padding:.8rem;background:#fff4e5;border-radius:8px}
"""


def page_language(requested: object, locale: object) -> str:
    """``?lang=`` wins; otherwise the order's locale (``ar_SA`` gives Arabic); English by default."""
    for candidate in (requested, locale):
        if isinstance(candidate, str) and candidate:
            code = candidate.lower()[:2]
            if code in TEXT:
                return code
    return "en"


def _amount(value: object) -> str:
    """An item's ``{"amount": 450.0, "currency": "SAR"}`` as ``450.00 SAR``, at the currency's decimals.

    The payload keeps the JSON number the shop sent (``450.0``); the page shows it as the total
    beside it is shown (#15). Anything that is not money is shown as given.
    """
    try:
        return str(Money.from_api(value))
    except MoneyError:
        data = value if isinstance(value, dict) else {}
        return f"{data.get('amount', '')} {data.get('currency', '')}".strip()


def _page(lang: str, body: str) -> str:
    direction = "rtl" if lang == "ar" else "ltr"
    t = TEXT[lang]
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(t['title'])}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n<h1>{escape(t['title'])}</h1>\n{body}\n"
        f'<p class="note">{escape(t["simulator"])}</p>\n</main>\n</body>\n</html>\n'
    )


def render_checkout(order: Order, lang: str, today: date) -> str:
    """The page for ``order``; ``today`` is the simulated date the first instalment is due."""
    t = TEXT[lang]
    rows = []
    for item in order.payload.get("items") or []:
        rows.append(
            '<tr class="item">'
            f'<td class="name">{escape(str(item.get("name", "")))}</td>'
            f'<td class="num quantity">{escape(str(item.get("quantity", "")))}</td>'
            f'<td class="num amount">{escape(_amount(item.get("total_amount")))}</td>'
            "</tr>"
        )
    plan_rows = []
    for i, part in enumerate(instalment_plan(order.total_amount, order.plan_instalments)):
        due = today + timedelta(days=30 * i)
        label = t["due_today"] if i == 0 else t["due_on"].format(date=due.strftime("%Y-%m-%d"))
        plan_rows.append(
            f'<tr class="instalment"><td>{escape(label)}</td><td class="num">{escape(str(part))}</td></tr>'
        )
    base = f"/checkout/{escape(order.checkout_id)}"
    suffix = "?lang=ar" if lang == "ar" else ""
    if order.status == "new":
        actions = "".join(
            f'<form method="post" action="{base}/{name}{suffix}"><button type="submit" id="{name}" name="{name}">'
            f"{escape(t[name])}</button></form>"
            for name in ("approve", "decline", "cancel")
        )
        actions = f'<div class="actions">{actions}</div>'
    else:
        actions = f'<p class="closed" id="closed">{escape(t["closed"].format(status=order.status))}</p>'
    body = (
        f'<p>{escape(t["order"])}: <strong id="order-number">{escape(order.order_number)}</strong></p>\n'
        f'<table id="items"><thead><tr><th>{escape(t["item"])}</th><th class="num">{escape(t["quantity"])}</th>'
        f'<th class="num">{escape(t["amount"])}</th></tr></thead><tbody>{"".join(rows)}</tbody></table>\n'
        f'<p class="total">{escape(t["total"])}: <span id="total">{escape(str(order.total_amount))}</span></p>\n'
        f'<h2>{escape(t["plan"])}</h2>\n<table id="plan"><tbody>{"".join(plan_rows)}</tbody></table>\n'
        f"{actions}"
    )
    return _page(lang, body)


def render_message(lang: str, message: str) -> str:
    """A small page for errors (unknown checkout, action no longer possible)."""
    return _page(lang, f'<p class="closed" id="message">{escape(message)}</p>')
