"""Run the whole suite: the app's tests, then the adapters' under their own settings.

``python -m tests.run [pytest arguments]`` is what ``bash scripts/test.sh`` and every nox
session call. The app's tests (``tests/``) run on ``sandbox_project.settings``, a shop with
neither django-payments nor django-oscar; the adapters' tests (``tests/contrib/``) need both
installed and migrated, so they run in a second pytest process with
``--ds=tests.contrib.settings`` (one process has one settings module). Paths among the
arguments choose the part: ``python -m tests.run tests/contrib/test_oscar_checkout.py`` runs
only that file, with the adapters' settings. The exit status is the worse of the two.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRIB = Path("tests") / "contrib"
CONTRIB_SETTINGS = "tests.contrib.settings"


def _is_path(argument: str) -> bool:
    return not argument.startswith("-") and (ROOT / argument.split("::")[0]).exists()


def _in_contrib(argument: str) -> bool:
    path = (ROOT / argument.split("::")[0]).resolve()
    return path == ROOT / CONTRIB or (ROOT / CONTRIB) in path.parents


def parts(argv: list[str]) -> list[list[str]]:
    """The pytest command lines to run for ``argv``, in order."""
    paths = [a for a in argv if _is_path(a)]
    options = [a for a in argv if not _is_path(a)]
    app = [a for a in paths if not _in_contrib(a)]
    contrib = [a for a in paths if _in_contrib(a)]
    if not paths:
        app, contrib = ["tests"], [str(CONTRIB)]
    commands = []
    if app:
        commands.append([*options, *app])
    if contrib:
        commands.append([*options, f"--ds={CONTRIB_SETTINGS}", *contrib])
    return commands


def main(argv: list[str]) -> int:
    worst = 0
    for arguments in parts(argv):
        print(f"\n==> python -m pytest {' '.join(arguments)}", flush=True)
        worst = max(worst, subprocess.call([sys.executable, "-m", "pytest", *arguments], cwd=ROOT))
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
