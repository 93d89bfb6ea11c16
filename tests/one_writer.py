"""The "one writer" guard of issue #14, as a pytest plugin active for the whole test run.

Issue #14 makes ``django_tamara/lifecycle/`` the only code that saves, updates or creates rows
of ``TamaraOrder``, ``Capture``, ``Refund`` and ``Cancellation``: the lifecycle takes the row
lock, applies Tamara's JSON in one place and sends the signals, so a write anywhere else would
skip all three. Reading the code cannot keep that promise over time; this plugin does, by
watching every write the suite makes (1100+ tests, so nearly every write path the app has).

How it works
    ``pytest_configure`` replaces, for the whole session, the write paths these rows go through:

    - ``django.db.models.Model.save`` (acting only for instances of the four models);
    - ``django_tamara.compiled.insert`` and ``save_fields`` (the app's INSERT and UPDATE
      built once, #17; the app calls them through their module, so the wrappers are what it
      calls);
    - ``django.db.models.QuerySet.update``, ``create``, ``get_or_create``,
      ``update_or_create``, ``bulk_create`` and ``bulk_update`` (acting only when
      ``self.model`` is one of the four). Managers and related managers (``order.captures``)
      reach these through their queryset, so they are covered too.

    The four models are recognised by their concrete model's label (``django_tamara.TamaraOrder``
    and so on), which also covers proxies and the historical models a data migration gets from
    ``apps.get_model``. Deletes are not writes for this rule.

    On each guarded write the wrapper walks the Python stack outward from itself (``f_back``)
    and skips the frames of this plugin, of Django, of third-party packages (``.venv``,
    ``site-packages``) and of the standard library. The first frame whose file is inside the
    app's package (``django_tamara.__file__``'s folder: the checkout's, or an installed wheel's
    in ``site-packages``) or this repository decides:

    - ``django_tamara/lifecycle/``: allowed, the one writer;
    - ``tests/`` and ``benchmarks/``: allowed, tests set up their rows directly;
    - anything else in the repository (any other ``django_tamara`` module, the admin, the
      webhooks, tasks, views, builders, migrations, ``sandbox_project/``): a violation.

    A frame's verdict depends only on its file, so verdicts are cached by file name: a check is
    a short loop of dictionary look-ups.

What a violation does
    The wrapper raises :class:`WriteOutsideLifecycle` (an ``AssertionError``) before the write
    happens, naming the model, the method and the offending ``file:line`` and function. Because
    app code sometimes catches broad exceptions (webhook processing catches ``Exception`` and
    marks the event failed) and writes also happen in live-server and worker threads, every
    violation is also recorded in a thread-safe list, and the function-scoped autouse fixture
    ``_one_writer_check`` fails the test at teardown if any was recorded during it. Violations
    recorded outside any test (session fixtures, session teardown) fail the run at the end.

At the end of the run the terminal summary lists each offending caller once ("file:function
(Model.method)") with the number of tests it failed: the to-do list of a move into the package.

Switches
    The guard is on by default, in CI and locally. ``ONE_WRITER_RAISE=0`` records violations
    without raising them, so a test runs on and shows every offending caller rather than the
    first; the test still fails at teardown. ``-p no:tests.one_writer`` switches the guard off,
    for measuring its cost only.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

import pytest

import django_tamara

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The package under test: the checkout's django_tamara/ (editable install) or the installed
# wheel's, in site-packages (noxfile.py's wheel session runs this suite against the wheel).
PACKAGE_DIR = os.path.dirname(os.path.abspath(django_tamara.__file__))
LIFECYCLE_DIR = os.path.join(PACKAGE_DIR, "lifecycle") + os.sep
# django_tamara/compiled.py writes for its caller (``insert``), as Django's save() does: it is
# looked through, and the caller decides.
COMPILED_FILE = os.path.join(PACKAGE_DIR, "compiled.py")
ALLOWED_DIRS = tuple(os.path.join(ROOT, name) + os.sep for name in ("tests", "benchmarks"))
THIS_FILE = os.path.abspath(__file__)

GUARDED_LABELS = frozenset(f"django_tamara.{name}" for name in ("TamaraOrder", "Capture", "Refund", "Cancellation"))
QUERYSET_METHODS = ("update", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update")
COMPILED_WRITES = ("insert", "save_fields", "update_if")
RULE = "only django_tamara/lifecycle/ may write TamaraOrder, Capture, Refund and Cancellation (issue #14)"


class WriteOutsideLifecycle(AssertionError):
    """A row of the four lifecycle models was written from outside ``django_tamara/lifecycle/``."""


# Verdicts of a frame's file.
SKIP, ALLOW, DENY = "skip", "allow", "deny"

_verdicts: dict[str, str] = {}
_guarded_models: dict[type, bool] = {}
_violations: list[tuple[str, str]] = []  # (message, caller)
_violations_lock = threading.Lock()
_open = threading.local()  # key: the call site of the violation being written (ONE_WRITER_RAISE=0)
_originals: dict[tuple[Any, str], Callable[..., Any]] = {}
# Every offending caller of the run, "file:function (Model.method)" -> tests it failed, for the summary.
_callers: Counter[str] = Counter()
# ONE_WRITER_RAISE=0 records violations without raising them, so that a test goes on and shows
# every offending caller, not only the first (for the engineer moving the writes). The test
# still fails at teardown: this does not switch the guard off.
RAISE = os.environ.get("ONE_WRITER_RAISE", "1") != "0"


def classify(filename: str) -> str:
    """The verdict for a frame running code from ``filename`` (uncached; see :func:`verdict`)."""
    if filename.startswith("<"):  # "<frozen importlib._bootstrap>", "<string>", "<console>"
        return SKIP
    path = os.path.abspath(filename)
    if path == COMPILED_FILE:
        return SKIP
    if path.startswith(PACKAGE_DIR + os.sep):  # the app, wherever it is installed
        return ALLOW if path.startswith(LIFECYCLE_DIR) else DENY
    if path == THIS_FILE or not path.startswith(ROOT + os.sep):
        return SKIP  # this plugin, the standard library, packages installed outside the checkout
    relative = path[len(ROOT) + 1 :]
    if relative.startswith(".") or f"{os.sep}site-packages{os.sep}" in path:
        return SKIP  # .venv/, .tox/ ...: Django and third-party packages installed inside it
    if path.startswith(ALLOWED_DIRS):
        return ALLOW
    return DENY


def where_is(filename: str) -> str:
    """``filename`` as a message names it: ``django_tamara/views.py`` wherever the app is installed."""
    path = os.path.abspath(filename)
    if path.startswith(PACKAGE_DIR + os.sep):
        return os.path.relpath(path, os.path.dirname(PACKAGE_DIR))
    return os.path.relpath(path, ROOT)


def verdict(filename: str) -> str:
    found = _verdicts.get(filename)
    if found is None:
        found = _verdicts[filename] = classify(filename)
    return found


def is_guarded(model: type) -> bool:
    found = _guarded_models.get(model)
    if found is None:
        meta = getattr(model, "_meta", None)
        found = meta is not None and meta.concrete_model._meta.label in GUARDED_LABELS
        _guarded_models[model] = found
    return found


def check(model: type, method: str) -> bool:
    """Record and raise a violation if the code writing ``model`` lives outside the lifecycle.

    Returns whether it recorded one without raising (``ONE_WRITER_RAISE=0``)."""
    frame = sys._getframe(2)  # the caller of the wrapper that called this
    cache = _verdicts
    while frame is not None:
        filename = frame.f_code.co_filename
        found = cache.get(filename)
        if found is None:
            found = verdict(filename)
        if found is SKIP:
            frame = frame.f_back
            continue
        if found is ALLOW:
            return False
        # get_or_create() calls create(), which calls save(): one write of the caller, not three
        # (only reached with ONE_WRITER_RAISE=0; otherwise the outermost call has raised).
        key = (id(frame), frame.f_lasti)
        if getattr(_open, "key", None) == key:
            return False
        _open.key = key
        where = where_is(frame.f_code.co_filename)
        message = (
            f"{model.__name__}.{method}() called from {where}:{frame.f_lineno} in "
            f"{frame.f_code.co_name}() [thread {threading.current_thread().name}]: {RULE}"
        )
        caller = f"{where}:{frame.f_code.co_name} ({model.__name__}.{method})"
        with _violations_lock:
            _violations.append((message, caller))
        if RAISE:
            _open.key = None
            raise WriteOutsideLifecycle(message)
        return True
    # No frame of this repository at all (e.g. a thread pool running Django only): nothing to blame.
    return False


def _run_recorded(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Make a write recorded without raising; its nested writes are the same violation."""
    try:
        return original(*args, **kwargs)
    finally:
        _open.key = None


def _take() -> list[tuple[str, str]]:
    with _violations_lock:
        taken = list(_violations)
        _violations.clear()
    return taken


def take_violations() -> list[str]:
    """Return the messages of the violations recorded so far and forget them (a test that makes
    violations on purpose calls this, so they neither fail it nor appear in the summary)."""
    return [message for message, _ in _take()]


def _report() -> list[str]:
    """Take the recorded violations, count their callers for the summary, return the messages."""
    taken = _take()
    with _violations_lock:
        _callers.update({caller for _, caller in taken})  # once per test
    return list(dict.fromkeys(message for message, _ in taken))


def _save_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(original)
    def save(self: Any, *args: Any, **kwargs: Any) -> Any:
        model = type(self)
        if is_guarded(model) and check(model, "save"):
            return _run_recorded(original, self, *args, **kwargs)
        return original(self, *args, **kwargs)

    save.one_writer_guard = True  # so a test can see the guard is installed
    return save


def _queryset_wrapper(original: Callable[..., Any], name: str) -> Callable[..., Any]:
    @wraps(original)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        model = self.model
        if is_guarded(model) and check(model, name):
            return _run_recorded(original, self, *args, **kwargs)
        return original(self, *args, **kwargs)

    method.one_writer_guard = True
    return method


def _compiled_wrapper(original: Callable[..., Any], name: str) -> Callable[..., Any]:
    @wraps(original)
    def write(instance: Any, *args: Any, **kwargs: Any) -> Any:
        model = type(instance)
        if is_guarded(model) and check(model, name):
            return _run_recorded(original, instance, *args, **kwargs)
        return original(instance, *args, **kwargs)

    write.one_writer_guard = True
    return write


def install() -> None:
    """Wrap the write paths (idempotent)."""
    from django.db.models import Model, QuerySet

    from django_tamara import compiled

    if _originals:
        return
    _originals[(Model, "save")] = Model.__dict__["save"]
    Model.save = _save_wrapper(Model.__dict__["save"])
    for name in COMPILED_WRITES:  # the app calls them through their module: compiled.insert()
        original = getattr(compiled, name)
        _originals[(compiled, name)] = original
        setattr(compiled, name, _compiled_wrapper(original, name))
    for name in QUERYSET_METHODS:
        original = QuerySet.__dict__[name]
        _originals[(QuerySet, name)] = original
        setattr(QuerySet, name, _queryset_wrapper(original, name))


def uninstall() -> None:
    for (owner, name), original in _originals.items():
        setattr(owner, name, original)
    _originals.clear()


def installed() -> bool:
    from django.db.models import Model, QuerySet

    from django_tamara import compiled

    return bool(_originals) and all(
        getattr(getattr(owner, name), "one_writer_guard", False)
        for owner, name in [
            (Model, "save"),
            *((compiled, name) for name in COMPILED_WRITES),
            *((QuerySet, name) for name in QUERYSET_METHODS),
        ]
    )


# pytest hooks and fixtures ---------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    install()


def pytest_unconfigure(config: pytest.Config) -> None:
    uninstall()


def fail_if_violations() -> None:
    """``pytest.fail`` with the violations recorded since the last call, if any (and forget them)."""
    found = _report()
    if found:
        pytest.fail(
            f"{len(found)} write(s) outside django_tamara/lifecycle/ during this test:\n"
            + "\n".join(f"  - {message}" for message in found),
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _one_writer_check() -> Iterator[None]:
    """Fail the test if a write outside ``django_tamara/lifecycle/`` happened during it, even one
    the app caught or one made in another thread (live server, worker)."""
    yield
    fail_if_violations()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Violations made outside any test (session fixtures, their teardown) fail the run."""
    left = _report()
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"{len(left)} write(s) outside django_tamara/lifecycle/ outside any test:"]
        lines += [f"  - {message}" for message in left]
        if reporter is not None:
            reporter.write_line("\n".join(lines), red=True)
        else:
            sys.stderr.write("\n".join(lines) + "\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """List each offending caller of the run once, with how many tests it failed."""
    with _violations_lock:
        callers = sorted(_callers.items())
    if callers:
        terminalreporter.section("writes outside django_tamara/lifecycle/ (issue #14, tests/one_writer.py)")
        for caller, count in callers:
            terminalreporter.write_line(f"{count:6d}  {caller}")
