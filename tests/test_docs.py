"""The user guide: every setting documented with its real default, and a strict MkDocs build."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from django_tamara.conf import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_PAGE = ROOT / "docs" / "settings.md"

#: ### `KEY` followed (after blank lines) by "Default: `value`".
ENTRY = re.compile(r"^### `([A-Z0-9_]+)`\s*\n\s*\nDefault: `([^`\n]*)`", re.MULTILINE)


def documented() -> dict[str, str]:
    return dict(ENTRY.findall(SETTINGS_PAGE.read_text(encoding="utf-8")))


def literal(value: Any) -> str:
    """How the page writes a default: strings in double quotes, the rest as Python writes them."""
    return json.dumps(value) if isinstance(value, str) else repr(value)


def test_every_setting_is_in_the_settings_reference():
    missing = sorted(set(DEFAULTS) - set(documented()))
    assert not missing, f"TAMARA settings missing from docs/settings.md: {missing}"


def test_the_reference_lists_no_setting_that_does_not_exist():
    stale = sorted(set(documented()) - set(DEFAULTS))
    assert not stale, f"docs/settings.md documents settings conf.DEFAULTS does not have: {stale}"


def test_documented_defaults_are_the_codes():
    wrong = {
        key: (shown, literal(DEFAULTS[key]))
        for key, shown in documented().items()
        if key in DEFAULTS and shown != literal(DEFAULTS[key])
    }
    assert not wrong, f"defaults in docs/settings.md differ from conf.DEFAULTS (docs, code): {wrong}"


def test_the_check_fails_when_a_key_is_missing(monkeypatch):
    # The guard itself: a key added to conf.DEFAULTS and not documented is caught.
    monkeypatch.setitem(DEFAULTS, "SOME_NEW_SETTING", 1)
    with pytest.raises(AssertionError, match="SOME_NEW_SETTING"):
        test_every_setting_is_in_the_settings_reference()


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    # No --quiet: it drops the warnings that --strict counts, and the build then "passes".
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # Material's end-of-life banner
    )


def test_docs_build_in_strict_mode(tmp_path):
    result = mkdocs_build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    assert (tmp_path / "site" / "settings" / "index.html").exists()


def test_a_broken_link_fails_the_build(tmp_path):
    # The guard itself: a link to a missing page or anchor must fail, not warn quietly.
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with open(tmp_path / "docs" / "settings.md", "a", encoding="utf-8") as page:
        page.write("\nSee [the lifecycle](lifecycle.md#no-such-section) and [nothing](nowhere.md).\n")
    result = mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "nowhere.md" in output and "no-such-section" in output


#: The pages a newcomer copies from (#15): every Python block there must compile, and every
#: name of the app it imports or names by a dotted path must exist.
COPIED_PAGES = [ROOT / "docs" / "installation.md", ROOT / "docs" / "tasks.md", ROOT / "README.md"]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
APP_PATH = re.compile(r"""["'](django_tamara(?:\.\w+)+)["']""")
CHECK_ID = re.compile(r"\.[CEWI]\d{3}$")


def python_blocks(page: Path) -> list[str]:
    return PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", COPIED_PAGES, ids=lambda page: page.name)
def test_copied_python_blocks_compile_and_name_real_things(page):
    assert_blocks_name_real_things(page)


def assert_blocks_name_real_things(page: Path) -> None:
    """Every Python block of ``page`` compiles, and the app's names it uses exist (also used by
    tests/contrib/test_docs_pages.py for the adapters' pages, under their settings)."""
    import ast
    import importlib

    from django.utils.module_loading import import_string

    from django_tamara import signals

    blocks = python_blocks(page)
    assert blocks, f"{page.name} has no Python block"
    for block in blocks:
        tree = ast.parse(block)  # a SyntaxError names the line
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("django_tamara"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name), f"{page.name}: from {node.module} import {alias.name}"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "signals":
                assert hasattr(signals, node.attr), f"{page.name}: signals.{node.attr}"
        for dotted in APP_PATH.findall(block):  # a module (include("django_tamara.urls")) or a class
            if CHECK_ID.search(dotted):  # a system check's id (SILENCED_SYSTEM_CHECKS), not a path
                continue
            try:
                importlib.import_module(dotted)
            except ImportError:
                import_string(dotted)  # an ImportError names the path
