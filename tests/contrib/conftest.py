"""The adapters' tests run with ``--ds=tests.contrib.settings`` (``python -m tests.run`` does it).

Each adapter keeps its fixtures beside its test shop; they are plugins here so that both
shops' tests (and the browser fixtures of ``tests/conftest.py``) can use them.
"""

pytest_plugins = ["tests.contrib.payments_shop.fixtures", "tests.contrib.oscar_shop.fixtures"]
