"""The ``tamara_simulator`` management command and the reusable pytest fixtures."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import jwt
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "sandbox_project.settings",
    "TAMARA_API_TOKEN": "cmd-api-token-0123456789abcdef0123456789",
    "TAMARA_NOTIFICATION_TOKEN": "cmd-notification-token-0123456789abcdef",
}

#: The two ways to run the simulator: through Django, and without it.
COMMANDS = {
    "manage.py": ["manage.py", "tamara_simulator"],
    "python -m": ["-m", "django_tamara.simulator"],
}


def _ignore_sigint() -> None:
    """In the child before exec: what a background job or ``trap '' INT`` hands it (#15)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _default_sigint() -> None:
    """In the child before exec: Ctrl-C at its default, whatever the test run inherited."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def _simulator_process(command: list[str], *options: str, preexec_fn=None):
    """Start ``command`` on a free port, wait until it answers, and kill it in any case."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, *command, "--port", str(port), *options],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=preexec_fn,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            if process.poll() is not None:
                raise AssertionError(f"the simulator exited with {process.returncode}: {process.stdout.read()}")
            try:
                config = requests.get(f"{url}/simulator/config", timeout=1).json()
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise AssertionError("the simulator did not start")
        yield process, url, config
    finally:
        if process.poll() is None:  # the test failed before stopping it: leave no simulator behind
            process.kill()
            process.communicate(timeout=10)


def _stop(process: subprocess.Popen, signum: int) -> str:
    process.send_signal(signum)
    output, _ = process.communicate(timeout=15)
    return output


def test_management_command_serves_until_interrupted():
    with _simulator_process(COMMANDS["manage.py"], "--auto-authorise", preexec_fn=_default_sigint) as (
        process,
        url,
        config,
    ):
        assert config["auto_authorise"] is True
        headers = {"Authorization": f"Bearer {ENV['TAMARA_API_TOKEN']}"}
        assert requests.get(f"{url}/orders/x", headers=headers, timeout=5).status_code == 404  # token accepted
        output = _stop(process, signal.SIGINT)
    assert process.returncode == 0, output
    assert url in output
    assert ENV["TAMARA_API_TOKEN"] not in output and ENV["TAMARA_NOTIFICATION_TOKEN"] not in output


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    "parent, signum",
    [
        pytest.param(_ignore_sigint, signal.SIGINT, id="SIGINT-from-a-parent-that-ignores-it"),
        pytest.param(_ignore_sigint, signal.SIGTERM, id="SIGTERM"),
    ],
)
def test_the_simulator_stops_cleanly_on_sigint_and_sigterm_whatever_it_inherited(command, parent, signum):
    with _simulator_process(COMMANDS[command], "--sweep-interval", "0.2", preexec_fn=parent) as (process, url, _):
        output = _stop(process, signum)
        assert process.returncode == 0, output  # a clean stop, not killed by the signal
        assert "Traceback" not in output, output
        with pytest.raises(requests.ConnectionError):  # and the port is closed
            requests.get(f"{url}/simulator/config", timeout=1)


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
