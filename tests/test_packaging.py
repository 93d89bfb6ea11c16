"""The package a shop installs holds everything the app needs besides its Python modules.

The suite runs against the checkout (``bash scripts/test.sh``) and against the built wheel
installed in a fresh virtualenv (``nox -s wheel``, which also compares the wheel's file list with
the checkout's): there these tests prove that the templates, static files, the compiled
catalogue, the migrations and ``py.typed`` made it into the wheel.
"""

from __future__ import annotations

import configparser
import gettext
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.utils import translation

import django_tamara

PACKAGE = Path(django_tamara.__file__).resolve().parent
ROOT = Path(__file__).resolve().parent.parent


def test_the_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").is_file()


def test_the_templates_load_from_the_package() -> None:
    templates = sorted((PACKAGE / "templates").rglob("*.html"))
    assert templates, f"no templates in {PACKAGE / 'templates'}"
    for path in templates:
        name = path.relative_to(PACKAGE / "templates").as_posix()
        assert Path(get_template(name).origin.name).resolve() == path.resolve(), name


def test_the_static_files_are_found_in_the_package() -> None:
    files = sorted(p for p in (PACKAGE / "static").rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"admin.css", "action_form.js"}
    for path in files:
        name = path.relative_to(PACKAGE / "static").as_posix()
        assert Path(finders.find(name)).resolve() == path.resolve(), name


def test_the_arabic_catalogue_is_compiled_and_used() -> None:
    mo = PACKAGE / "locale" / "ar" / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert len(catalogue._catalog) > 10  # type: ignore[attr-defined]
    message = next(key for key in catalogue._catalog if key and isinstance(key, str))  # type: ignore[attr-defined]
    with translation.override("ar"):
        assert translation.gettext(message) == catalogue.gettext(message)


def test_every_migration_is_in_the_package() -> None:
    migrations = {p.name for p in (PACKAGE / "migrations").glob("0*.py")}
    assert "0001_initial.py" in migrations
    numbers = sorted(int(name[:4]) for name in migrations)
    assert numbers == list(range(1, len(numbers) + 1)), f"a migration is missing: {sorted(migrations)}"


def test_the_metadata_states_the_supported_matrix() -> None:
    """Classifiers, python_requires and the Django range say what noxfile.py tests."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    classifiers = set(config["metadata"]["classifiers"].split("\n"))
    for django in ("5.2", "6.0", "6.1"):
        assert f"Framework :: Django :: {django}" in classifiers
    for python in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {python}" in classifiers
    assert config["options"]["python_requires"].strip() == ">=3.11"
    assert "Django>=5.2,<6.2" in config["options"]["install_requires"].split("\n")
