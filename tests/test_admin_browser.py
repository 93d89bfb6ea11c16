"""The admin in a real browser (Debian's Chromium through Playwright), against the simulator.

Each test logs in through the admin's login form as a staff user with only the permissions it
needs, drives the change page's buttons and the intermediate forms, and checks what staff
see: the message, the inline row, the status. Screenshots land in artifacts/screenshots.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from django_tamara.models import Capture, OrderAction, Refund, TamaraOrder

from .test_admin_support import ACTION_PERMS, ORDERS, PASSWORD, make_order, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username: str, next_url: str = ORDERS) -> None:
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}{next_url}")


def open_order(page, live_server, order: TamaraOrder) -> None:
    """Find the order from the list by searching its reference, and open it."""
    page.fill("#searchbar", order.order_reference_id)
    page.press("#searchbar", "Enter")
    page.click(f"#result_list a:text-is('{order.order_reference_id}')")
    wait_for_change_page(page, order)


def wait_for_change_page(page, order: TamaraOrder) -> None:
    """The change page, with or without the list's preserved filters in its query string."""
    page.wait_for_url(f"**{ORDERS}{order.pk}/change/**")


def success_text(page) -> str:
    return page.locator("ul.messagelist li.success").inner_text()


def test_capture_part_then_refund_part(tamara_simulator, live_server, page, screenshot):
    make_staff("anna")
    order = make_order(tamara_simulator, reference="REF-BROWSER-1")
    make_order(tamara_simulator, "approved", reference="REF-BROWSER-2")
    log_in(page, live_server, "anna")
    assert page.locator("#result_list").get_by_text("REF-BROWSER-1").is_visible()
    assert page.locator("#result_list .tamara-badge").first.is_visible()
    screenshot(page, "order-list")

    open_order(page, live_server, order)
    screenshot(page, "change-page")
    page.click("#tamara-action-capture")
    page.wait_for_url(f"**/{order.pk}/capture/**")
    assert page.input_value("input[name=amount]") == "160.00"
    assert page.input_value("input[name=shipping_company]") == ""
    page.fill("input[name=amount]", "60")
    page.fill("input[name=shipping_company]", "SMSA")
    page.fill("input[name=tracking_number]", "TRK-42")
    screenshot(page, "capture-form")
    page.click("#tamara-confirm")
    wait_for_change_page(page, order)
    assert "Captured 60.00 SAR" in success_text(page)
    capture = Capture.objects.get(order=order)
    assert page.locator("#captures-group").get_by_text(capture.capture_id).first.is_visible()
    assert page.locator(".field-status_badge .tamara-badge").inner_text() == "Partially captured"

    page.click("#tamara-action-refund")
    page.wait_for_url(f"**/{order.pk}/refund/**")
    assert page.input_value("input[name=amount]") == "60.00"
    page.fill("input[name=amount]", "15.50")
    page.fill("textarea[name=comment]", "one book returned")
    page.click("#tamara-confirm")
    wait_for_change_page(page, order)
    assert "Refunded 15.50 SAR" in success_text(page)
    refund = Refund.objects.get(order=order)
    assert page.locator("#refunds-group").get_by_text(refund.refund_id).first.is_visible()
    assert page.locator("#tamara-timeline").get_by_text("Refund by anna: Done").is_visible()
    screenshot(page, "change-page-after-refund")
    order.refresh_from_db()
    assert (order.captured_amount, order.refunded_amount) == (Decimal("60"), Decimal("15.5"))


def test_cancel_an_authorised_order(tamara_simulator, live_server, page, screenshot):
    make_staff("basma")
    order = make_order(tamara_simulator, reference="REF-BROWSER-CANCEL")
    log_in(page, live_server, "basma", f"{ORDERS}{order.pk}/change/")
    page.click("#tamara-action-cancel")
    page.wait_for_url(f"**/{order.pk}/cancel/**")
    assert page.input_value("input[name=amount]") == "160.00"
    page.click("#tamara-confirm")
    wait_for_change_page(page, order)
    assert "Canceled 160.00 SAR" in success_text(page)
    assert page.locator(".field-status_badge .tamara-badge").inner_text() == "Canceled"
    assert page.locator("#cancellations-group tbody tr.has_original").count() == 1
    assert page.locator("#tamara-action-cancel").count() == 0 and page.locator("#tamara-action-capture").count() == 0
    screenshot(page, "change-page-canceled")


def test_the_back_button_does_not_capture_twice(tamara_simulator, live_server, page):
    make_staff("chadi")
    order = make_order(tamara_simulator)
    log_in(page, live_server, "chadi", f"{ORDERS}{order.pk}/change/")
    page.click("#tamara-action-capture")
    page.wait_for_url(f"**/{order.pk}/capture/**")
    page.fill("input[name=amount]", "50")
    page.fill("input[name=shipping_company]", "Aramex")
    page.click("#tamara-confirm")
    wait_for_change_page(page, order)
    page.go_back()  # the form again, with its (used) token ...
    if page.locator("#tamara-confirm").count():  # ... when the browser shows it from its cache
        page.fill("input[name=shipping_company]", "Aramex")
        page.click("#tamara-confirm")
    wait_for_change_page(page, order)
    assert "already submitted" in page.locator("ul.messagelist li.warning").inner_text()
    order.refresh_from_db()
    assert order.captured_amount == Decimal("50") and Capture.objects.filter(order=order).count() == 1


def test_without_the_capture_permission_there_is_no_capture(tamara_simulator, live_server, page):
    make_staff("dana", perms=("view_tamaraorder", "refund_tamaraorder", "sync_tamaraorder"))
    order = make_order(tamara_simulator)
    log_in(page, live_server, "dana")
    options = page.locator("select[name=action] option").all_inner_texts()
    assert not any("Capture" in text for text in options)
    assert any("Sync the selected" in text for text in options)
    open_order(page, live_server, order)
    assert page.locator("#tamara-action-capture").count() == 0
    assert page.locator("#tamara-action-sync").count() == 1
    response = page.goto(f"{live_server.url}{ORDERS}{order.pk}/capture/")
    assert response.status == 403
    assert not OrderAction.objects.exists()


def test_the_admin_in_arabic_is_right_to_left_and_translated(tamara_simulator, live_server, page, screenshot):
    make_staff("eman", perms=("view_tamaraorder", *ACTION_PERMS))
    order = make_order(tamara_simulator)
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    log_in(page, live_server, "eman")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
    options = page.locator("select[name=action] option").all_inner_texts()
    assert "تحصيل طلبات تمارا المحددة بالكامل" in options
    assert "مزامنة طلبات تمارا المحددة من تمارا" in options
    assert page.locator("#result_list .tamara-badge").first.inner_text() == "مفوَّض"
    screenshot(page, "order-list-ar")
    page.goto(f"{live_server.url}{ORDERS}{order.pk}/change/")
    assert page.locator("#tamara-action-capture").inner_text().strip() == "تحصيل"
    page.click("#tamara-action-capture")
    page.fill("input[name=amount]", "10")
    page.fill("input[name=shipping_company]", "أرامكس")
    page.click("#tamara-confirm")
    wait_for_change_page(page, order)
    assert "تم تحصيل 10.00 SAR" in success_text(page)
    screenshot(page, "change-page-ar")
