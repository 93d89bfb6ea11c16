"""The webhook token never reaches a log line in clear: not the simulator's, not runserver's."""

from __future__ import annotations

import logging

import pytest

from django_tamara import lifecycle
from django_tamara.client import get_client
from django_tamara.log_filters import TamaraTokenFilter, mask_tamara_token

from .payloads import checkout_payload


def test_the_token_is_masked_wherever_it_stands_in_a_url():
    line = '"POST /tamara/webhooks/?a=1&tamaraToken=eyJhbGciOi.J9.sig&b=2 HTTP/1.1" 200 23'
    assert mask_tamara_token(line) == '"POST /tamara/webhooks/?a=1&tamaraToken=***&b=2 HTTP/1.1" 200 23'
    assert mask_tamara_token("GET /?TAMARATOKEN=x") == "GET /?TAMARATOKEN=***"
    assert mask_tamara_token("nothing to hide") == "nothing to hide"


def test_the_filter_rewrites_the_record_and_keeps_it():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, '"%s %s %s" %s', ("POST", "/w/?tamaraToken=abc", "HTTP/1.1", "200"), None
    )
    assert TamaraTokenFilter().filter(record) is True
    assert record.getMessage() == '"POST /w/?tamaraToken=*** HTTP/1.1" 200'


@pytest.mark.django_db(transaction=True)
def test_the_simulators_deliveries_log_no_token(tamara_simulator, tamara_notification_receiver, caplog):
    caplog.set_level(logging.DEBUG, logger="django_tamara.simulator")
    payload = checkout_payload(("100.00",), notification_url=tamara_notification_receiver.url)
    order, _ = lifecycle.sync_by_id(get_client().create_checkout_session(payload).order_id)
    tamara_simulator.approve(str(order.order_id))
    tamara_simulator.wait_for_notifications()
    (delivery,) = tamara_notification_receiver.requests
    token = delivery["query"]["tamaraToken"]
    assert token and "notification order_approved" in caplog.text  # the delivery was logged...
    assert token not in caplog.text  # ...without the token


def test_runserver_request_lines_are_filtered(settings):
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    assert any(isinstance(f, TamaraTokenFilter) for f in logging.getLogger("django.server").filters)
