"""The test shop's pages: pay (create a Payment, hand it to its provider) and the two results."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from payments import PaymentError, RedirectNeeded

from django_tamara.money import CURRENCY_COUNTRIES

from .models import Payment


class PayForm(forms.Form):
    currency = forms.ChoiceField(choices=[(c, c) for c in CURRENCY_COUNTRIES], initial="SAR")
    total = forms.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal("1"), initial=Decimal("250.00"))


def billing(currency: str) -> dict[str, str]:
    """A customer Tamara's sandbox approves, in the country of ``currency``."""
    country = CURRENCY_COUNTRIES.get(currency, "SA")
    phone = "+966502223333" if country == "SA" else "+96550223333"
    return {
        "billing_first_name": "Mona",
        "billing_last_name": "Lisa",
        "billing_email": "mona@example.com",
        "billing_phone": phone,
        "billing_address_1": "3764 Al Urubah Rd",
        "billing_city": "Riyadh" if country == "SA" else "Capital",
        "billing_country_area": "Riyadh" if country == "SA" else "Capital",
        "billing_postcode": "12345",
        "billing_country_code": country,
    }


def pay(request: HttpRequest) -> HttpResponse:
    form = PayForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "payments_shop/pay.html", {"form": form}, status=400 if form.is_bound else 200)
    currency, total = form.cleaned_data["currency"], form.cleaned_data["total"]
    payment = Payment.objects.create(
        variant="tamara",
        currency=currency,
        total=total,
        tax=Decimal("0"),
        delivery=Decimal("0"),
        description="Test shop order",
        **billing(currency),
    )
    try:
        payment.get_form()
    except RedirectNeeded as redirect:
        return HttpResponseRedirect(str(redirect))
    except PaymentError as error:
        return render(request, "payments_shop/pay.html", {"form": form, "error": str(error)}, status=400)
    return render(request, "payments_shop/pay.html", {"form": form}, status=400)  # Tamara always redirects


def result(request: HttpRequest, pk: int, outcome: str) -> HttpResponse:
    payment = get_object_or_404(Payment, pk=pk)
    return render(request, "payments_shop/result.html", {"payment": payment, "outcome": outcome})
