"""The adapters' guide pages: their Python blocks compile and name what exists (#15's check).

Here rather than in tests/test_docs.py because the names they use (the provider, the views,
the Oscar loader) import django-payments and django-oscar, installed only in these settings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_docs import assert_blocks_name_real_things

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", ["payments.md", "oscar.md"])
def test_adapter_pages_python_blocks_compile_and_name_real_things(name: str) -> None:
    assert_blocks_name_real_things(DOCS / name)
