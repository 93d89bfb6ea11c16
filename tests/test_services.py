"""The test-owned services of tests/services.py: they start, die and come back on their port."""

from __future__ import annotations

import time

import pytest
import redis


def test_private_redis_comes_back_on_the_same_port(private_redis):
    url = private_redis.url
    client = redis.Redis.from_url(url, socket_timeout=2)
    assert client.ping()
    client.set("k", "v")
    private_redis.kill()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url, socket_timeout=2, retry_on_error=[]).ping()
    private_redis.start()
    assert private_redis.url == url
    assert client.ping()  # the same client reconnects
    assert client.get("k") is None  # no persistence: a restart loses everything, as the tests want


def test_private_postgres_comes_back_on_the_same_port_with_its_data(private_postgres):
    import psycopg

    url = private_postgres.create_database("selftest")
    assert url == f"postgres://postgres@127.0.0.1:{private_postgres.port}/selftest"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (n int)")
        conn.execute("INSERT INTO t VALUES (1)")
    kept = psycopg.connect(url, autocommit=True)
    private_postgres.kill()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
    with pytest.raises(psycopg.OperationalError):
        kept.execute("SELECT 1")  # the server really went away, open connections included
    started = time.monotonic()
    private_postgres.start()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT n FROM t").fetchall() == [(1,)]  # committed rows survive the crash
    assert time.monotonic() - started < 30


def test_the_guide_shows_the_supervisord_config_the_tests_run():
    """docs/scale.md shows sandbox_project/supervisord.conf verbatim, so the two cannot drift."""
    import re

    from .services import ROOT, SUPERVISORD_CONF

    guide = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```ini\n(.*?)^```$", guide, re.MULTILINE | re.DOTALL)
    assert SUPERVISORD_CONF.read_text(encoding="utf-8") in blocks
    conf = SUPERVISORD_CONF.read_text(encoding="utf-8")
    for line in ("autorestart=true", "stopasgroup=true", "killasgroup=true"):
        assert line in conf.splitlines()
    assert any("Restart=always" in block for block in blocks)  # the systemd unit beside it
