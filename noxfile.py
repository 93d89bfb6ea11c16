"""The supported matrix, one nox session per cell (https://nox.thea.codes/).

    nox -l                                         # every session
    nox -s "tests(py3.13-django6.1-postgres)"
    nox -s "tests(py3.11-django5.2-sqlite)" -- -x tests/test_models.py   # pytest arguments
    nox -s "wheel(postgres)"                       # build, twine check, the suite on the wheel

Cells: Django 5.2 LTS on Python 3.11, 3.12 and 3.13; Django 6.0 and 6.1 on Python 3.12 and 3.13,
each on SQLite and on PostgreSQL. A cell installs the task engine its Django uses: the ``rq``
extra on 5.2 (in ``test``), ``celery`` on 6.x (django-tasks-celery requires Django 6).

The interpreters are found on PATH (``python3.12``) or under pyenv (``~/.pyenv/versions/3.12.*``,
or ``$PYENV_ROOT``); a missing one fails its sessions, naming it.

PostgreSQL: ``NOX_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/django_tamara``)
names the server and the prefix of each cell's own database (``django_tamara_py313_dj61``, whose
test database pytest-django creates as ``test_django_tamara_py313_dj61``; the wheel's is
``django_tamara_wheel_py313_dj61``), so cells never share one. SQLite cells use a file of their own under the session's temporary folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent

nox.options.error_on_missing_interpreters = True  # a missing Python fails, never skips
nox.options.sessions = ["lint", "tests"]

#: (Python, Django) cells of the supported matrix.
CELLS = [
    ("3.11", "5.2"),
    ("3.12", "5.2"),
    ("3.13", "5.2"),
    ("3.12", "6.0"),
    ("3.13", "6.0"),
    ("3.12", "6.1"),
    ("3.13", "6.1"),
]
PYTHONS = sorted({python for python, _ in CELLS})
NEWEST_PYTHON = PYTHONS[-1]
NEWEST_DJANGO = "6.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/django_tamara"
#: The machine's temporary folder, read before a session's create_tmp() points TMPDIR into .nox/:
#: the suite's tmp_path holds unix sockets (supervisord's, PostgreSQL's), whose paths must stay
#: short (at most 107 bytes), so pytest runs with this one in every session.
SYSTEM_TMP = tempfile.gettempdir()
#: What no suite run needs: copied to the wheel session's suite folder, everything else of the
#: checkout is (the package above all: the suite must import the installed one).
NOT_COPIED = {"django_tamara", ".git", ".nox", ".venv", "build", "dist", "site", "artifacts", ".mypy_cache"}


def _find_pythons() -> dict[str, str]:
    """Each supported Python's interpreter: PATH first, then pyenv's versions folder."""
    found: dict[str, str] = {}
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for version in PYTHONS:
        candidates = [shutil.which(f"python{version}")]
        candidates += [str(p) for p in sorted(versions.glob(f"{version}.*/bin/python{version}"), reverse=True)]
        for candidate in filter(None, candidates):
            # A pyenv shim is on PATH even for a version the shell has not selected: ask it.
            probe = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                check=False,
            )
            if probe.returncode == 0 and probe.stdout.strip() == version:
                found[version] = candidate
                break
    return found


INTERPRETERS = _find_pythons()
# nox looks interpreters up by name ("python3.12") on PATH: put each found one's folder first.
os.environ["PATH"] = os.pathsep.join(
    [str(Path(path).parent) for path in INTERPRETERS.values()] + [os.environ.get("PATH", "")]
)
MISSING = [version for version in PYTHONS if version not in INTERPRETERS]
if MISSING:
    print(
        f"noxfile.py: Python {', '.join(MISSING)} not found on PATH nor under ~/.pyenv/versions; "
        f"its sessions fail (install it, e.g. `pyenv install {MISSING[0]}`)",
        file=sys.stderr,
    )


def _engine_extra(django: str) -> str:
    # django-tasks-rq serves the backport (Django 5.2); django-tasks-celery requires Django 6.
    return "rq" if django == "5.2" else "celery"


def _django_requirement(django: str) -> str:
    return f"Django~={django}.0"  # the newest release of that series: 6.1.0 <= x < 6.2


def _require_interpreter(session: nox.Session) -> None:
    version = session.python if isinstance(session.python, str) else None
    if version in MISSING:
        session.error(f"Python {version} is missing: not on PATH and not under ~/.pyenv/versions")


def _database_env(session: nox.Session, db: str, cell: str) -> dict[str, str]:
    if db == "sqlite":
        tmp = Path(session.create_tmp()).resolve()
        return {
            "DATABASE_URL": f"sqlite:///{tmp / f'{cell}.sqlite3'}",
            "TEST_SQLITE_NAME": str(tmp / f"test_{cell}.sqlite3"),
        }
    base = os.environ.get("NOX_DATABASE_URL", DEFAULT_DATABASE_URL).rstrip("/")
    return {"DATABASE_URL": f"{base}_{cell}"}


def _cell_name(python: str, django: str) -> str:
    return f"py{python.replace('.', '')}_dj{django.replace('.', '')}"


def _pip_install(session: nox.Session, *args: str, python: str | None = None) -> None:
    """``pip install --quiet``, without pip's notes about unreachable local mirrors of a pip.conf."""
    command = [python or "python", "-m", "pip", "install", "--quiet", *args]
    output = session.run(*command, silent=True, external=python is not None)
    lines = [line for line in str(output or "").splitlines() if not line.startswith("WARNING: Location")]
    if lines:
        print("\n".join(lines))


@nox.session
@nox.parametrize(
    "python,django,db",
    [nox.param(p, d, db, id=f"py{p}-django{d}-{db}") for p, d in CELLS for db in ("postgres", "sqlite")],
)
def tests(session: nox.Session, django: str, db: str) -> None:
    """The whole suite on one cell of the matrix (the checkout, installed editable)."""
    _require_interpreter(session)
    _pip_install(session, "--upgrade", "pip")
    _pip_install(session, "-e", f".[test,docs,{_engine_extra(django)}]", _django_requirement(django))
    session.run("python", "-m", "django", "--version")
    env = _database_env(session, db, _cell_name(str(session.python), django))
    session.run("python", "-m", "tests.run", *session.posargs, env={**env, "TMPDIR": SYSTEM_TMP})


@nox.session(python=NEWEST_PYTHON)
@nox.parametrize("db", [nox.param(db, id=db) for db in ("postgres", "sqlite")])
def wheel(session: nox.Session, db: str) -> None:
    """The suite on the built wheel (Python 3.13, Django 6.1), after python -m build and twine check.

    The wheel goes into a fresh virtualenv and the suite runs from a copy of the repository
    without django_tamara/; pass pytest arguments after ``--``."""
    _require_interpreter(session)
    django = NEWEST_DJANGO
    tmp = Path(session.create_tmp()).resolve()  # absolute: the suite runs from another folder
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    _pip_install(session, "--upgrade", "pip", "build>=1.2", "twine>=5")
    log = session.run("python", "-m", "build", "--outdir", str(dist), str(ROOT), silent=True)
    noise = [
        line
        for line in str(log).splitlines()
        if re.search(r"would be ignored|SetuptoolsDeprecationWarning|SetuptoolsWarning|^\s*WARNING", line)
    ]
    if noise:
        session.error("setuptools warned while building:\n" + "\n".join(noise))
    session.run("twine", "check", "--strict", *[str(p) for p in sorted(dist.iterdir())])
    (wheel_file,) = dist.glob("django_tamara-*.whl")
    _check_wheel_contents(session, wheel_file)

    # A fresh virtualenv, not nox's (which holds build and twine): the wheel and what it needs.
    venv = tmp / "wheel-venv"
    shutil.rmtree(venv, ignore_errors=True)
    session.run("python", "-m", "venv", str(venv))
    python = str(venv / "bin" / "python")
    _pip_install(session, "--upgrade", "pip", python=python)
    _pip_install(
        session, f"{wheel_file}[test,docs,{_engine_extra(django)}]", _django_requirement(django), python=python
    )

    # The suite from a copy of the repository without the package: pytest puts the rootdir on
    # sys.path (tests/ is a package), where a django_tamara/ would shadow the installed one.
    suite = tmp / "suite"
    shutil.rmtree(suite, ignore_errors=True)
    suite.mkdir()
    for entry in ROOT.iterdir():
        if entry.name in NOT_COPIED or entry.name.endswith((".egg-info", ".sqlite3", ".whl")):
            continue
        if entry.is_dir() and entry.name.startswith("."):  # caches: .hypothesis/, .ruff_cache/ ...
            continue
        if entry.is_dir():
            shutil.copytree(entry, suite / entry.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(entry, suite / entry.name)
    env = {
        **_database_env(session, db, "wheel_" + _cell_name(NEWEST_PYTHON, django)),
        "TAMARA_EXPECT_INSTALLED": "1",
        "TMPDIR": SYSTEM_TMP,
    }
    with session.chdir(suite):
        # From the copy, as pytest runs: the checkout's django_tamara/ would shadow the wheel.
        where = session.run(
            python, "-c", "import django_tamara; print(django_tamara.__file__)", external=True, silent=True
        )
        purelib = session.run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", external=True, silent=True
        )
        where, purelib = str(where).strip(), str(purelib).strip()
        if not Path(where).resolve().is_relative_to(Path(purelib).resolve()):
            session.error(f"django_tamara comes from {where}, not from the wheel in {purelib}")
        session.log(f"django_tamara under test: {where}")
        # The acceptance's check: the installed wheel migrates and passes `manage.py check`.
        check_env = {"DATABASE_URL": f"sqlite:///{tmp / 'wheel-check.sqlite3'}"}
        session.run(python, "manage.py", "migrate", "--noinput", "-v", "0", env=check_env, external=True)
        session.run(python, "manage.py", "check", env=check_env, external=True)
        session.run(python, "-m", "tests.run", *session.posargs, env=env, external=True)


def _check_wheel_contents(session: nox.Session, wheel_file: Path) -> None:
    """Every file of the checkout's package that git tracks or would track is in the wheel."""
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "django_tamara"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if tracked.returncode == 0 and tracked.stdout.strip():
        expected = {line for line in tracked.stdout.splitlines() if line}
    else:  # not a git checkout (an unpacked sdist): every file but bytecode
        expected = {
            p.relative_to(ROOT).as_posix()
            for p in (ROOT / "django_tamara").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
    with zipfile.ZipFile(wheel_file) as archive:
        shipped = set(archive.namelist())
    missing = sorted(name for name in expected if name not in shipped)
    if missing:
        session.error(f"{wheel_file.name} lacks {len(missing)} file(s) of django_tamara/: {missing}")
    for required in ("django_tamara/py.typed", "django_tamara/locale/ar/LC_MESSAGES/django.mo"):
        if required not in shipped:
            session.error(f"{wheel_file.name} lacks {required}")
    session.log(f"{wheel_file.name}: all {len(expected)} files of django_tamara/ are in it")


@nox.session(python=NEWEST_PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint and format), mypy with django-stubs, the import-linter contracts."""
    _require_interpreter(session)
    _pip_install(session, "-e", ".[lint,celery]", _django_requirement(NEWEST_DJANGO))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "django_tamara")
    session.run("lint-imports")


@nox.session(python=NEWEST_PYTHON)
def docs(session: nox.Session) -> None:
    """The user guide, built in strict mode (a broken link or reference fails)."""
    _require_interpreter(session)
    _pip_install(session, ".[docs]", _django_requirement(NEWEST_DJANGO))
    site = Path(session.create_tmp()) / "site"
    session.run("mkdocs", "build", "--strict", "--site-dir", str(site), env={"NO_MKDOCS_2_WARNING": "1"})
