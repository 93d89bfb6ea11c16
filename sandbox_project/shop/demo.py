"""The demo catalogue: four vendors and six products in SAR, one per kind the verticals need.

Loaded by ``manage.py sandbox_setup`` (and by the tests); safe to run again: rows are matched
by their code or slug and brought back to these values.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .models import Product, Vendor

VENDORS = [
    {
        "code": "qahwa-house",
        "name": "Al-Qahwa House",
        "category": "Food & beverages",
        "tier": "gold",
        "joined_on": dt.date(2021, 3, 14),
    },
    {
        "code": "oud-arabia",
        "name": "Oud Arabia",
        "category": "Perfumes",
        "tier": "silver",
        "joined_on": dt.date(2022, 9, 1),
    },
    {
        "code": "salam-mobile",
        "name": "Salam Mobile",
        "category": "Telecom",
        "tier": "platinum",
        "joined_on": dt.date(2019, 1, 20),
    },
    {
        "code": "sahara-air",
        "name": "Sahara Air",
        "category": "Travel",
        "tier": "gold",
        "joined_on": dt.date(2020, 6, 10),
    },
]

PRODUCTS = [
    {
        "slug": "arabic-coffee-set",
        "sku": "QH-DALLAH-6",
        "name": "Arabic coffee set (dallah and 6 cups)",
        "name_ar": "طقم قهوة عربية (دلة و٦ فناجين)",
        "kind": "goods",
        "price": Decimal("189.00"),
        "vendor": "qahwa-house",
        "description": "A brass dallah with six porcelain finjan cups.",
    },
    {
        "slug": "khalas-dates",
        "sku": "QH-KHALAS-1KG",
        "name": "Khalas dates gift box, 1 kg",
        "name_ar": "علبة تمر خلاص، ١ كغ",
        "kind": "goods",
        "price": Decimal("95.50"),
        "vendor": "qahwa-house",
        "description": "Khalas dates from Al-Ahsa in a wooden gift box.",
    },
    {
        "slug": "oud-perfume",
        "sku": "OA-OUD-50",
        "name": "Oud perfume, 50 ml",
        "name_ar": "عطر عود، ٥٠ مل",
        "kind": "goods",
        "price": Decimal("349.00"),
        "vendor": "oud-arabia",
        "description": "Cambodian oud with rose and saffron.",
    },
    {
        "slug": "incense-burner",
        "sku": "OA-MABKHARA",
        "name": "Incense burner (mabkhara)",
        "name_ar": "مبخرة",
        "kind": "goods",
        "price": Decimal("120.00"),
        "vendor": "oud-arabia",
        "description": "A carved wooden mabkhara with a brass bowl.",
    },
    {
        "slug": "prepaid-5g-plan",
        "sku": "SM-5G-30D",
        "name": "Prepaid 5G plan, 30 days",
        "name_ar": "باقة 5G مسبقة الدفع، ٣٠ يوماً",
        "kind": "plan",
        "price": Decimal("115.00"),
        "vendor": "salam-mobile",
        "description": "100 GB of 5G data and 500 local minutes for 30 days.",
    },
    {
        "slug": "flight-ruh-jed",
        "sku": "SA-RUH-JED-Y",
        "name": "Flight Riyadh to Jeddah, economy",
        "name_ar": "رحلة من الرياض إلى جدة، الدرجة السياحية",
        "kind": "flight",
        "price": Decimal("450.00"),
        "vendor": "sahara-air",
        "description": "One way, one passenger, 23 kg of luggage.",
    },
]


def load_demo_products() -> int:
    """Create or refresh the demo vendors and products; returns the number of products."""
    vendors = {}
    for data in VENDORS:
        fields = {k: v for k, v in data.items() if k != "code"}
        vendors[data["code"]], _ = Vendor.objects.update_or_create(code=data["code"], defaults=fields)
    for data in PRODUCTS:
        fields = {k: v for k, v in data.items() if k != "slug"}
        fields.update(vendor=vendors[data["vendor"]], currency="SAR", active=True)
        Product.objects.update_or_create(slug=data["slug"], defaults=fields)
    return len(PRODUCTS)
