"""A process remembers the ``tamaraToken`` values it verified, only as long as a fresh check
would accept them (#17).

Tamara's notifications of one second carry the same token, so a flash sale's deliveries are
checked once a second instead of once each; these tests hold the memory to the rules of the
first check.
"""

from __future__ import annotations

import time

import pytest

from django_tamara.testing import make_notification_token
from django_tamara.webhooks import tokens
from django_tamara.webhooks.tokens import InvalidToken, verify_token

KEY = "notification-key-" + "k" * 16


@pytest.fixture(autouse=True)
def forget():
    tokens._verified.clear()
    yield
    tokens._verified.clear()


def test_a_remembered_token_is_refused_once_it_expires():
    now = int(time.time())  # whole seconds, as Tamara's token: up to a second before time.time()
    token = make_notification_token(KEY, iat=now, exp=now + 2)  # valid for 1 to 2 s from here
    assert verify_token(token, KEY, leeway=0)["exp"] == now + 2
    assert tokens._verified  # remembered
    time.sleep(max(0.0, now + 3.1 - time.time()))
    with pytest.raises(InvalidToken, match="ExpiredSignatureError"):
        verify_token(token, KEY, leeway=0)


def test_a_token_verified_with_one_key_is_not_accepted_with_another():
    token = make_notification_token(KEY)
    verify_token(token, KEY)
    with pytest.raises(InvalidToken, match="InvalidSignatureError"):
        verify_token(token, "another-key-" + "x" * 20)


def test_a_forged_token_is_never_remembered():
    forged = make_notification_token("not-the-key-" + "x" * 20)
    for _ in range(2):
        with pytest.raises(InvalidToken):
            verify_token(forged, KEY)
    assert tokens._verified == {}


def test_the_caller_gets_its_own_copy_of_the_claims():
    token = make_notification_token(KEY)
    verify_token(token, KEY)["iss"] = "changed by a caller"
    assert verify_token(token, KEY)["iss"] == "Tamara"


def test_the_memory_stays_small():
    now = int(time.time())
    for i in range(tokens.REMEMBERED_TOKENS * 3):
        verify_token(make_notification_token(KEY, iat=now, exp=now + 900 + i), KEY)
    assert len(tokens._verified) <= tokens.REMEMBERED_TOKENS
