"""The simulator stands alone (issue #13): no Django, nothing else of django_tamara.

Each check runs in a brand-new virtualenv (``python -m venv``, no system site-packages)
whose only additions are the app's package (the checkout's or an installed wheel's) and PyJWT,
linked into one folder that a ``.pth`` file puts on its path (a venv of its own with PyJWT
installed from the index would need the network), so ``import django`` cannot succeed there.
"""

from __future__ import annotations

import configparser
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import django_tamara

ROOT = Path(__file__).resolve().parent.parent
#: The package under test: the checkout's django_tamara/, or an installed wheel's (noxfile.py).
PACKAGE = Path(django_tamara.__file__).resolve().parent

#: What the simulator may need outside the standard library: PyJWT only (#13).
ALLOWED = ("jwt",)


@pytest.fixture(scope="module")
def isolated_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a fresh virtualenv holding the app's package and PyJWT, nothing else."""
    folder = tmp_path_factory.mktemp("venv-without-django")
    venv = folder / "venv"
    subprocess.run(
        [getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)],
        check=True,
        capture_output=True,
    )
    lib = folder / "only-pyjwt"
    lib.mkdir()
    for name in ALLOWED:
        module = __import__(name)
        (lib / name).symlink_to(Path(module.__file__).parent, target_is_directory=True)
    (site_packages,) = (venv / "lib").glob("python3*/site-packages")
    # The package itself by a link too: its parent may be a site-packages holding Django.
    (lib / "django_tamara").symlink_to(PACKAGE, target_is_directory=True)
    (site_packages / "django-tamara-standalone.pth").write_text(f"{lib}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DJANGO", "VIRTUAL_ENV"))}
    env["TAMARA_STANDALONE_PYTHON"] = str(venv / "bin" / "python")
    return env


def _python(*args: str, env: dict[str, str]) -> list[str]:
    """A command line for the fresh virtualenv's interpreter."""
    return [env["TAMARA_STANDALONE_PYTHON"], *args]


def test_django_cannot_be_imported_there(isolated_env: dict[str, str]) -> None:
    result = subprocess.run(
        _python("-c", "import django", env=isolated_env), env=isolated_env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode != 0 and "No module named 'django'" in result.stderr


def test_the_simulator_imports_without_django(isolated_env: dict[str, str]) -> None:
    code = (
        "import sys\n"
        "import django_tamara.simulator as sim\n"
        "from django_tamara.simulator import Simulator\n"
        "import django_tamara.simulator.__main__\n"
        "assert 'django' not in sys.modules, 'django was imported'\n"
        "others = sorted(m for m in sys.modules if m.startswith('django_tamara.') and not m.startswith('django_tamara.simulator'))\n"
        "assert not others, others\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        _python("-c", code, env=isolated_env), env=isolated_env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_python_m_serves_without_django(isolated_env: dict[str, str]) -> None:
    port = _free_port()
    process = subprocess.Popen(
        _python(
            "-m",
            "django_tamara.simulator",
            "--port",
            str(port),
            "--api-token",
            "standalone-token",
            "--sweep-interval",
            "0",
            env=isolated_env,
        ),
        env=isolated_env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                status, body = _get(f"{base}/widget-v2/tamara-widget.js")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"the simulator did not start: {process.stderr.read() if process.poll() is not None else ''}"
                    ) from None
                time.sleep(0.1)
        assert status == 200 and b"tamara-widget" in body
        assert _get(f"{base}/checkout/payment-types?country=SA")[0] == 401
        status, body = _get(f"{base}/checkout/payment-types?country=SA", token="standalone-token")
        assert status == 200 and b"PAY_BY_INSTALMENTS" in body
        assert b"standalone-token" not in body
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    assert "standalone-token" not in (process.stdout.read() if process.stdout else "")


def test_the_import_contract_covers_every_app_module() -> None:
    """A module added to the app later must be added to the forbidden list too."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    forbidden = set(config["importlinter:contract:simulator-independent"]["forbidden_modules"].split())
    package = PACKAGE
    modules = {
        f"django_tamara.{p.stem if p.suffix == '.py' else p.name}"
        for p in package.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").exists())
    }
    assert {"django", "rest_framework"} <= forbidden
    assert modules - {"django_tamara.simulator"} <= forbidden, "add the new module to [importlinter] in setup.cfg"
    assert "django_tamara.simulator" not in forbidden
