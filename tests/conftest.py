"""Shared fixtures: one full pipeline run on the embedded snapshot, in a temporary output directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest_cbs import cbs_server  # noqa: F401  (fixture for tests against the local CBS server)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory):
    """Materialise every asset once, like `kindbelang run`, and return the output directory."""
    import dagster as dg

    from kindbelang.definitions import defs

    out = tmp_path_factory.mktemp("out")
    mp = pytest.MonkeyPatch()
    mp.setenv("KINDBELANG_OUT", str(out))
    result = defs.resolve_job_def("monitor").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    yield out, result
    mp.undo()


@pytest.fixture
def warehouse(pipeline_run):
    """A read-only connection to the run's warehouse, fresh per test: DuckDB 2.0 keeps a result open after
    fetchone(), which would otherwise leak from one test into the next."""
    out, result = pipeline_run
    assert result.success, "the pipeline run on the snapshot failed"
    con = duckdb.connect(str(out / "kindbelang.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture
def published_copy(pipeline_run, tmp_path):
    """A private copy of the published database, so a test may open it with its own configuration."""
    out, result = pipeline_run
    assert result.success
    copy = tmp_path / "kindbelang.duckdb"
    shutil.copyfile(out / "published" / "kindbelang.duckdb", copy)
    return copy


@pytest.fixture(scope="session")
def site_dir(pipeline_run) -> Path:
    """The site of the session's pipeline run (<out>/site)."""
    out, result = pipeline_run
    site = out / "site"
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    assert (site / "index.html").exists(), f"the pipeline built no site (failed steps: {failed})"
    return site
