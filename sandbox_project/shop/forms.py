"""The checkout form: who pays, where it goes, which vertical, and the flight for a booking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from .models import ShopOrder

#: A customer who gets through the simulator (and Tamara's sandbox: its "KSA Testing Guide" page).
#: The phone 526422337 is declined even when "approve" is pressed.
DEMO_CUSTOMER = {
    "first_name": "Nora",
    "last_name": "Al-Qahtani",
    "phone_number": "544337866",
    "email": "nora@example.com",
    "line1": "3764 Al Urubah Rd, Al Olaya",
    "city": "Riyadh",
    "region": "Riyadh",
}

#: Saudi airports: a flight between two of them is Domestic for Tamara, anything else International.
SAUDI_AIRPORTS = frozenset(
    {"RUH", "JED", "DMM", "MED", "AHB", "TIF", "TUU", "ELQ", "GIZ", "ABT", "HAS", "YNB", "AJF", "TAB"}
)

TRAVEL_CLASSES = [("Economy", "Economy"), ("Premium", "Premium economy"), ("Business", "Business"), ("First", "First")]
TRIP_TYPES = [("OneWay", "One way"), ("Return", "Return"), ("MultipleDestination", "Multi-city")]


class CheckoutForm(forms.Form):
    vertical = forms.ChoiceField(
        choices=ShopOrder.Vertical.choices,
        widget=forms.RadioSelect,
        initial=ShopOrder.Vertical.SHOP,
        label="Check out as",
    )
    first_name = forms.CharField(max_length=255)
    last_name = forms.CharField(max_length=255)
    phone_number = forms.CharField(max_length=32, help_text="526422337 is declined by Tamara's sandbox.")
    email = forms.EmailField(required=False)
    line1 = forms.CharField(label="Address", max_length=255)
    city = forms.CharField(max_length=255)
    region = forms.CharField(max_length=255)

    # Travel booking only: Tamara's travel_data.
    origin = forms.CharField(label="From (IATA)", max_length=3, initial="RUH", required=False)
    destination = forms.CharField(label="To (IATA)", max_length=3, initial="JED", required=False)
    travel_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    passengers = forms.IntegerField(min_value=1, max_value=9, initial=1, required=False)
    travel_class = forms.ChoiceField(label="Class", choices=TRAVEL_CLASSES, initial="Economy", required=False)
    trip_type = forms.ChoiceField(label="Trip", choices=TRIP_TYPES, initial="OneWay", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {**DEMO_CUSTOMER, "travel_date": dt.date.today() + dt.timedelta(days=14)})
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("vertical") == ShopOrder.Vertical.TRAVEL:
            for name in ("origin", "destination", "travel_date"):
                if not data.get(name):
                    self.add_error(name, "Needed for a flight booking.")
        return data

    def vertical_data(self) -> dict[str, Any]:
        """What the order keeps for its vertical (JSON-ready)."""
        data = self.cleaned_data
        if data["vertical"] != ShopOrder.Vertical.TRAVEL:
            return {}
        origin, destination = data["origin"].upper(), data["destination"].upper()
        domestic = origin in SAUDI_AIRPORTS and destination in SAUDI_AIRPORTS
        return {
            "origin": origin,
            "destination": destination,
            "travel_type": "Domestic" if domestic else "International",
            "trip_type": data.get("trip_type") or "OneWay",
            "travel_class": data.get("travel_class") or "Economy",
            "passengers": data.get("passengers") or 1,
            "travel_date": data["travel_date"].isoformat(),
            "refundable": False,
        }
