"""Arabic: every string of the app is translated, the compiled catalog ships, and the admin reads right to left."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

import django_tamara
from django_tamara.models import TamaraOrder
from django_tamara.states import OrderStatus

from .test_admin_support import ORDERS, action_url, change_url, fake_orders, make_staff, messages_of

LOCALE = Path(django_tamara.__file__).parent / "locale" / "ar" / "LC_MESSAGES"


def po_entries() -> list[dict[str, object]]:
    """The catalog's entries: msgid, plural, the msgstr forms and flags (a small PO reader)."""
    entries, current, key = [], None, None
    for line in (LOCALE / "django.po").read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current is not None:
                entries.append(current)
            current, key = None, None
            continue
        current = current or {"flags": "", "msgid": "", "plural": None, "msgstr": {}}
        if line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        elif match := re.match(r'^(msgid|msgid_plural|msgstr(?:\[(\d)\])?) "(.*)"$', line):
            name, index, text = match.groups()
            key = "msgid" if name == "msgid" else "plural" if name == "msgid_plural" else ("msgstr", int(index or 0))
            append(current, key, text)
        elif line.startswith('"'):
            append(current, key, line[1:-1])
    return [e for e in entries if e["msgid"]]


def append(entry: dict, key, text: str) -> None:
    text = text.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
    if isinstance(key, tuple):
        entry["msgstr"][key[1]] = entry["msgstr"].get(key[1], "") + text
    else:
        entry[key] = (entry[key] or "") + text


def test_every_string_is_translated_and_none_is_fuzzy():
    entries = po_entries()
    assert len(entries) > 200
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [] and fuzzy == []
    plurals = [e for e in entries if e["plural"]]
    assert plurals and all(len(e["msgstr"]) == 6 for e in plurals)  # Arabic has six plural forms


def test_the_compiled_catalog_ships_and_matches_the_sources():
    with open(LOCALE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po_entries():
        if entry["plural"]:
            assert compiled.ngettext(entry["msgid"], entry["plural"], 1) == entry["msgstr"][1], entry["msgid"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"][0], entry["msgid"]


def test_model_and_status_labels_are_arabic():
    with translation.override("ar"):
        assert str(TamaraOrder._meta.verbose_name_plural) == "طلبات تمارا"
        assert str(OrderStatus.PARTIALLY_CAPTURED.label) == "محصّل جزئيًا"


@pytest.mark.django_db
def test_the_admin_in_arabic(client):
    order = fake_orders(1, status="new")[0]
    client.force_login(make_staff())
    client.cookies["django_language"] = "ar"
    html = client.get(ORDERS).content.decode()
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    for text in (
        "تحصيل طلبات تمارا المحددة بالكامل",
        "استرداد طلبات تمارا المحددة بالكامل",
        "إلغاء طلبات تمارا المحددة بالكامل",
        "تفويض طلبات تمارا المحددة",
        "مزامنة طلبات تمارا المحددة من تمارا",
        "طلبات تمارا",
        "جديد",
        "العميل",
    ):
        assert text in html, text

    html = client.get(change_url(order)).content.decode()
    assert "السجل الزمني" in html and "المتبقي للتحصيل" in html
    assert 'id="tamara-action-authorise"' in html and ">تفويض<" in html
    assert "Timeline" not in html and "Left to capture" not in html

    confirm = client.post(ORDERS, {"action": "cancel_orders", "_selected_action": [order.pk], "index": "0"})
    assert "حُدّد طلب واحد" in confirm.content.decode() and "سيتم تخطيه" in confirm.content.decode()
    response = client.post(
        ORDERS,
        {
            "action": "cancel_orders",
            "_selected_action": [order.pk],
            "post": "yes",
            "form_token": confirm.context["form"].token,
        },
        follow=True,
    )
    level, text = messages_of(response)[0]
    assert level == "warning" and text.startswith(f"تم تخطي {order.order_reference_id}: حالته جديد")

    page = client.get(action_url(order, "sync")).content.decode()
    assert "مزامنة" in page and "No, take me back" not in page  # Django's own Arabic wins for its strings
