"""gunicorn's access log, through ``django_tamara.gunicorn.Logger``: no token, no phone, no e-mail.

The last test runs a real gunicorn on the sandbox (DEBUG off, SQLite migrated in a temporary
folder) and reads the log file it writes; the others check the masking on its own.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

import django_tamara
from django_tamara.gunicorn import Logger, looks_personal, mask_atoms, mask_query, mask_text
from django_tamara.testing import make_notification_token

ROOT = Path(__file__).resolve().parent.parent
NOTIFICATION_TOKEN = "access-log-test-notification-token-0123456789"


@pytest.mark.parametrize(
    "value, personal",
    [
        ("+966500000001", True),
        (" 966500000001", True),
        ("0501234567", True),
        ("+971 50 123 4567", True),
        ("(050) 123-4567", True),
        ("mona@example.com", True),
        ("mona.lisa+shop@mail.example.sa", True),
        ("123456", False),
        ("REF-1001", False),
        ("6f1f7d2e-9a51-4c8e-9f0b-1f1f1f1f1f1f", False),
        ("mona", False),
        ("@example.com", False),
        ("", False),
    ],
)
def test_what_looks_personal(value, personal):
    assert looks_personal(value) is personal


def test_query_values_are_masked_and_the_rest_is_kept():
    assert mask_query("q=%2B966500000001&o=1") == "q=***&o=1"
    assert mask_query("q=+966500000001") == "q=***"
    assert mask_query("q=mona%40example.com&p=2") == "q=***&p=2"
    assert (
        mask_query("tamaraToken=eyJ.a.b&orderId=6f1f7d2e-9a51-4c8e-9f0b-1f1f1f1f1f1f")
        == "tamaraToken=***&orderId=6f1f7d2e-9a51-4c8e-9f0b-1f1f1f1f1f1f"
    )
    assert mask_query("TAMARATOKEN=x&flag&empty=") == "TAMARATOKEN=***&flag&empty="
    assert mask_text("GET /admin/x/?q=+966500000001 HTTP/1.1") == "GET /admin/x/?q=*** HTTP/1.1"
    assert (
        mask_text("Error handling request /tamara/webhooks/?tamaraToken=eyJ.a.b")
        == "Error handling request /tamara/webhooks/?tamaraToken=***"
    )
    assert mask_text("no query here") == "no query here"


def test_every_atom_that_carries_the_url_or_a_secret_is_masked():
    token = make_notification_token(NOTIFICATION_TOKEN)
    atoms = mask_atoms(
        {
            "r": f"POST /tamara/webhooks/?tamaraToken={token} HTTP/1.1",
            "q": f"tamaraToken={token}",
            "U": "/tamara/webhooks/",
            "f": "https://shop.example/admin/?q=mona%40example.com",
            "{raw_uri}e": f"/tamara/webhooks/?tamaraToken={token}",
            "{query_string}e": "q=%2B966500000001",
            "{authorization}i": f"Bearer {token}",
            "{http_authorization}e": f"Bearer {token}",
            "{cookie}i": "sessionid=abc",
            "{x-original-url}i": f"/tamara/webhooks/?tamaraToken={token}",
            "s": "200",
            "B": None,
        }
    )
    assert token not in repr(atoms)
    assert "966500000001" not in repr(atoms) and "mona" not in repr(atoms) and "abc" not in repr(atoms)
    assert atoms["r"] == "POST /tamara/webhooks/?tamaraToken=*** HTTP/1.1"
    assert atoms["U"] == "/tamara/webhooks/" and atoms["s"] == "200" and atoms["B"] is None


def test_the_logger_class_masks_the_access_line_it_formats():
    from gunicorn.config import Config

    cfg = Config()
    cfg.set("accesslog", "-")
    logger = Logger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/admin/?q=%2B966500000001",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/admin/",
        "QUERY_STRING": "q=%2B966500000001",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="302 Found", headers=[], sent=0)
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, dt.timedelta(milliseconds=3))
    assert atoms["r"] == "GET /admin/?q=*** HTTP/1.1" and atoms["q"] == "q=***"
    assert "966500000001" not in repr(atoms)


def test_nothing_in_the_app_imports_the_gunicorn_module():
    # gunicorn is only in the "sandbox" extra: the app must import without it.
    import ast

    offenders = []
    for path in Path(django_tamara.__file__).parent.rglob("*.py"):  # the installed package too (#15)
        if path.name == "gunicorn.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [f"{node.module or ''}:{alias.name}" for alias in node.names]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any("gunicorn" in name for name in names):
                offenders.append(str(path.relative_to(Path(django_tamara.__file__).parent.parent)))
    assert offenders == []


# A real gunicorn -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}:\n{process.stdout.read()}")
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or its first request
            time.sleep(0.1)  # still loading Django on a busy machine
    raise AssertionError("gunicorn did not start")


@pytest.fixture
def gunicorn(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "False",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite3'}",
        "TASKS_BACKEND": "immediate",
        "TAMARA_API_URL": f"http://127.0.0.1:{free_port()}",  # no Tamara: nothing here needs one
        "TAMARA_NOTIFICATION_TOKEN": NOTIFICATION_TOKEN,
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    port = free_port()
    access_log = tmp_path / "access.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "sandbox_project.wsgi:application",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(access_log),
            "--logger-class",
            "django_tamara.gunicorn.Logger",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url + "/tamara/success/", process)
        yield SimpleNamespace(url=url, access_log=access_log, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_real_gunicorn_logs_the_requests_without_token_phone_or_email(gunicorn):
    token = make_notification_token(NOTIFICATION_TOKEN)
    assert token.count(".") == 2 and len(token) > 100  # a real signed JWT, as Tamara sends it
    order_id = str(uuid.uuid4())
    delivery = requests.post(
        f"{gunicorn.url}/tamara/webhooks/?tamaraToken={token}",
        timeout=10,
        json={"order_id": order_id, "event_type": "order_approved", "data": {}},
    )
    assert delivery.status_code == 404  # authentic, for an order this shop does not have
    admin = "/admin/django_tamara/tamaraorder/"
    for query in ("?q=+966500000001", "?q=%2B966500000002", "?q=mona%40example.com"):
        assert requests.get(gunicorn.url + admin + query, timeout=10, allow_redirects=False).status_code == 302
    requests.get(f"{gunicorn.url}/tamara/success/?orderId={order_id}", timeout=10, allow_redirects=False)

    gunicorn.process.terminate()  # a graceful stop: every line is written
    gunicorn.process.wait(timeout=20)
    log = gunicorn.access_log.read_text()
    lines = log.splitlines()
    assert any('"POST /tamara/webhooks/?tamaraToken=*** HTTP/1.1" 404' in line for line in lines), log
    assert sum(f'"GET {admin}?q=*** HTTP/1.1" 302' in line for line in lines) == 3, log
    assert f"/tamara/success/?orderId={order_id}" in log  # ids that are not personal are kept
    for secret in (token, token.split(".")[1], token.split(".")[2], "966500000001", "966500000002", "mona", "%40"):
        assert secret not in log, secret
