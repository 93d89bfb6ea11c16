"""The ``tamara_simulator`` management command and the reusable pytest fixtures."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import jwt
import requests

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_management_command_serves_until_interrupted():
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sandbox_project.settings",
        "TAMARA_API_TOKEN": "cmd-api-token-0123456789abcdef0123456789",
        "TAMARA_NOTIFICATION_TOKEN": "cmd-notification-token-0123456789abcdef",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "tamara_simulator", "--port", str(port), "--auto-authorise"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                config = requests.get(f"{url}/simulator/config", timeout=1).json()
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise AssertionError("the simulator did not start")
        assert config["auto_authorise"] is True
        headers = {"Authorization": f"Bearer {env['TAMARA_API_TOKEN']}"}
        assert requests.get(f"{url}/orders/x", headers=headers, timeout=5).status_code == 404  # token accepted
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert f"http://127.0.0.1:{port}" in output
    assert env["TAMARA_API_TOKEN"] not in output and env["TAMARA_NOTIFICATION_TOKEN"] not in output


def test_fixture_points_settings_at_the_simulator(tamara_simulator):
    from django.conf import settings

    from django_tamara.conf import tamara_settings

    assert settings.TAMARA["API_URL"] == tamara_simulator.url
    assert tamara_settings.API_TOKEN == tamara_simulator.api_token
    assert tamara_settings.NOTIFICATION_TOKEN == tamara_simulator.notification_token
    assert "COUNTRY_CODE" in settings.TAMARA  # the rest of the settings are kept


def test_fixture_resets_between_tests_part_one(tamara_simulator):
    tamara_simulator.advance_clock(seconds=3600)
    tamara_simulator.set_auto_authorise(True)


def test_fixture_resets_between_tests_part_two(tamara_simulator):
    assert tamara_simulator.clock.offset.total_seconds() == 0
    assert tamara_simulator.config()["auto_authorise"] is False
    assert tamara_simulator.journal() == []


def test_make_notification_token():
    from django_tamara.testing import make_notification_token

    key = "a-notification-token-of-at-least-32-bytes"
    claims = jwt.decode(make_notification_token(key), key, algorithms=["HS256"])
    assert claims["iss"] == "Tamara" and claims["exp"] - claims["iat"] == 900
    old = make_notification_token(key, iat=1_000, exp=2_000, order_id="o-1")
    claims = jwt.decode(old, key, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"iat": 1000, "exp": 2000, "iss": "Tamara", "order_id": "o-1"}
    try:
        jwt.decode(old, key, algorithms=["HS256"])
    except jwt.ExpiredSignatureError:
        pass
    else:
        raise AssertionError("an expired token must not verify")
