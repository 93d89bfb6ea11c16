import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.checks.registry import registry
from django.core.management import call_command
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from django_tamara.checks import check_sqlite_locking, check_tamara_settings, check_urls_routed, sqlite_locking_warnings
from django_tamara.conf import DEFAULTS, tamara_settings

ROOT = Path(__file__).resolve().parent.parent

#: A shop's URLconf that forgot ``include("django_tamara.urls")`` (used as ROOT_URLCONF below).
urlpatterns = [path("shop/", lambda request: HttpResponse("the shop"), name="shop")]

COMPLETE = {
    "API_URL": "https://api.tamara.co",
    "API_TOKEN": "t",
    "NOTIFICATION_TOKEN": "n",
    "CURRENCY": "SAR",
    "COUNTRY_CODE": "SA",
}


def ids(**overrides):
    with override_settings(TAMARA={**COMPLETE, **overrides}, DEBUG=False):
        return [message.id for message in check_tamara_settings()]


def test_complete_configuration_is_clean():
    assert ids() == []


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"API_TOKEN": ""}, "django_tamara.E001"),
        ({"NOTIFICATION_TOKEN": ""}, "django_tamara.E002"),
        ({"API_URL": "api.tamara.co"}, "django_tamara.E003"),
        ({"API_URL": "http://api.tamara.co"}, "django_tamara.E004"),
        ({"CURRENCY": "USD"}, "django_tamara.E005"),
        ({"CURRENCY": "KWD"}, "django_tamara.E006"),
        ({"BUILDER_CLASS": "shop.nowhere.Builder"}, "django_tamara.E007"),
        ({"READ_TIMEOUT": 0}, "django_tamara.E008"),
        ({"WEBHOOK_QUEUE_CACHE": "nowhere"}, "django_tamara.E009"),
        ({"CLIENT_CLASS": "shop.nowhere.Client"}, "django_tamara.E010"),
        ({"CLIENT_CLASS": "django_tamara.builders.CheckoutBuilder"}, "django_tamara.E010"),
        ({"API_TOKNE": "typo"}, "django_tamara.W001"),
    ],
)
def test_each_problem_is_reported_by_its_id(overrides, expected):
    assert expected in ids(**overrides)


def test_http_url_is_fine_for_a_local_simulator_or_while_debugging():
    with override_settings(TAMARA={**COMPLETE, "API_URL": "http://10.0.0.5:8001"}, DEBUG=True):
        assert check_tamara_settings() == []
    with override_settings(TAMARA={**COMPLETE, "API_URL": "http://127.0.0.1:8001"}, DEBUG=False):
        assert check_tamara_settings() == []


def test_the_webhook_queue_needs_a_cache_every_process_shares():
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(TAMARA={**COMPLETE, "WEBHOOK_QUEUE_CACHE": "default"}, CACHES=local):
        (message,) = check_tamara_settings()
    assert message.id == "django_tamara.E009" and "WEBHOOK_QUEUE_CACHE" in message.msg
    shared = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0"}
    }
    with override_settings(TAMARA={**COMPLETE, "WEBHOOK_QUEUE_CACHE": "default"}, CACHES=shared):
        assert check_tamara_settings() == []


def test_missing_token_messages_name_the_setting_and_the_fix():
    with override_settings(TAMARA={**COMPLETE, "API_TOKEN": ""}):
        (message,) = check_tamara_settings()
    assert "API_TOKEN" in message.msg and "partner portal" in message.hint


def test_settings_object_reads_defaults_and_follows_override_settings():
    with override_settings(TAMARA={"API_URL": "https://x.example"}):
        assert tamara_settings.API_URL == "https://x.example"
        assert tamara_settings.READ_TIMEOUT == DEFAULTS["READ_TIMEOUT"]
    with override_settings(TAMARA={"API_URL": "https://y.example", "API_TOKEN": "secret-abc"}):
        assert tamara_settings.API_URL == "https://y.example"
        assert "secret-abc" not in repr(tamara_settings)
    with pytest.raises(AttributeError):
        tamara_settings.NOT_A_SETTING  # noqa: B018 - reading the attribute is what must raise


@override_settings(ROOT_URLCONF=__name__)
def test_a_urlconf_without_the_apps_urls_is_warned_about_with_the_line_to_add():
    (message,) = check_urls_routed()
    assert message.id == "django_tamara.W002" and message.is_serious() is False
    assert "tamara:webhook" in message.msg and __name__ in message.msg
    assert 'path("tamara/", include("django_tamara.urls"))' in message.hint
    assert "docs/installation.md" in message.hint
    # Registered with the app's checks (and Django's URL checks), so manage.py check reports it.
    assert "django_tamara.W002" in [m.id for m in run_checks(tags=["django_tamara"])]
    assert "django_tamara.W002" in [m.id for m in run_checks(tags=["urls"])]


def test_the_sandbox_urlconf_routes_the_app_and_is_not_warned_about():
    with override_settings(ROOT_URLCONF="sandbox_project.urls"):
        assert check_urls_routed() == []
        assert "django_tamara.W002" not in [m.id for m in run_checks(tags=["django_tamara"])]


def _manage(*args, **env):
    import os

    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_manage_py_check_is_clean_with_the_sandbox_configuration():
    result = _manage("check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_manage_py_check_reports_missing_tokens_by_id():
    result = _manage("check", TAMARA_API_TOKEN="", TAMARA_NOTIFICATION_TOKEN="")
    assert result.returncode != 0
    assert "django_tamara.E001" in result.stderr and "django_tamara.E002" in result.stderr


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


SQLITE = {"ENGINE": "django.db.backends.sqlite3", "NAME": "shop.sqlite3"}


def test_sqlite_with_deferred_transactions_is_warned_about_with_the_options_to_add():
    """A fresh startproject's SQLite: the admin's capture and Tamara's webhook write at once,
    and the second gets 'database is locked' at once (#15)."""
    messages = sqlite_locking_warnings({"default": SQLITE, "other": {**SQLITE, "OPTIONS": {"timeout": 20}}})
    assert [m.id for m in messages] == ["django_tamara.W003"] * 2
    assert "'default'" in messages[0].msg and "'other'" in messages[1].msg
    assert '"transaction_mode": "IMMEDIATE"' in messages[0].hint
    # Registered with the app's checks, on the project's DATABASES (manage.py check reports it).
    assert check_sqlite_locking in registry.get_checks() and check_sqlite_locking() == sqlite_locking_warnings(
        settings.DATABASES
    )


def test_sqlite_in_immediate_mode_and_postgresql_are_not_warned_about():
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "shop"}
    immediate = {**SQLITE, "OPTIONS": {"transaction_mode": "IMMEDIATE"}}
    assert sqlite_locking_warnings({"default": immediate, "pg": postgres}) == []
