"""django_tamara.testing: helpers a shop can use without pytest; the fixtures in its plugin."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import django_tamara.testing
import django_tamara.testing.plugin

ROOT = Path(__file__).resolve().parent.parent

#: Makes pytest (and pytest-django) unimportable, then imports the module given as argv[1].
WITHOUT_PYTEST = textwrap.dedent(
    """
    import importlib, sys

    for name in ("pytest", "_pytest", "pytest_django"):
        sys.modules[name] = None  # "import pytest" now raises ImportError
    module = importlib.import_module(sys.argv[1])
    print(sorted(module.__all__))
    """
)


def import_without_pytest(module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_PYTEST, module],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_helpers_import_without_pytest():
    result = import_without_pytest("django_tamara.testing")
    assert result.returncode == 0, result.stderr
    for name in ("make_notification_token", "NotificationReceiver", "sample_checkout_payload"):
        assert name in result.stdout


def test_the_guard_fails_for_a_module_that_needs_pytest():
    # The guard itself: the plugin imports pytest, so the same subprocess must fail for it.
    result = import_without_pytest("django_tamara.testing.plugin")
    assert result.returncode != 0
    assert "ImportError" in result.stderr or "ModuleNotFoundError" in result.stderr


def test_the_plugin_has_the_fixtures_and_the_helpers():
    plugin = django_tamara.testing.plugin
    for name in ("tamara_simulator_server", "tamara_simulator", "tamara_notification_receiver"):
        assert hasattr(plugin, name)
        assert not hasattr(django_tamara.testing, name), f"{name} is a fixture: it belongs in the plugin"
    for name in django_tamara.testing.__all__:
        assert getattr(plugin, name) is getattr(django_tamara.testing, name)


def test_the_helpers_work_without_a_test_runner():
    import jwt

    token = django_tamara.testing.make_notification_token("key", iat=1_700_000_000)
    claims = jwt.decode(token, "key", algorithms=["HS256"], options={"verify_exp": False})
    assert claims["iss"] == "Tamara" and claims["exp"] == 1_700_000_000 + 900

    import json
    import urllib.request

    with django_tamara.testing.NotificationReceiver() as receiver:
        request = urllib.request.Request(receiver.url + "/hook?x=1", data=b'{"a": 1}', method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read()) == {"success": True}
    assert receiver.bodies() == [{"a": 1}]
    assert receiver.requests[0]["path"] == "/hook" and receiver.requests[0]["query"] == {"x": "1"}


def test_the_fixtures_are_enabled_for_this_suite(request):
    # setup.cfg's addopts loads the plugin with -p django_tamara.testing.plugin.
    assert request.config.pluginmanager.has_plugin("django_tamara.testing.plugin")
    assert request.getfixturevalue("tamara_notification_receiver").url.startswith("http://127.0.0.1:")
