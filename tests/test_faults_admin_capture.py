"""PostgreSQL dies in the middle of an admin capture (#12): the attempt is not lost, money moves once.

A real sandbox shop (gunicorn) on a private PostgreSQL cluster this test starts and kills
itself; Tamara (the simulator) answers the capture after a delay, and the database is killed
while the shop waits for that answer. Tamara captures; the shop cannot write the answer.
After the database returns, the operator cannot capture again, and one scheduled
reconciliation run makes the order equal Tamara's, with the attempt in the audit log.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest
import requests

from django_tamara.client import get_client

from .payloads import checkout_payload
from .services import ROOT, free_port, manage, stop_process, wait_until

pytestmark = pytest.mark.postgres

PASSWORD = "correct horse battery staple"
DELAY = 4.0  # Tamara's answer to the capture; the database is killed 1.5 s into it


def captures_at_tamara(sim, order_id: str) -> list[Decimal]:
    data = get_client().get_order(order_id)
    return [Decimal(str(c["total_amount"]["amount"])) for c in (data.get("transactions") or {}).get("captures") or []]


def capture_calls(sim) -> int:
    return sum(
        1
        for e in sim.journal()
        if e.get("kind") == "api" and e.get("method") == "POST" and "/payments/capture" in e.get("path", "")
    )


def field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


def login(url: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{url}/admin/login/", timeout=10)
    response = session.post(
        f"{url}/admin/login/?next=/admin/",
        timeout=10,
        data={
            "username": "operator",
            "password": PASSWORD,
            "next": "/admin/",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
    )
    assert response.status_code == 200 and "/admin/login/" not in response.url, "login failed"
    return session


def capture_form(session: requests.Session, url: str) -> tuple[str, dict[str, str]]:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.status_code
    return page.text, {
        "csrfmiddlewaretoken": field(page.text, "csrfmiddlewaretoken"),
        "form_token": field(page.text, "form_token"),
        "seen": field(page.text, "seen"),
        "amount": "50",
        "shipping_company": "SMSA",
        "shipped_at": "",
    }


def test_postgres_killed_during_an_admin_capture(tamara_simulator, private_postgres, tmp_path):
    database_url = private_postgres.create_database("shop")
    env = {
        **__import__("os").environ,
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "DEBUG": "False",
        "TASKS_BACKEND": "immediate",
        "TAMARA_API_URL": tamara_simulator.url,
        "TAMARA_API_TOKEN": tamara_simulator.api_token,
        "TAMARA_NOTIFICATION_TOKEN": tamara_simulator.notification_token,
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }
    manage(env, "migrate", "--noinput")
    manage(env, "createsuperuser", "--noinput", "--username", "operator", "--email", "operator@example.com")
    session_ = get_client().create_checkout_session(checkout_payload(("100.00",)))
    tamara_simulator.approve(session_.order_id)
    manage(env, "tamara_sync", "--order", session_.order_id)  # mirrored and authorised
    with private_postgres.connect("shop") as conn:
        pk, status = conn.execute(
            "SELECT id, status FROM django_tamara_tamaraorder WHERE order_id = %s", [session_.order_id]
        ).fetchone()
    assert status == "authorised"

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "sandbox_project.wsgi:application",
            "--workers",
            "2",
            "--timeout",
            "60",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=open(tmp_path / "web.log", "ab"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(
            lambda: requests.get(f"{url}/admin/login/", timeout=2).status_code == 200, timeout=30, what="the shop"
        )
        operator = login(url)
        action = f"{url}/admin/django_tamara/tamaraorder/{pk}/capture/"
        _, data = capture_form(operator, action)

        requests.post(
            f"{tamara_simulator.url}/simulator/faults",
            timeout=5,
            json={"path": "/payments/capture", "action": "delay", "delay": DELAY, "count": 1},
        ).raise_for_status()
        answer: dict[str, object] = {}
        thread = threading.Thread(
            target=lambda: answer.update(response=operator.post(action, data=data, timeout=60, allow_redirects=False))
        )
        thread.start()
        time.sleep(1.5)
        private_postgres.kill()
        thread.join(timeout=60)
        assert "response" in answer, "the capture request never came back"
        wait_until(
            lambda: captures_at_tamara(tamara_simulator, session_.order_id) == [Decimal("50")],
            timeout=15,
            what="Tamara's capture",
        )

        private_postgres.start()
        # Meanwhile (the database back, no reconciliation yet): no second capture can be made.
        operator = login(url)
        page = operator.get(action, timeout=10).text
        assert "Tamara has not confirmed the capture of 50.00 SAR" in page and 'name="form_token"' not in page
        # A form posted anyway (another tab, a script): refused before Tamara is called.
        data.update(csrfmiddlewaretoken=field(page, "csrfmiddlewaretoken"), form_token="r" * 32, seen="100.00")
        again = operator.post(action, data=data, timeout=30, allow_redirects=False)
        assert again.status_code == 200 and "Tamara has not confirmed the capture" in again.text
        assert capture_calls(tamara_simulator) == 1

        manage(env, "tamara_sync", "--stuck", "--retry-events")  # one scheduled run
        with private_postgres.connect("shop") as conn:
            captured, status = conn.execute(
                "SELECT captured_amount, status FROM django_tamara_tamaraorder WHERE id = %s", [pk]
            ).fetchone()
            ledger = [
                row[0] for row in conn.execute("SELECT amount FROM django_tamara_capture WHERE order_id = %s", [pk])
            ]
            audit = conn.execute(
                "SELECT a.outcome, i.state FROM django_tamara_orderaction a JOIN django_tamara_intent i "
                "ON a.intent_id = i.id WHERE a.order_id = %s AND a.action = 'capture' ORDER BY a.id",
                [pk],
            ).fetchall()
        data_at_tamara = get_client().get_order(session_.order_id)
        assert captured == Decimal(str(data_at_tamara["captured_amount"]["amount"])) == Decimal("50")
        assert status == data_at_tamara["status"] == "partially_captured"
        assert ledger == captures_at_tamara(tamara_simulator, session_.order_id) == [Decimal("50")]
        assert audit == [("done", "confirmed")], audit
        assert capture_calls(tamara_simulator) == 1
    finally:
        stop_process(web, timeout=20)
