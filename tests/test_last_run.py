"""The record of the last successful run (kindbelang.last_run): a rerun with the same inputs is answered at once,
and anything that can change an output (a file, a stored table, a setting, another writer, a new or pending
release) sends the run through Dagster again. Real files in a temporary output directory; the table files are
copies of the committed snapshot."""

from __future__ import annotations

import os
import shutil

import pytest

from kindbelang import last_run, release
from kindbelang.resources import Warehouse
from kindbelang.settings import SNAPSHOT_DIR

SETTINGS = {"mode": "snapshot"}


@pytest.fixture
def out(tmp_path):
    out = tmp_path / "out"
    (out / "releases").mkdir(parents=True)
    (out / "kindbelang.duckdb").write_bytes(b"")
    first = out / "releases" / "20260101T000000000000Z-aaaaaaaa"
    for half in release.HALVES:
        (first / half).mkdir(parents=True)
    release.switch(out, first)
    return out


@pytest.fixture
def tables(tmp_path):
    copy = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT_DIR / "85099NED", copy / "85099NED")
    return copy


def test_same_inputs_are_answered_from_the_record(out, tables):
    inputs = last_run.digest(tables, SETTINGS)
    assert not last_run.unchanged(out, inputs)  # no record yet
    last_run.record(out, inputs)
    assert last_run.unchanged(out, last_run.digest(tables, SETTINGS))


def test_a_changed_table_setting_or_environment_changes_the_inputs(out, tables, monkeypatch):
    inputs = last_run.digest(tables, SETTINGS)
    assert last_run.digest(tables, {"mode": "snapshot", "snapshot_dir": "/elders"}) != inputs
    monkeypatch.setenv("KINDBELANG_SENSOR_INTERVAL", "60")
    assert last_run.digest(tables, SETTINGS) != inputs
    monkeypatch.delenv("KINDBELANG_SENSOR_INTERVAL")
    assert last_run.digest(tables, SETTINGS) == inputs
    data = tables / "85099NED" / "metadata.json"
    data.write_bytes(data.read_bytes() + b" ")
    assert last_run.digest(tables, SETTINGS) != inputs


def test_another_release_or_a_pending_one_sends_the_run_through_dagster(out, tables):
    inputs = last_run.digest(tables, SETTINGS)
    last_run.record(out, inputs)
    waiting = out / "releases" / "20270101T000000000000Z-bbbbbbbb"
    (waiting / "published").mkdir(parents=True)  # a publication whose site a killed run did not build
    assert not last_run.unchanged(out, inputs)
    (waiting / "site").mkdir()
    release.switch(out, waiting)  # published and current, but not by the recorded run
    assert not last_run.unchanged(out, inputs)


def test_any_writer_of_the_warehouse_removes_the_record(out, tables):
    last_run.record(out, last_run.digest(tables, SETTINGS))
    os.remove(out / "kindbelang.duckdb")
    with Warehouse(out_dir=str(out)).connect() as con:
        con.execute("SELECT 1")
    assert not last_run.record_path(out).exists()
    assert not last_run.unchanged(out, last_run.digest(tables, SETTINGS))
