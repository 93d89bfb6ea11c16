"""What a newcomer meets in the first hour with the app (#15), each through the real path.

- runserver without any ``LOGGING`` setting masks the notification URL's ``tamaraToken``;
- ``{% tamara_widget %}`` loads the simulator's widget while ``API_URL`` is the simulator;
- ``tamara_sync --order`` names the simulator's restart when a local simulator forgets an order;
- the system checks' hints name the settings reference by a path and anchor that exist;
- item amounts show their currency's decimals on the hosted checkout page and in the admin.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.template import engines
from django.test import Client
from django.urls import reverse

from django_tamara import lifecycle
from django_tamara.background import BUILT_IN
from django_tamara.checks import check_tamara_settings
from django_tamara.client import get_client
from django_tamara.conf import DEFAULTS
from django_tamara.management.commands.tamara_sync import _local_simulator_cause
from django_tamara.models import TamaraOrder
from django_tamara.simulator import Simulator
from django_tamara.testing import make_notification_token

from .payloads import checkout_payload
from .services import free_port, stop_process, wait_until

ROOT = Path(__file__).resolve().parent.parent


# runserver without LOGGING ----------------------------------------------------------------------

#: A project as ``django-admin startproject`` makes it, plus the app: no LOGGING setting at all.
FRESH_SETTINGS = """
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "newcomer-test-secret-key-not-a-secret-0123456789"
DEBUG = True
ALLOWED_HOSTS = []
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_tamara",
] + EXTRA_APPS
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "newcomer_urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TAMARA = {
    "API_URL": "https://api-sandbox.tamara.co",
    "API_TOKEN": "newcomer-api-token-0123456789abcdef0123456789",
    "NOTIFICATION_TOKEN": "newcomer-notification-token-0123456789abcdef",
}
"""

FRESH_URLS = """
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("tamara/", include("django_tamara.urls")),
]
"""


def test_runserver_without_logging_settings_masks_the_tamara_token(tmp_path):
    """#15: Tamara's notification URL carries the ``tamaraToken`` JWT in its query string and
    runserver prints every request line through ``django.server``. A project with no LOGGING
    setting (a fresh startproject) must still not print the token: the app's ready() puts the
    filter on that logger. A real ``runserver`` process, its stderr read as a terminal shows it."""
    extra_apps = [] if BUILT_IN else ["django_tasks"]  # the tasks backport on Django 5.2
    (tmp_path / "newcomer_settings.py").write_text(f"EXTRA_APPS = {extra_apps!r}\n" + FRESH_SETTINGS)
    (tmp_path / "newcomer_urls.py").write_text(FRESH_URLS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TAMARA_"))}
    env["DJANGO_SETTINGS_MODULE"] = "newcomer_settings"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    token = make_notification_token("newcomer-notification-token-0123456789abcdef")
    assert token.count(".") == 2  # header.claims.signature, as Tamara sends it
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    stderr_path = tmp_path / "runserver.stderr"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:

            def serving() -> bool:
                if process.poll() is not None:
                    raise AssertionError(f"runserver exited with {process.returncode}: {stderr_path.read_text()}")
                requests.get(f"{base}/admin/login/", timeout=2)
                return True

            wait_until(serving, timeout=60, what="runserver answering")
            session = requests.Session()
            session.trust_env = False
            response = session.get(f"{base}/tamara/webhooks/", params={"tamaraToken": token}, timeout=10)
            assert response.status_code in (200, 400, 401, 403, 405)  # any answer: the line is logged

            def logged() -> bool:
                return "/tamara/webhooks/?tamaraToken=" in stderr_path.read_text()

            wait_until(logged, timeout=15, what="the request line in runserver's stderr")
        finally:
            stop_process(process)
    output = stderr_path.read_text()
    assert token not in output, output
    assert token.split(".")[2] not in output  # not even the signature
    assert re.search(r'"GET /tamara/webhooks/\?tamaraToken=\*\*\* HTTP/1\.1" \d{3}', output), output


# The widget's script --------------------------------------------------------------------------


def _render_widget() -> str:
    return engines["django"].from_string("{% load tamara %}{% tamara_widget 100 %}").render({})


def _script_src(html: str) -> str:
    (src,) = re.findall(r'<script src="([^"]+)" defer></script>', html)
    return src


def _tamara_without_widget_url(settings: Any, **changes: Any) -> None:
    """``settings.TAMARA`` as a shop writes it that never set WIDGET_URL (the sandbox does)."""
    tamara = {key: value for key, value in settings.TAMARA.items() if key != "WIDGET_URL"}
    settings.TAMARA = {**tamara, **changes}  # setting_changed reloads tamara_settings


@pytest.mark.parametrize(
    "api_url, script",
    [
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001/widget-v2/tamara-widget.js"),
        ("http://localhost:9000/", "http://localhost:9000/widget-v2/tamara-widget.js"),
        ("http://[::1]:8001", "http://[::1]:8001/widget-v2/tamara-widget.js"),
        ("https://api-sandbox.tamara.co", DEFAULTS["WIDGET_URL"]),
        ("https://api.tamara.co", DEFAULTS["WIDGET_URL"]),
    ],
)
def test_the_widget_script_follows_a_local_simulator_unless_the_shop_set_one(settings, api_url, script):
    """#15: a shop pointed at the local simulator, without WIDGET_URL of its own, loads the
    simulator's stand-in of the widget, not Tamara's CDN; any other API_URL keeps the CDN."""
    _tamara_without_widget_url(settings, API_URL=api_url)
    assert _script_src(_render_widget()) == script


@pytest.mark.parametrize("api_url", ["http://127.0.0.1:8001", "https://api-sandbox.tamara.co"])
def test_a_widget_url_the_shop_set_wins(settings, api_url):
    """#15: WIDGET_URL set by the shop is used as given, local simulator or not."""
    _tamara_without_widget_url(settings, API_URL=api_url, WIDGET_URL="https://cdn.example/own-widget.js")
    assert _script_src(_render_widget()) == "https://cdn.example/own-widget.js"


def test_the_simulator_serves_the_script_the_tag_points_at(settings, tamara_simulator):
    """#15: the URL the tag writes for a local simulator is one the simulator answers."""
    _tamara_without_widget_url(settings)  # tamara_simulator set API_URL to its own URL
    src = _script_src(_render_widget())
    assert src == f"{tamara_simulator.url}/widget-v2/tamara-widget.js"
    response = requests.get(src, timeout=10)
    assert response.status_code == 200 and "javascript" in response.headers["Content-Type"]


# tamara_sync --order against a simulator that forgot the order -----------------------------------

UNKNOWN_ORDER = "00000000-0000-4000-8000-000000000000"


@pytest.mark.django_db(transaction=True)
def test_sync_of_an_order_the_restarted_simulator_forgot_names_the_restart(tamara_simulator):
    """#15: the shop's database has the order, the simulator was restarted (its orders live in
    memory): the command says so instead of a bare 404 that reads like a wrong id."""
    session = get_client().create_checkout_session(checkout_payload(("100.00",)))
    call_command("tamara_sync", "--order", session.order_id, stdout=io.StringIO())  # the shop's mirror
    assert TamaraOrder.objects.filter(order_id=session.order_id).exists()
    control = requests.Session()
    control.trust_env = False
    assert control.post(f"{tamara_simulator.url}/simulator/reset", timeout=10).ok  # what a restart forgets
    with pytest.raises(CommandError) as raised:
        call_command("tamara_sync", "--order", session.order_id, stdout=io.StringIO())
    message = str(raised.value)
    assert f"could not sync order {session.order_id}" in message
    assert "forgets" in message and "restart" in message and tamara_simulator.url in message
    assert "this order exists only in the shop's database now" in message


@pytest.mark.django_db(transaction=True)
def test_sync_of_an_order_unknown_to_a_local_simulator_names_the_restart(tamara_simulator):
    """#15: an id the shop does not know either: a local simulator may still have forgotten it
    (an order placed before its last start), and the message says so."""
    with pytest.raises(CommandError) as raised:
        call_command("tamara_sync", "--order", UNKNOWN_ORDER, stdout=io.StringIO())
    message = str(raised.value)
    assert f"could not sync order {UNKNOWN_ORDER}" in message
    assert "forgets" in message and "placed before it last started" in message


@pytest.fixture
def simulator_by_hostname(settings):
    """A simulator reached by the machine's host name, not a loopback name or address: what
    API_URL looks like for a Tamara that is not on this machine."""
    name = socket.gethostname()
    address = socket.gethostbyname(name)
    assert name not in {"localhost", "127.0.0.1", "::1"}, name
    simulator = Simulator(host=address)
    simulator.start()
    try:
        settings.TAMARA = {
            **settings.TAMARA,
            "API_URL": f"http://{name}:{simulator.port}",
            "API_TOKEN": simulator.api_token,
            "NOTIFICATION_TOKEN": simulator.notification_token,
        }
        yield simulator
    finally:
        simulator.stop()


@pytest.mark.django_db(transaction=True)
def test_sync_against_an_api_url_that_is_not_local_adds_no_simulator_text(simulator_by_hostname):
    """#15: the simulator's restart is named only when API_URL is this machine's: against any
    other host a 404 is the plain error (a real Tamara does not forget orders)."""
    with pytest.raises(CommandError) as raised:
        call_command("tamara_sync", "--order", UNKNOWN_ORDER, stdout=io.StringIO())
    message = str(raised.value)
    assert f"could not sync order {UNKNOWN_ORDER}" in message  # Tamara was asked, and said 404
    assert "forgets" not in message and "simulator" not in message.lower()


@pytest.mark.django_db
def test_the_cause_is_empty_for_tamaras_own_hosts(settings):
    """#15: for Tamara's sandbox and production, nothing is added to the 404."""
    for api_url in ("https://api-sandbox.tamara.co", "https://api.tamara.co"):
        settings.TAMARA = {**settings.TAMARA, "API_URL": api_url}
        assert _local_simulator_cause(UNKNOWN_ORDER) == ""
    settings.TAMARA = {**settings.TAMARA, "API_URL": "http://127.0.0.1:8001"}
    assert "forgets" in _local_simulator_cause(UNKNOWN_ORDER)
    assert _local_simulator_cause("not-a-uuid") == ""  # a malformed id: the 404 says enough


# The checks' hints ----------------------------------------------------------------------------


def _headings(markdown: str) -> set[str]:
    """Each heading's text as MkDocs' table of contents makes its anchor: inline code marks
    dropped, lower case (``### `API_TOKEN` `` is ``#api_token``). Code blocks are skipped."""
    found, fenced = set(), False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"#{1,6}\s+(.+?)\s*#*\s*$", line)):
            found.add(match.group(1).replace("`", "").strip().lower())
    return found


def test_the_missing_token_hints_point_at_headings_of_the_settings_reference(settings):
    """#15: E001 and E002 tell a newcomer where the setting is documented by a path of the
    repository and the anchor of its heading, and both exist."""
    settings.TAMARA = {k: v for k, v in settings.TAMARA.items() if k not in ("API_TOKEN", "NOTIFICATION_TOKEN")}
    hints = {error.id: error.hint for error in check_tamara_settings()}
    expected = {
        "django_tamara.E001": "docs/settings.md#api_token",
        "django_tamara.E002": "docs/settings.md#notification_token",
    }
    for check_id, reference in expected.items():
        assert reference in hints[check_id], hints[check_id]
        path, anchor = reference.split("#")
        document = ROOT / path
        assert document.is_file(), document
        assert anchor in _headings(document.read_text(encoding="utf-8")), f"no heading for #{anchor} in {path}"


# Item amounts at their currency's decimals ------------------------------------------------------


@pytest.mark.parametrize(
    "currency, item, shown",
    [
        ("SAR", "450.0", "450.00 SAR"),
        ("AED", "7", "7.00 AED"),
        ("KWD", "12.5", "12.500 KWD"),
        ("BHD", "3", "3.000 BHD"),
    ],
)
def test_hosted_checkout_items_show_the_currencys_decimals(tamara_simulator, http, currency, item, shown):
    """#15: the payload keeps the JSON number the shop sent (450.0); the hosted page shows the
    item as the totals are shown, at the currency's decimals (3 for the dinars)."""
    payload = checkout_payload((item,), currency=currency)
    assert payload["items"][0]["total_amount"]["amount"] == float(item)  # a JSON number, as sent
    answer = http.post(f"{tamara_simulator.url}/checkout", json=payload, timeout=10)
    assert answer.status_code == 200, answer.text
    html = requests.get(answer.json()["checkout_url"], timeout=10).text
    amounts = re.findall(r'<tr class="item">.*?<td class="num amount">([^<]*)</td></tr>', html)
    assert amounts == [shown], html


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("currency, item, shown", [("SAR", "450.0", "450.00 SAR"), ("KWD", "12.5", "12.500 KWD")])
def test_admin_order_page_shows_item_amounts_like_the_totals(tamara_simulator, currency, item, shown):
    """#15: on the admin's order page the items' amounts read like the totals beside them
    (``450.00 SAR``, ``12.500 KWD``), not as the JSON numbers Tamara sent (``450.0``)."""
    session = get_client().create_checkout_session(checkout_payload((item,), currency=currency))
    order, _ = lifecycle.sync_by_id(session.order_id)  # the shop's mirror, from Tamara's answer
    admin = get_user_model().objects.create_superuser(f"root-{uuid.uuid4().hex[:8]}", "root@example.com", "pw")
    client = Client()
    client.force_login(admin)
    response = client.get(reverse("admin:django_tamara_tamaraorder_change", args=[order.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # The items row of the order page (Django's admin names each row after its field).
    (items,) = re.findall(r'field-items_display.*?<pre class="tamara-json" dir="ltr">(.*?)</pre>', html, re.S)
    assert "SKU-1" in items
    assert f"&quot;total_amount&quot;: &quot;{shown}&quot;" in items, items
    assert "&quot;amount&quot;:" not in items, items  # no bare JSON number left
