"""pytest fixture for the local CBS OData v3 server (tests/cbs_server.py).

Import it where needed: ``from conftest_cbs import cbs_server  # noqa: F401`` (tests/ is on sys.path under
pytest's default rootdir-relative import mode).
"""

from __future__ import annotations

import pytest

from cbs_server import CbsTestServer


@pytest.fixture
def cbs_server():
    """A started CbsTestServer (fresh per test: own faults, table options and request log)."""
    with CbsTestServer() as server:
        yield server
