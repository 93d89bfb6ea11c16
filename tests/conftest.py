"""Fixtures shared by the whole suite. The simulator fixtures come from django_tamara.testing."""

from __future__ import annotations

import copy
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

# Private Redis and PostgreSQL servers for the fault tests, and the worker tests' queue modes
# (tests/services.py).
from .services import private_postgres, private_redis, queue_mode  # noqa: F401  fixtures, found by name

# Issue #14's "one writer" guard for the whole run: only django_tamara/lifecycle/ writes the
# order and transaction rows (tests/one_writer.py).
pytest_plugins = ["tests.one_writer"]


HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The adapters' tests (tests/contrib/) run only under their own settings (tests/run.py)."""
    if collection_path == HERE / "contrib" and os.environ.get("DJANGO_SETTINGS_MODULE") != "tests.contrib.settings":
        return True
    return None


def pytest_configure(config: pytest.Config) -> None:
    """With TAMARA_EXPECT_INSTALLED=1 (noxfile.py's wheel session), fail the run unless the app
    under test is the installed wheel, not a checkout's django_tamara/ on the path."""
    if os.environ.get("TAMARA_EXPECT_INSTALLED") != "1":
        return
    import sysconfig

    import django_tamara

    package = Path(django_tamara.__file__).resolve()
    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    if site_packages not in package.parents:
        raise pytest.UsageError(f"django_tamara was imported from {package}, not from the wheel in {site_packages}")


def full_order_json(**overrides: Any) -> dict[str, Any]:
    """An order as ``GET /orders/{id}`` answers, with every field of the schemas filled in."""
    order_id = str(uuid.uuid4())
    capture_id = str(uuid.uuid4())
    data: dict[str, Any] = {
        "order_id": order_id,
        "order_reference_id": "REF-1001",
        "order_number": "1001",
        "status": "partially_refunded",
        "payment_type": "PAY_BY_INSTALMENTS",
        "instalments": 3,
        "description": "Two books",
        "locale": "ar_SA",
        "platform": "django-tamara tests",
        "is_mobile": False,
        "total_amount": {"amount": 307.35, "currency": "SAR"},
        "tax_amount": {"amount": 7.35, "currency": "SAR"},
        "shipping_amount": {"amount": 10, "currency": "SAR"},
        "discount_amount": {"name": "WELCOME", "amount": {"amount": 10.00, "currency": "SAR"}},
        "captured_amount": {"amount": 307.35, "currency": "SAR"},
        "refunded_amount": {"amount": 50.5, "currency": "SAR"},
        "canceled_amount": {"amount": 0, "currency": "SAR"},
        "paid_amount": {"amount": 102.45, "currency": "SAR"},
        "consumer": {
            "first_name": "Mona",
            "last_name": "Lisa",
            "phone_number": "+966502223333",
            "email": "mona@example.com",
            "date_of_birth": "1990-01-31",
        },
        "items": [
            {
                "reference_id": "b1",
                "type": "Physical",
                "name": "كتاب",
                "sku": "BOOK-1",
                "quantity": 2,
                "total_amount": {"amount": 300.00, "currency": "SAR"},
            }
        ],
        "shipping_address": {
            "first_name": "Mona",
            "last_name": "Lisa",
            "line1": "3764 Al Urubah Rd",
            "city": "Riyadh",
            "country_code": "SA",
            "phone_number": "502223333",
        },
        "billing_address": None,
        "created_at": "2026-11-20T10:15:00Z",
        "order_expiry_time": "2026-12-11T10:15:00Z",
        "settlement_status": "pending",
        "settlement_date": None,
        "settlement": {"status": "pending", "date": "2026-12-01T00:00:00Z", "batch": "B-7"},
        "transactions": {
            "captures": [
                {
                    "capture_id": capture_id,
                    "order_id": order_id,
                    "total_amount": {"amount": 307.35, "currency": "SAR"},
                    "refunded_amount": {"amount": 50.5, "currency": "SAR"},
                    "shipping_info": {"shipped_at": "2026-11-21T09:00:00Z", "shipping_company": "SMSA"},
                    "items": [],
                    "created_at": "2026-11-21T09:00:00Z",
                }
            ],
            "refunds": [
                {
                    "refund_id": str(uuid.uuid4()),
                    "capture_id": capture_id,
                    "total_amount": {"amount": 50.5, "currency": "SAR"},
                    "comment": "damaged cover",
                    "merchant_refund_id": "RF-1",
                    "created_at": "2026-11-22T09:00:00Z",
                }
            ],
            "cancels": [],
        },
    }
    data.update(overrides)
    return copy.deepcopy(data)


@pytest.fixture
def order_json() -> dict[str, Any]:
    return full_order_json()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` run in the PostgreSQL pass of CI; on SQLite they are skipped.

    This is not a hidden missing service: ``.ci/run`` runs the suite a second time with
    DATABASE_URL pointing at PostgreSQL, where an unreachable server fails the run.
    """
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://... (CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def http(tamara_simulator: Any) -> Any:
    """A ``requests`` session that talks to the simulator's merchant API with its token."""
    import requests

    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"Bearer {tamara_simulator.api_token}"
    return session


@pytest.fixture
def receiver(tamara_notification_receiver: Any) -> Any:
    """A local endpoint recording the simulator's notifications (``django_tamara.testing``)."""
    return tamara_notification_receiver


@pytest.fixture
def db_vendor() -> str:
    return connection.vendor


# Browser tests ---------------------------------------------------------------------------------

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser).

    Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM
    calls from the test ("async unsafe"); the tests only touch the database between page
    actions, so that check is switched off for browser tests.
    """
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    """``screenshot(page, "name")`` saves artifacts/screenshots/<test>-<name>.png."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
