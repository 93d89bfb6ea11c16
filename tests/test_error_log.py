"""Every unhandled error reaches stderr with its traceback, with DEBUG off as well (#12).

Django's default logging prints request errors on the console only with ``DEBUG=True`` and
otherwise mails them to ``ADMINS``, so a production 500 without a mail server leaves no trace.
The sandbox's ``LOGGING`` (the example of docs/troubleshooting.md) sends them to stderr.

``logging.StreamHandler`` binds ``sys.stderr`` when the configuration is applied, so each
test applies ``settings.LOGGING`` after pytest's capture has started, and puts the logging
of the session back afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import logging.config
from typing import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class DeliberateFailure(Exception):
    pass


def explode(request: HttpRequest) -> HttpResponse:
    raise DeliberateFailure("the view failed on purpose")


def log_from_the_app(request: HttpRequest) -> HttpResponse:
    try:
        raise DeliberateFailure("caught and logged by the app")
    except DeliberateFailure:
        logging.getLogger("django_tamara.views").exception("the app logged an error")
    return HttpResponse("ok")


urlpatterns = [path("explode/", explode), path("logged/", log_from_the_app)]


@contextlib.contextmanager
def logging_from(config: dict) -> Iterator[None]:
    """Apply ``config`` now, inside the test (stderr is pytest's capture), and undo it after.

    Not a fixture: pytest swaps ``sys.stderr`` between a test's setup and its call, so a
    handler bound during setup would write to a closed capture.
    """
    manager = logging.Logger.manager

    def every_logger() -> list[logging.Logger]:
        return [
            logging.getLogger(),
            *(lg for lg in list(manager.loggerDict.values()) if isinstance(lg, logging.Logger)),
        ]

    saved = {lg: (lg.handlers[:], lg.filters[:], lg.level, lg.propagate, lg.disabled) for lg in every_logger()}
    logging.config.dictConfig(config)
    try:
        yield
    finally:
        for lg in every_logger():
            handlers, filters, level, propagate, disabled = saved.get(lg, ([], [], logging.NOTSET, True, False))
            lg.handlers[:], lg.filters[:] = handlers, filters
            lg.level, lg.propagate, lg.disabled = level, propagate, disabled


@pytest.mark.parametrize("debug", [False, True])
def test_a_500_is_logged_to_stderr_with_its_traceback(settings, capfd, debug):
    settings.DEBUG = debug
    with logging_from(settings.LOGGING):
        response = Client(raise_request_exception=False).get("/explode/")
        err = capfd.readouterr().err
    assert response.status_code == 500
    assert "ERROR django.request: Internal Server Error: /explode/" in err
    assert "Traceback (most recent call last):" in err
    assert "DeliberateFailure: the view failed on purpose" in err
    assert err.count("DeliberateFailure: the view failed on purpose") == 1  # once, even with DEBUG


def test_an_error_the_app_logs_reaches_stderr_with_its_traceback(settings, capfd):
    settings.DEBUG = False
    with logging_from(settings.LOGGING):
        assert Client().get("/logged/").status_code == 200
        err = capfd.readouterr().err
    assert "ERROR django_tamara.views: the app logged an error" in err
    assert "Traceback (most recent call last):" in err and "caught and logged by the app" in err


def test_a_refused_host_is_logged(settings, capfd):
    settings.DEBUG = False
    with logging_from(settings.LOGGING):
        assert Client(raise_request_exception=False).get("/explode/", HTTP_HOST="evil.example").status_code == 400
        err = capfd.readouterr().err
    assert "ERROR django.security.DisallowedHost: Invalid HTTP_HOST header: 'evil.example'" in err


def test_without_the_sandboxs_logging_a_500_with_debug_off_leaves_no_trace(settings, capfd):
    """The guard: Django's default configuration alone prints nothing, which is why LOGGING is needed."""
    from django.utils.log import DEFAULT_LOGGING

    settings.DEBUG = False
    with logging_from(DEFAULT_LOGGING):
        assert Client(raise_request_exception=False).get("/explode/").status_code == 500
        err = capfd.readouterr().err
    assert "DeliberateFailure" not in err
