"""Pytest fixtures for testing a shop against the Tamara simulator.

Enable them in a ``conftest.py`` or test module::

    pytest_plugins = ["django_tamara.testing.plugin"]

    def test_checkout(tamara_simulator, client):
        ...  # settings.TAMARA points at the simulator; approve with tamara_simulator.approve(id)

``tamara_simulator_server`` is one running simulator for the whole session (starting a
server per test would be slow); ``tamara_simulator`` resets it before each test and points
``settings.TAMARA`` at it through pytest-django's ``settings`` fixture, so nothing leaks
between tests. The tokens are random per session, which keeps tests honest about never
hard-coding them.

The helpers that need no pytest (``make_notification_token``, ``NotificationReceiver``,
``sample_checkout_payload``) are in ``django_tamara.testing``; they are re-exported here so
that a test module using the fixtures finds them in one place.
"""

from __future__ import annotations

import secrets
from typing import Any, Iterator

import pytest

from ..simulator import Simulator
from . import NotificationReceiver, make_notification_token, sample_checkout_payload

__all__ = [
    "make_notification_token",
    "sample_checkout_payload",
    "NotificationReceiver",
    "tamara_simulator_server",
    "tamara_simulator",
    "tamara_notification_receiver",
]


@pytest.fixture(scope="session")
def tamara_simulator_server() -> Iterator[Simulator]:
    """One simulator for the test session, on a free port of 127.0.0.1."""
    simulator = Simulator(
        api_token="test-api-" + secrets.token_hex(16),
        notification_token="test-notification-" + secrets.token_hex(16),
    )
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def tamara_simulator(tamara_simulator_server: Simulator, settings: Any) -> Iterator[Simulator]:
    """The session's simulator, reset, with ``settings.TAMARA`` pointing at it."""
    simulator = tamara_simulator_server
    simulator.reset()
    current = dict(getattr(settings, "TAMARA", None) or {})
    settings.TAMARA = {
        **current,
        "API_URL": simulator.url,
        "API_TOKEN": simulator.api_token,
        "NOTIFICATION_TOKEN": simulator.notification_token,
    }
    yield simulator
    # Let notifications still on their way land before the test's database goes away.
    simulator.wait_for_notifications(timeout=15)


@pytest.fixture
def tamara_notification_receiver() -> Iterator[NotificationReceiver]:
    """A local endpoint that records the notifications the simulator sends to it."""
    with NotificationReceiver() as receiver:
        yield receiver
