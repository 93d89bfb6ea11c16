"""tests/run.py sends each path to the pytest process whose settings it needs."""

from __future__ import annotations

from tests.run import CONTRIB_SETTINGS, parts


def test_no_paths_run_the_app_suite_then_the_adapters() -> None:
    assert parts(["-q", "-x"]) == [["-q", "-x", "tests"], ["-q", "-x", f"--ds={CONTRIB_SETTINGS}", "tests/contrib"]]


def test_an_app_test_runs_alone_on_the_sandbox_settings() -> None:
    assert parts(["tests/test_models.py::test_x", "-k", "money"]) == [["-k", "money", "tests/test_models.py::test_x"]]


def test_an_adapter_test_runs_alone_on_the_adapters_settings() -> None:
    assert parts(["tests/contrib", "-q"]) == [["-q", f"--ds={CONTRIB_SETTINGS}", "tests/contrib"]]


def test_both_kinds_of_path_run_in_two_processes() -> None:
    assert parts(["tests/test_models.py", "tests/contrib/conftest.py"]) == [
        ["tests/test_models.py"],
        [f"--ds={CONTRIB_SETTINGS}", "tests/contrib/conftest.py"],
    ]
