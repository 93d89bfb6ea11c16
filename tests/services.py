"""Test-owned services and processes: a private Redis, a private PostgreSQL, and a shop stack.

The fault tests (issue #12, "Money moves once, whatever fails") kill Redis and PostgreSQL in
the middle of a burst, so they never touch the machine's own servers: each test gets a
server of its own on a free port, in a temporary folder, torn down when the test ends
(failed or not).

- :class:`PrivateRedis`: ``redis-server`` without persistence (``--save "" --appendonly no``),
  like a cache or queue that loses everything when it dies;
- :class:`PrivatePostgres`: a cluster made with ``initdb``, run by ``pg_ctl`` as the
  ``postgres`` user (``initdb`` refuses root); ``kill()`` is ``pg_ctl stop -m immediate``,
  an abrupt stop with crash recovery at the next start;
- :class:`PrivateRabbitVhost`: a RabbitMQ virtual host of the test's own on the machine's
  broker (issue #15), so parallel runs never share a Celery queue;
- :class:`SupervisedWorker`: the task worker under ``supervisord``: RQ with the very config
  that docs/scale.md shows (``sandbox_project/supervisord.conf``), or Celery
  (``sandbox_project/supervisord-celery.conf``, docs/tasks.md);
- :class:`Scheduler`: ``manage.py tamara_sync --stuck --retry-events`` every N seconds, as
  cron runs it in production ("Scheduled jobs" in docs/scale.md);
- :func:`shop_stack`: gunicorn web processes, the supervised worker and the scheduler.

Fixtures ``private_redis`` and ``private_postgres`` are registered for the suite by
``tests/conftest.py``; ``private_rabbitmq`` is imported by the Celery tests that use it.
:func:`engine_cell` skips a test of an engine the installed Django cannot run: a version cell
of the matrix (docs/tasks.md), never a missing service.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUPERVISORD_CONF = ROOT / "sandbox_project" / "supervisord.conf"
CELERY_SUPERVISORD_CONF = ROOT / "sandbox_project" / "supervisord-celery.conf"
REDIS_SERVER = "/usr/bin/redis-server"
PG_BIN = Path(shutil.which("pg_ctl") or "/usr/local/bin/pg_ctl").parent
WORKER_PROGRAM = "rqworker:rqworker-0"  # [program:rqworker] with numprocs=1 in the config
#: Each engine's supervisord config and its one worker process (numprocs=1).
WORKERS: dict[str, tuple[Path, str]] = {
    "rq": (SUPERVISORD_CONF, WORKER_PROGRAM),
    "celery": (CELERY_SUPERVISORD_CONF, "celeryworker:celeryworker-0"),
}
#: The machine's RabbitMQ; a test's virtual host replaces its path.
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def engine_cell(engine: str) -> None:
    """Skip when the installed Django cannot run ``engine``: RQ (django-tasks-rq) is a backend
    of the django-tasks backport (Django 5.2), Celery (django-tasks-celery) one of django.tasks
    (Django 6). CI runs each cell; docs/tasks.md has the matrix."""
    import django

    from django_tamara.background import BUILT_IN

    if engine == "rq" and BUILT_IN:
        pytest.skip(f"RQ (django-tasks-rq) runs on Django 5.2 only, not on Django {django.get_version()}")
    if engine == "celery" and not BUILT_IN:
        pytest.skip(f"Celery (django-tasks-celery) runs on Django 6 only, not on Django {django.get_version()}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout: float, interval: float = 0.1, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except AssertionError:  # "never": no point waiting longer
            raise
        except Exception:  # "not yet" (a refused connection, a missing file)
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout:.0f} s")
        time.sleep(interval)


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc), children first."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a process still running: not gone, and not a zombie (dead, and only
    waiting for a parent, or for init after its parent exited, to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def none_running(pids: Sequence[int], timeout: float = 10.0) -> bool:
    """Wait until none of ``pids`` runs (a SIGKILL takes effect a moment after it is sent)."""
    deadline = time.monotonic() + timeout
    while any(running(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def kill_pids(pids: Sequence[int], sig: int = signal.SIGKILL) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL (with whatever it left behind) if it is still there."""
    if process.poll() is not None:
        return
    leftovers = descendants(process.pid)
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_pids([process.pid, *leftovers])
        process.wait(timeout=10)
    kill_pids([pid for pid in leftovers if Path(f"/proc/{pid}").exists()])


# Redis ----------------------------------------------------------------------------------------


class PrivateRedis:
    """A ``redis-server`` of the test's own; ``kill()`` then ``start()`` keeps its port."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or tempfile.mkdtemp(prefix="tamara-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = self.directory / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def ping(self) -> bool:
        with contextlib.closing(self.client()) as client:
            return bool(client.ping())

    def start(self) -> PrivateRedis:
        assert self.process is None or self.process.poll() is not None, "already running"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    REDIS_SERVER,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.directory),
                    "--daemonize",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            wait_until(self.ping, timeout=15, what=f"redis on port {self.port}")
        except TimeoutError:
            self.stop()
            raise
        return self

    def kill(self) -> None:
        """SIGKILL: every key and queued job is gone, clients see their connections drop."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


# RabbitMQ -------------------------------------------------------------------------------------


class PrivateRabbitVhost:
    """A virtual host of the test's own on the machine's RabbitMQ, deleted (queues and all)
    by :meth:`close`: parallel runs never share a queue, and no other queue is touched.

    Made with ``rabbitmqctl`` when this user may run it; otherwise (a broker in a container)
    the test uses the broker's default vhost with a queue name of its own, and deletes only
    that queue. Either way an unreachable broker fails the test (:meth:`check`).
    """

    def __init__(self, base_url: str = RABBITMQ_URL) -> None:
        self.base = urllib.parse.urlsplit(base_url)
        self.name = f"tamara-test-{uuid.uuid4().hex[:12]}"
        #: The queue the shop's tasks go to (CELERY_TASK_DEFAULT_QUEUE): unique per test too.
        self.queue = self.name
        self.vhost: str | None = None

    @property
    def url(self) -> str:
        path = "/" + urllib.parse.quote(self.vhost, safe="") if self.vhost else self.base.path or "//"
        return urllib.parse.urlunsplit(self.base._replace(path=path))

    def _ctl(self, *args: str) -> subprocess.CompletedProcess[str] | None:
        ctl = shutil.which("rabbitmqctl")
        if ctl is None:
            return None
        try:
            return subprocess.run([ctl, *args], capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None

    def start(self) -> PrivateRabbitVhost:
        made = self._ctl("add_vhost", self.name)
        if made is not None and made.returncode == 0:
            self.vhost = self.name
            user = self.base.username or "guest"
            granted = self._ctl("set_permissions", "-p", self.name, user, ".*", ".*", ".*")
            if granted is None or granted.returncode:
                self.close()
                raise RuntimeError(f"rabbitmqctl set_permissions failed: {granted and granted.stderr}")
        self.check()
        return self

    def connection(self):
        import kombu

        return kombu.Connection(self.url, connect_timeout=5)

    def check(self) -> None:
        """Connect once: a broker that is not there fails the test, it is never a skip."""
        try:
            with self.connection() as conn:
                conn.ensure_connection(max_retries=1)
        except Exception as error:
            pytest.fail(f"RabbitMQ at {self.url} is not reachable ({error!r}): the Celery tests need it")

    def queue_depth(self) -> int:
        """How many messages wait in :attr:`queue` (0 when it does not exist yet)."""
        with self.connection() as conn, conn.channel() as channel:
            try:
                return channel.queue_declare(self.queue, passive=True).message_count
            except Exception:
                return 0

    def close(self) -> None:
        if self.vhost is not None:
            self._ctl("delete_vhost", self.vhost)
            self.vhost = None
            return
        with contextlib.suppress(Exception), self.connection() as conn, conn.channel() as channel:
            channel.queue_delete(self.queue)  # ours only: the broker's other queues are left alone


@pytest.fixture
def private_rabbitmq() -> Iterator[PrivateRabbitVhost]:
    """A RabbitMQ vhost (``.url``) and queue (``.queue``) of the test's own, removed afterwards."""
    with rabbitmq_vhost_if(True) as server:
        yield server


def approve_orders(shop_url: str, simulator: Any, count: int) -> list[Any]:
    """``count`` orders opened with ``shop_url``'s webhook, mirrored, then approved at the
    simulator: the burst the worker tests hand to a separate worker."""
    from django_tamara import lifecycle
    from django_tamara.client import get_client

    from .payloads import checkout_payload

    orders = []
    for _ in range(count):
        payload = checkout_payload(("80.00",), notification_url=f"{shop_url}/tamara/webhooks/")
        order, _ = lifecycle.sync_by_id(get_client().create_checkout_session(payload).order_id)
        orders.append(order)
    for order in orders:
        simulator.approve(str(order.order_id))
    return orders


@contextlib.contextmanager
def rabbitmq_vhost_if(needed: bool) -> Iterator[PrivateRabbitVhost | None]:
    """A vhost of the test's own when the engine is Celery (an unreachable RabbitMQ fails the
    test), None for RQ."""
    if not needed:
        yield None
        return
    server = PrivateRabbitVhost()
    try:
        yield server.start()
    finally:
        server.close()


@pytest.fixture(params=["drain", "per-event"])
def queue_mode(request, settings, private_redis: PrivateRedis) -> str:
    """Both ways of queueing webhook processing: one drain per burst, or one task per delivery."""
    if request.param == "drain":
        settings.CACHES = {
            **settings.CACHES,
            "tamara": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": private_redis.url},
        }
        settings.TAMARA = {**settings.TAMARA, "WEBHOOK_QUEUE_CACHE": "tamara"}
    return request.param


# PostgreSQL -----------------------------------------------------------------------------------


def _as_postgres(command: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, *command], capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL, **kwargs
    )


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (trust auth, ``fsync=off``), on a free port."""

    def __init__(self, directory: Path | None = None) -> None:
        # Not under pytest's tmp_path: its parent is mode 0700 for root, which postgres cannot enter.
        self.directory = Path(directory or tempfile.mkdtemp(prefix="tamara-pg-"))
        self.data = self.directory / "data"
        self.sockets = self.directory / "sockets"
        self.log = self.directory / "postgres.log"
        self.port = free_port()
        self.sockets.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            for path in (self.directory, self.sockets):
                shutil.chown(path, "postgres", "postgres")
        result = _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        if result.returncode:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    def url_for(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def connect(self, name: str = "postgres", **kwargs: Any):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=name, connect_timeout=5, **kwargs
        )

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args], timeout=90)

    def start(self) -> PrivatePostgres:
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        result = self._pg_ctl("-l", str(self.log), "-w", "-t", "60", "-o", options, "start")
        if result.returncode:
            raise RuntimeError(f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n{self.log_tail()}")

        def answers() -> bool:
            with self.connect() as conn:
                return conn.execute("SELECT 1").fetchone() == (1,)

        wait_until(answers, timeout=30, what=f"postgres on port {self.port}")
        return self

    def kill(self) -> None:
        """Immediate stop: every server process exits at once, no checkpoint (crash recovery next start)."""
        self._pg_ctl("-m", "immediate", "stop")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            result = self._pg_ctl("-m", "fast", "-t", "30", "stop")
            if result.returncode and (self.data / "postmaster.pid").exists():
                self.kill()

    def create_database(self, name: str) -> str:
        """Create a database and return its URL."""
        with self.connect(autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A running Redis of the test's own (``.url``, ``.kill()``, ``.start()``), removed afterwards."""
    server = PrivateRedis()
    try:
        yield server.start()
    finally:
        server.close()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running PostgreSQL cluster of the test's own (``.url``, ``.create_database(name)``,
    ``.kill()``, ``.start()``), removed afterwards."""
    server = PrivatePostgres()
    try:
        yield server.start()
    finally:
        server.close()


# The shop's processes --------------------------------------------------------------------------


def shop_env(
    *,
    database_url: str,
    redis_url: str,
    simulator: Any,
    rabbitmq: PrivateRabbitVhost | None = None,
    **extra: str,
) -> dict[str, str]:
    """The environment of the sandbox shop deployed "at scale" (docs/scale.md): on RQ, or on
    Celery when given a ``rabbitmq`` vhost (its queue; Redis keeps the drain gate and results)."""
    engine: dict[str, str] = {"TASKS_BACKEND": "rq"}
    if rabbitmq is not None:
        engine = {
            "TASKS_BACKEND": "celery",
            "CELERY_BROKER_URL": rabbitmq.url,
            "CELERY_TASK_DEFAULT_QUEUE": rabbitmq.queue,
        }
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "DEBUG": "False",
        **engine,
        "REDIS_URL": redis_url,
        "TAMARA_API_URL": simulator.url,
        "TAMARA_API_TOKEN": simulator.api_token,
        "TAMARA_NOTIFICATION_TOKEN": simulator.notification_token,
        "TAMARA_LOG_LEVEL": "WARNING",
        **extra,
    }


def manage(
    env: Mapping[str, str], *args: str, timeout: float = 300, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python manage.py ARGS`` in the project, with ``env``; fails the test on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        check=False,
    )
    if result.returncode:
        pytest.fail(
            f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        )
    return result


class SupervisedWorker:
    """``supervisord`` running the task worker of ``env["TASKS_BACKEND"]``: RQ from
    ``sandbox_project/supervisord.conf``, Celery from ``sandbox_project/supervisord-celery.conf``.

    supervisord's children inherit its environment, so the shop's settings (``DATABASE_URL``,
    ``REDIS_URL``...) are passed to it; the config's ``%(ENV_...)s`` paths point into
    ``directory``.
    """

    #: A unix socket's path holds at most 107 bytes (sun_path); supervisord's is in ``directory``.
    SOCKET_PATH_MAX = 100

    def __init__(self, env: Mapping[str, str], directory: Path) -> None:
        self.engine = env.get("TASKS_BACKEND", "rq")
        self.conf, self.program = WORKERS[self.engine]
        self.directory = Path(directory)
        if len(str(self.directory / "supervisor.sock")) > self.SOCKET_PATH_MAX:
            # A deep pytest tmp_path (nox's sessions set TMPDIR inside .nox/) would make
            # supervisord fail with "AF_UNIX path too long": use a short folder of its own.
            self.directory = Path(
                tempfile.mkdtemp(prefix="tamara-supervisor-", dir="/tmp" if os.path.isdir("/tmp") else None)
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.env = {**env, "SHOP_DIR": str(ROOT), "SHOP_PYTHON": sys.executable, "SUPERVISOR_DIR": str(self.directory)}
        self.process: subprocess.Popen | None = None
        self.killed_horses = 0

    def start(self, timeout: float = 30) -> SupervisedWorker:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.conf), "--nodaemon"],
            cwd=self.directory,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=open(self.directory / "supervisord.out", "ab"),
            stderr=subprocess.STDOUT,
        )
        self.wait_running(timeout)
        return self

    def ctl(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(self.conf), *args],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        return result.stdout.strip()

    def state(self) -> str:
        """RUNNING, STARTING, BACKOFF, EXITED, FATAL... as ``supervisorctl status`` shows it."""
        words = self.ctl("status", self.program).split()
        return words[1] if len(words) > 1 else "UNKNOWN"

    def pid(self) -> int | None:
        text = self.ctl("pid", self.program)
        return int(text) if text.isdigit() and int(text) > 0 else None

    def wait_running(self, timeout: float = 30) -> int:
        """Wait for the worker to be RUNNING (up for ``startsecs``); returns its pid."""
        assert self.process is not None
        wait_until(
            lambda: self.state() == "RUNNING",
            timeout=timeout,
            interval=0.25,
            what=f"the supervised worker RUNNING (log: {self.log_tail()})",
        )
        pid = self.pid()
        assert pid
        return pid

    def kill_worker(self) -> int:
        """SIGKILL the running worker and its work horse (not supervisord), as the OOM killer
        would; returns the killed worker's pid."""
        pid = self.pid()
        assert pid, "no worker is running"
        horses = descendants(pid)
        self.killed_horses = len(horses)  # 1 when a job was running
        kill_pids([pid, *horses])
        return pid

    def spawns(self) -> int:
        """How many times supervisord started the worker (1 + its restarts)."""
        try:
            return (self.directory / "supervisord.log").read_text(errors="replace").count("spawned: ")
        except OSError:
            return 0

    def wait_restarted(self, old_pid: int, timeout: float = 60) -> int:
        """Wait for supervisord to have started a new worker process; returns its pid."""
        found: list[int] = []

        def new_pid() -> bool:
            pid = self.pid()
            if pid and pid != old_pid and Path(f"/proc/{pid}").exists():
                found.append(pid)
                return True
            return False

        wait_until(new_pid, timeout=timeout, interval=0.1, what="a restarted worker")
        return found[-1]

    def log_tail(self, chars: int = 3000) -> str:
        logs = sorted(self.directory.glob(f"{self.program.split(':')[0]}*.log"))
        logs += [self.directory / "supervisord.log", self.directory / "supervisord.out"]  # .out: why it did not start
        text = ""
        for log in logs:
            with contextlib.suppress(OSError):
                text += f"--- {log.name}\n" + log.read_text(errors="replace")[-chars:]
        return text

    def stop(self, timeout: float = 30) -> None:
        if self.process is None:
            return
        leftovers = descendants(self.process.pid)
        stop_process(self.process, timeout=timeout)
        kill_pids([pid for pid in leftovers if Path(f"/proc/{pid}").exists()])


@dataclass
class Run:
    started: float
    seconds: float
    returncode: int | None
    output: str


class Scheduler(threading.Thread):
    """Runs ``manage.py tamara_sync --stuck --retry-events`` every ``interval`` seconds (the
    documented schedule is every minute), in the background until :meth:`stop`.

    Like cron, the first run comes one interval after the start; runs never overlap.
    """

    COMMAND = ("tamara_sync", "--stuck", "--retry-events")

    def __init__(self, env: Mapping[str, str], interval: float = 60, command: Sequence[str] = COMMAND) -> None:
        super().__init__(name="tamara-sync-scheduler", daemon=True)
        self.env = dict(env)
        self.interval = interval
        self.command = [sys.executable, "manage.py", *command]
        self.runs: list[Run] = []
        self._stopping = threading.Event()
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def run(self) -> None:
        next_run = time.monotonic() + self.interval
        while not self._stopping.wait(max(0.0, next_run - time.monotonic())):
            started = time.monotonic()
            with self._lock:
                if self._stopping.is_set():
                    return
                self._process = subprocess.Popen(
                    self.command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
                )
            record = Run(started, 0.0, None, "")
            self.runs.append(record)  # listed while it runs; seconds and returncode when it ends
            try:
                output, _ = self._process.communicate(timeout=max(self.interval * 2, 120))
            except subprocess.TimeoutExpired:
                self._process.kill()
                output, _ = self._process.communicate()
            record.seconds, record.returncode, record.output = (
                time.monotonic() - started,
                self._process.returncode,
                output[-2000:],
            )
            next_run += self.interval
            while next_run < time.monotonic():
                next_run += self.interval  # a run longer than the interval skips a beat, as a timer does

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is not None and process.poll() is None:
            stop_process(process, timeout=10)
        self.join(timeout=30)


@dataclass
class Stack:
    urls: list[str]
    webs: list[subprocess.Popen]
    worker: SupervisedWorker
    scheduler: Scheduler | None
    env: dict[str, str]
    started: float = field(default_factory=time.monotonic)


@contextlib.contextmanager
def shop_stack(
    env: Mapping[str, str],
    directory: Path,
    *,
    webs: int = 2,
    web_workers: int = 2,
    access_log: Path | None = None,
    logger_class: str | None = None,
    scheduler_interval: float | None = 60,
) -> Iterator[Stack]:
    """``webs`` gunicorn processes (``web_workers`` each), one supervised worker (RQ or Celery,
    as ``env["TASKS_BACKEND"]`` says) and, unless
    ``scheduler_interval`` is None, the reconciliation schedule; all stopped on exit."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in range(webs)]
    processes: list[subprocess.Popen] = []
    worker = SupervisedWorker(env, directory / "supervisor")
    scheduler: Scheduler | None = None
    try:
        for port in ports:
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "sandbox_project.wsgi:application",
                "--workers",
                str(web_workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ]
            if access_log is not None:
                command += ["--access-logfile", str(access_log)]
            if logger_class is not None:
                command += ["--logger-class", logger_class]
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=dict(env),
                    stdin=subprocess.DEVNULL,
                    stdout=open(directory / f"web-{port}.log", "ab"),
                    stderr=subprocess.STDOUT,
                )
            )
        worker.start()
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        import requests

        for url, process in zip(urls, processes, strict=True):

            def up(url: str = url, process: subprocess.Popen = process) -> bool:
                if process.poll() is not None:
                    raise AssertionError(
                        f"{url} exited:\n" + (directory / f"web-{url.rsplit(':', 1)[1]}.log").read_text()[-3000:]
                    )
                requests.get(f"{url}/admin/login/", timeout=2)
                return True

            wait_until(up, timeout=30, interval=0.2, what=f"{url} answering")
        if scheduler_interval is not None:
            scheduler = Scheduler(env, interval=scheduler_interval)
            scheduler.start()
        yield Stack(urls=urls, webs=processes, worker=worker, scheduler=scheduler, env=dict(env))
    finally:
        if scheduler is not None:
            scheduler.stop()
        for process in processes:
            process.terminate()
        worker.stop()
        for process in processes:
            stop_process(process, timeout=20)


def web_log_tail(directory: Path, chars: int = 2000) -> str:
    text = ""
    for log in sorted(Path(directory).glob("web-*.log")):
        text += f"--- {log.name}\n" + log.read_text(errors="replace")[-chars:]
    return text
