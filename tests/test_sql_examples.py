"""Every query in docs/sql-voorbeelden.md runs on the real data and returns rows."""

from __future__ import annotations

import re

import pytest

from kindbelang.settings import PROJECT_ROOT
from kindbelang.sql_shell import connect_read_only, run_query

EXAMPLES = re.findall(r"```sql\n(.*?)```", (PROJECT_ROOT / "docs" / "sql-voorbeelden.md").read_text(), re.S)


def test_the_document_has_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("query", EXAMPLES, ids=[f"voorbeeld-{i + 1}" for i in range(len(EXAMPLES))])
def test_example_returns_rows(published_copy, query):
    con = connect_read_only(published_copy)
    try:
        result = run_query(con, query)
    finally:
        con.close()
    assert result.columns and result.rows
