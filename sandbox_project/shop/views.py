"""The shop's pages: products, basket, checkout, and the order page that follows the payment.

The checkout view is the whole integration with Tamara on the way out: save the shop's
order, pick the builder of the chosen vertical, ``create_session``, redirect. On the way back
the app's landing views (``/tamara/success/`` ...) sync the order and send the customer to
``TAMARA["SUCCESS_URL"]``, the order page here; the status on that page is the shop's own,
moved by the signal receivers (receivers.py) whether the webhook or the customer gets back first.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from django_tamara.exceptions import PayloadInvalid, TamaraAPIError, TamaraError

from .basket import Basket, BasketLine, shipping_for
from .forms import CheckoutForm
from .models import OrderEvent, OrderLine, Product, ShopOrder
from .tamara import builder_for

#: Orders this browser placed, newest first (for the "your orders" list in the basket).
SESSION_ORDERS = "shop_orders"


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    """``render`` with what every page's header needs (the basket's size)."""
    return render(request, f"shop/{template}", {"basket_count": len(Basket(request)), **(context or {})}, status=status)


@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    products = Product.objects.filter(active=True).select_related("vendor")
    return page(request, "product_list.html", {"products": products})


@require_GET
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("vendor"), slug=slug, active=True)
    return page(request, "product_detail.html", {"product": product})


@require_GET
def basket(request: HttpRequest) -> HttpResponse:
    current = Basket(request)
    lines = current.lines()
    items_total = sum((line.total for line in lines), Decimal("0"))
    shipping = shipping_for(lines)
    recent = ShopOrder.objects.filter(reference__in=request.session.get(SESSION_ORDERS, [])[:5])
    return page(
        request,
        "basket.html",
        {
            "lines": lines,
            "items_total": items_total,
            "shipping": shipping,
            "total": items_total + shipping,
            "recent_orders": recent,
        },
    )


def _quantity(request: HttpRequest, default: int) -> int:
    try:
        return int(request.POST.get("quantity", default))
    except (TypeError, ValueError):
        return default


@require_POST
def basket_add(request: HttpRequest) -> HttpResponse:
    product = get_object_or_404(Product, pk=request.POST.get("product"), active=True)
    Basket(request).add(product, max(1, _quantity(request, 1)))
    messages.success(request, f"Added {product.label} to your basket.")
    return redirect(request.POST.get("next") if _is_local(request.POST.get("next")) else "shop:basket")


@require_POST
def basket_update(request: HttpRequest) -> HttpResponse:
    product = get_object_or_404(Product, pk=request.POST.get("product"))
    Basket(request).set(product, _quantity(request, 0))
    return redirect("shop:basket")


def _is_local(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


def _place_order(form: CheckoutForm, lines: list[BasketLine], shipping: Any) -> ShopOrder:
    data = form.cleaned_data
    with transaction.atomic():
        order = ShopOrder.objects.create(
            vertical=data["vertical"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone_number=data["phone_number"],
            email=data.get("email") or "",
            line1=data["line1"],
            city=data["city"],
            region=data["region"],
            shipping_amount=shipping,
            vertical_data=form.vertical_data(),
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=line.product,
                name=line.product.name,
                sku=line.product.sku,
                quantity=line.quantity,
                unit_price=line.product.price,
            )
            for line in lines
        )
        OrderEvent.objects.create(order=order, status=order.status, message="Order placed; paying with Tamara.")
    return order


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    """Save the order, build the vertical's payload, open the Tamara session, redirect to it.

    Tamara is offered only when it can work for this order (``is_available``): better to say
    so here than to fail on Tamara's page. Any refusal leaves no order behind.
    """
    current = Basket(request)
    lines = current.lines()
    if not lines:
        messages.info(request, "Your basket is empty.")
        return redirect("shop:basket")
    form = CheckoutForm(request.POST or None)
    problems: list[str] = []
    shipping = shipping_for(lines)
    if request.method == "POST" and form.is_valid():
        order = _place_order(form, lines, shipping)
        builder = builder_for(order, request)
        try:
            availability = builder.is_available(order)
            if not availability:
                problems.append(f"Tamara is not available for this order: {availability.reason}")
            else:
                result = builder.create_session(order)
        except PayloadInvalid as exc:
            problems += [f"{path}: {' '.join(msgs)}" for path, msgs in exc.errors.items()]
        except TamaraAPIError as exc:
            codes = ", ".join(exc.error_codes) or exc.message
            problems.append(f"Tamara refused the checkout ({codes}).")
        except TamaraError as exc:
            problems.append(f"Tamara could not be reached: {exc}")
        if problems:
            order.delete()
        else:
            current.clear()
            request.session[SESSION_ORDERS] = [order.reference, *request.session.get(SESSION_ORDERS, [])][:20]
            return result.redirect()
    items_total = sum((line.total for line in lines), Decimal("0"))
    return page(
        request,
        "checkout.html",
        {
            "form": form,
            "lines": lines,
            "items_total": items_total,
            "shipping": shipping,
            "total": items_total + shipping,
            "problems": problems,
        },
        status=400 if problems else 200,
    )


def _admin_url(order: ShopOrder) -> str | None:
    tamara = order.tamara_order
    if tamara is None:
        return None
    try:
        return reverse("admin:django_tamara_tamaraorder_change", args=[tamara.pk])
    except NoReverseMatch:  # the app's admin is not registered in this project
        return None


@require_GET
def order_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The order as the shop sees it. The reference is random (models.new_reference), so
    knowing it is what gives access, as with a tracking link."""
    order = get_object_or_404(ShopOrder, reference=reference)
    return page(
        request,
        "order_detail.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "events": order.events.all(),
            "tamara": order.tamara_order,
            "admin_url": _admin_url(order) if request.user.is_staff else None,
        },
    )


@require_GET
def order_status(request: HttpRequest, reference: str) -> JsonResponse:
    """What the order page polls to reload itself when a webhook has moved the order."""
    order = get_object_or_404(ShopOrder, reference=reference)
    tamara = order.tamara_order
    return JsonResponse(
        {
            "reference": order.reference,
            "status": order.status,
            "status_display": order.get_status_display(),
            "tamara_status": tamara.status if tamara else None,
            "final": order.is_final,
            "events": order.events.count(),
        }
    )


@require_GET
def payment_failed(request: HttpRequest, outcome: str = "failed") -> HttpResponse:
    """Where ``TAMARA["FAILURE_URL"]`` and ``["CANCEL_URL"]`` lead (``?reference=``)."""
    order = ShopOrder.objects.filter(reference=request.GET.get("reference", "")).first()
    return page(request, "payment_failed.html", {"order": order, "outcome": outcome})


@require_POST
def order_retry(request: HttpRequest, reference: str) -> HttpResponse:
    """Put an unpaid order's lines back in the basket, to try again."""
    order = get_object_or_404(ShopOrder, reference=reference)
    current = Basket(request)
    for line in order.lines.select_related("product"):
        if line.product.active:
            current.add(line.product, line.quantity)
    messages.info(request, "The items are back in your basket.")
    return redirect("shop:basket")
