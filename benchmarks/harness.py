"""What every benchmark needs: a PostgreSQL database, the simulator and gunicorn as real
processes, a C load generator (wrk) on loopback, and a way to print figures and ratios.

Both sides of each comparison run in the same process tree, the same database and the same
minute, so the ratio means something on any machine; the absolute figures are this
machine's only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tamara_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
API_TOKEN = "bench-api-token-0123456789abcdef0123456789"
NOTIFICATION_TOKEN = "bench-notification-token-0123456789abcdef01"


#: The pid of each server a benchmark started ("simulator", "gunicorn", "worker"), for CpuMeter.
STARTED: dict[str, int] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**extra: str) -> dict[str, str]:
    """The environment of every process of a benchmark run: PostgreSQL, persistent connections."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "benchmarks.benchsite.settings",
        "DATABASE_URL": DATABASE_URL,
        "CONN_MAX_AGE": "600",
        "DEBUG": "False",
        "TAMARA_API_TOKEN": API_TOKEN,
        "TAMARA_NOTIFICATION_TOKEN": NOTIFICATION_TOKEN,
        "TAMARA_LOG_LEVEL": "WARNING",
        "REDIS_URL": REDIS_URL,
    }
    env.update(extra)
    return env


def setup_django(**extra: str) -> None:
    """Configure this process like the servers and bring the benchmark database up to date."""
    os.environ.update(server_env(**extra))
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_database(url: str = DATABASE_URL) -> None:
    """Create the PostgreSQL database ``url`` names (the benchmark site's by default) if missing."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], ready_url: str | None = None) -> Iterator[subprocess.Popen]:
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if ready_url:
            try:
                wait_http(ready_url)
            except RuntimeError:
                log.seek(0)
                sys.stderr.write(log.read().decode(errors="replace")[-4000:])
                raise
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def simulator(**env: str) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [sys.executable, "manage.py", "tamara_simulator", "--host", "127.0.0.1", "--port", str(port)]
    with process(args, server_env(**env), ready_url=f"{url}/simulator/health") as proc:
        STARTED["simulator"] = proc.pid
        yield url


@contextlib.contextmanager
def gunicorn(workers: int = 2, threads: int = 1, **env: str) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "sandbox_project.wsgi:application",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--access-logfile",
        "/dev/null",
    ]
    with process(args, server_env(**env), ready_url=f"{url}/admin/login/") as proc:
        STARTED["gunicorn"] = proc.pid
        yield url


@contextlib.contextmanager
def gunicorn_site(
    wsgi: str, settings: str, database_url: str, workers: int = 2, threads: int = 1, *, label: str = "peer", **env: str
) -> Iterator[str]:
    """:func:`gunicorn` for another Django project (the peer site of ``end_to_end.py``): its WSGI
    application, settings and PostgreSQL database, which is created and migrated first.

    Same process shape as the benchmark site's (sync workers, persistent connections, the
    harness's tokens), so the sides differ in their code only. ``STARTED[label]`` is its pid.
    """
    ensure_database(database_url)
    site_env = server_env(DJANGO_SETTINGS_MODULE=settings, DATABASE_URL=database_url, **env)
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=site_env, check=True
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        wsgi,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--access-logfile",
        "/dev/null",
    ]
    # Any answer at all (a 404 for "/") means a worker is serving.
    with process(args, site_env, ready_url=f"{url}/") as proc:
        STARTED[label] = proc.pid
        yield url


@contextlib.contextmanager
def worker(**env: str) -> Iterator[subprocess.Popen]:
    args = [sys.executable, "manage.py", "rqworker", "default", "--job-class", "django_tasks_rq.Job"]
    with process(args, server_env(TASKS_BACKEND="rq", **env)) as proc:
        STARTED["worker"] = proc.pid
        yield proc


@dataclass
class LoadResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    errors: int

    def line(self, label: str) -> str:
        return (
            f"  {label:<34} {self.rps:8.0f} req/s   p50 {self.p50_ms:6.2f} ms   p99 {self.p99_ms:7.2f} ms   "
            f"({self.requests} requests, {self.non_2xx} non-2xx, {self.errors} socket errors)"
        )


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]  # wrk's output always has it
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, script: str, *, seconds: int = 10, connections: int = 8) -> LoadResult:
    """Drive ``url`` with wrk (one thread, a C event loop) and a Lua script; parse its report."""
    if not shutil.which("wrk"):
        raise SystemExit(
            "wrk is not installed: apt-get install wrk (a C load generator; Python cannot drive enough load)"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", f.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(f.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]  # wrk's output always has it
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]  # wrk's output always has it
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return LoadResult(rps, _ms(latency["50"]), _ms(latency["99"]), total, non_2xx, errors)


def _proc_stats() -> dict[int, tuple[int, str, float]]:
    """Every process's parent, name and CPU seconds (user + system), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = (entry / "stat").read_text()
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            stats[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick)
    return stats


class CpuMeter:
    """CPU seconds spent by named process trees (and by every process of a given name, such
    as PostgreSQL's backends) between :meth:`start` and :meth:`stop`: where a run's time went.

    ``roots`` maps a label to a pid whose descendants count with it; ``names`` maps a label to
    a process name. Counted per process: one that starts during the run counts in full, one
    that ends during it (an autovacuum worker) is left out, as /proc no longer has it.
    """

    def __init__(self, roots: dict[str, int], names: dict[str, str] | None = None) -> None:
        self.roots, self.names = roots, names or {}
        self.spent: dict[str, float] = {}

    def _sample(self) -> dict[int, tuple[str, float]]:
        """Each counted process's label and CPU seconds so far."""
        stats = _proc_stats()
        labelled: dict[int, tuple[str, float]] = {}
        for pid, (_ppid, name, cpu) in stats.items():
            label = next((lbl for lbl, wanted in self.names.items() if name == wanted), None)
            ancestor = pid
            while label is None and ancestor in stats and ancestor > 1:
                label = next((lbl for lbl, root in self.roots.items() if root == ancestor), None)
                ancestor = stats[ancestor][0]
            if label is not None:
                labelled[pid] = (label, cpu)
        return labelled

    def start(self) -> CpuMeter:
        self._before = self._sample()
        return self

    def stop(self) -> dict[str, float]:
        after = self._sample()
        self.spent = {label: 0.0 for label in [*self.roots, *self.names]}
        for pid, (label, cpu) in after.items():
            self.spent[label] += cpu - self._before.get(pid, (label, 0.0))[1]
        return self.spent

    def line(self, per: int, unit: str = "order") -> str:
        parts = [f"{label} {seconds * 1000 / per:.2f}" for label, seconds in self.spent.items()]
        return f"CPU ms per {unit}: " + ", ".join(parts) + f"; total {sum(self.spent.values()) * 1000 / per:.2f}"


def verdict(name: str, ratio: float, target: float) -> str:
    status = "MET" if ratio >= target else "MISSED"
    return f"{name}: ratio {ratio:.2f} (target >= {target:.2f}) -> {status}"


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {cpu}, Python {sys.version.split()[0]}"
