"""kindbelang.cbs_live against a local CBS OData v3 server (tests/cbs_server.py) serving the snapshot.

Live and snapshot tables are compared after one documented normalisation (see snapshot_as_live): the live
loader types columns from DataProperties.Datatype (ID and Long -> Int64, Double -> Float64, String -> String),
while two snapshot tables carry importer artefacts: 84799NED has Int32 columns (written so by statline-bq)
and 86059NED has all-null columns of dtype Null. Both are cast losslessly to the live dtype; nothing else is
normalised (values, nulls, column order, trimmed codes must be identical).
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import replace

import cbsodata
import polars as pl
import pytest
import requests
from polars.testing import assert_frame_equal

from conftest_cbs import cbs_server  # noqa: F401  (fixture)
from kindbelang.cbs_live import (
    CbsFetchError,
    DeadlineExceeded,
    FetchPolicy,
    base_url_from_env,
    fetch_modified,
    fetch_table,
    schema_differences,
)
from kindbelang.progress import FetchProgress
from kindbelang.raw_store import RawTable, read_raw_table, write_raw_table
from cbs_server import SNAPSHOT_ROOT

FAST = FetchPolicy(connect_timeout=2, read_timeout=5, retries=3, backoff_base=0.01, backoff_max=0.05)
TABLE = "84134NED"  # 10,000 rows, three dimensions, Long and Double topics
SNAPSHOT_IDS = sorted(p.name for p in SNAPSHOT_ROOT.iterdir() if (p / "metadata.json").exists())


def snapshot_as_live(snapshot: pl.DataFrame, live: pl.DataFrame) -> pl.DataFrame:
    casts = {c: live.schema[c] for c, t in snapshot.schema.items()
             if c in live.schema and t != live.schema[c] and t in (pl.Int32, pl.Null)}
    return snapshot.cast(casts)


def assert_same_as_snapshot(table: RawTable, table_id: str) -> None:
    snap = read_raw_table(SNAPSHOT_ROOT, table_id)
    assert table.data.columns == snap.data.columns
    assert_frame_equal(table.data, snapshot_as_live(snap.data, table.data))
    order = ["dimension", "key"]
    assert_frame_equal(table.dimensions.sort(order), snap.dimensions.sort(order))
    assert table.metadata["data_properties"] == snap.metadata["data_properties"]
    assert table.metadata["coverage"] == snap.metadata["coverage"]


# --------------------------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("table_id", SNAPSHOT_IDS)
def test_round_trip_equals_snapshot(cbs_server, table_id):
    table = fetch_table(table_id.lower(), cbs_server.base_url, policy=FAST)  # ids are case-insensitive
    assert table.table_id == table_id
    assert_same_as_snapshot(table, table_id)
    snap = read_raw_table(SNAPSHOT_ROOT, table_id)
    infos = {k: v for k, v in table.metadata["table_infos"].items() if k not in ("Modified", "RecordCount")}
    assert infos == {k: v for k, v in snap.metadata["table_infos"].items() if k not in ("Modified", "RecordCount")}
    meta = table.metadata
    assert meta["source"]["mode"] == "live" and meta["source"]["base_url"] == cbs_server.base_url
    assert meta["source"]["modified"] == meta["table_infos"]["Modified"]
    assert meta["source"]["fetched_at"].endswith("Z")
    assert meta["truncation"]["truncated"] is False
    assert meta["row_filters"] == [] and meta["reconstructed"] == []


def test_wire_is_padded_and_live_is_trimmed(cbs_server):
    url = f"{cbs_server.base_url}/ODataFeed/odata/82972NED/TypedDataSet?$format=json"
    first = requests.get(url, timeout=5).json()["value"][0]
    assert list(first)[0] == "ID" and first["RegioS"] == "NL01      "
    regions = requests.get(url.replace("TypedDataSet", "RegioS"), timeout=5).json()["value"]
    assert any(r["Key"] == "GM0363    " for r in regions)
    table = fetch_table("82972NED", cbs_server.base_url, policy=FAST)
    assert "GM0363" in table.data["RegioS"].to_list()
    assert set(table.dimensions.filter(pl.col("dimension") == "RegioS")["key"].str.len_chars()) <= {4, 6}


def test_written_with_raw_store_reads_back(cbs_server, tmp_path):
    table = fetch_table(TABLE, cbs_server.base_url, policy=FAST)
    write_raw_table(tmp_path, table)
    back = read_raw_table(tmp_path, TABLE)
    assert_frame_equal(back.data, table.data)
    assert_frame_equal(back.dimensions, table.dimensions)
    assert back.metadata == json.loads(json.dumps(table.metadata))


def test_period_status_is_kept(cbs_server):
    cbs_server.serve("82972NED", period_status={"2020JJ00": "Voorlopig", "2019JJ00": "Definitief"})
    dims = fetch_table("82972NED", cbs_server.base_url, policy=FAST).dimensions
    status = dict(dims.filter(pl.col("dimension") == "Perioden").select("key", "status").iter_rows())
    assert status["2020JJ00"] == "Voorlopig" and status["2019JJ00"] == "Definitief" and status["2015JJ00"] is None


# --------------------------------------------------------------------------------------------- paging


@pytest.mark.parametrize("record_count", ["auto", None], ids=["concurrent", "sequential"])
def test_multi_page(cbs_server, record_count):
    options = {} if record_count == "auto" else {"record_count": None}  # no RecordCount: follow links one by one
    cbs_server.serve(TABLE, page_size=999, **options)
    table = fetch_table(TABLE, cbs_server.base_url, policy=FAST)
    assert table.metadata["source"]["pages"] == 11
    assert cbs_server.count("TypedDataSet") == 11
    assert_same_as_snapshot(table, TABLE)


def test_later_pages_are_fetched_concurrently(cbs_server):
    cbs_server.serve(TABLE, page_size=1000)
    for skip in range(1000, 10000, 1000):
        cbs_server.add_fault("delay", skip=skip, seconds=0.3)
    started = time.monotonic()
    table = fetch_table(TABLE, cbs_server.base_url, policy=FetchPolicy(workers=5, backoff_base=0.01))
    elapsed = time.monotonic() - started
    assert table.data.height == 10000
    assert elapsed < 9 * 0.3 * 0.6, f"9 delayed pages took {elapsed:.2f} s: not concurrent"


def test_with_the_previous_release_everything_is_asked_in_two_rounds(cbs_server):
    """Known dimension sizes (the previous release) let the long dimension list be paged at once as well."""
    table_id = "84799NED"  # 17,341 rows; the WijkenEnBuurten list (356 codes) takes three pages of 120
    cbs_server.serve(table_id, page_size=120)
    previous = read_raw_table(SNAPSHOT_ROOT, table_id)
    for skip in (120, 240):
        cbs_server.add_fault("delay", entity="WijkenEnBuurten", skip=skip, seconds=0.5)
    cbs_server.requests.clear()
    table = fetch_table(table_id, cbs_server.base_url, policy=FAST, previous=previous)
    assert_same_as_snapshot(table, table_id)
    first_data = min(r.at for r in cbs_server.requests if r.entity == "TypedDataSet")
    infos = next(r.at for r in cbs_server.requests if r.entity == "TableInfos")
    assert abs(first_data - infos) < 0.2  # the first data page does not wait for the metadata
    list_pages = [r.skip for r in cbs_server.requests if r.entity == "WijkenEnBuurten"]
    assert sorted(list_pages) == [0, 120, 240]
    requested = {r.skip: r.at for r in cbs_server.requests if r.entity == "WijkenEnBuurten"}
    assert abs(requested[240] - requested[120]) < 0.3  # asked at once, not one after the other


# --------------------------------------------------------------------------------------------- retries


def test_http_500_then_success(cbs_server):
    cbs_server.serve(TABLE, page_size=2500)
    fault = cbs_server.add_fault("status", status=500, skip=5000, times=2)
    table = fetch_table(TABLE, cbs_server.base_url, policy=FAST)
    assert fault.hits == 2
    assert_same_as_snapshot(table, TABLE)


def test_metadata_503_then_success(cbs_server):
    fault = cbs_server.add_fault("status", status=503, entity="DataProperties", times=1)
    fetch_table("82972NED", cbs_server.base_url, policy=FAST)
    assert fault.hits == 1


def test_connection_reset_then_success(cbs_server):
    cbs_server.serve(TABLE, page_size=2500)
    before = cbs_server.add_fault("reset", skip=0, times=1)  # socket closed, no response
    during = cbs_server.add_fault("reset_midbody", skip=7500, times=1)  # half a body, then RST
    table = fetch_table(TABLE, cbs_server.base_url, policy=FAST)
    assert before.hits == 1 and during.hits == 1
    assert_same_as_snapshot(table, TABLE)


def test_read_timeout_then_success(cbs_server):
    fault = cbs_server.add_fault("delay", entity="TableInfos", seconds=1.0, times=1)
    policy = FetchPolicy(connect_timeout=1, read_timeout=0.3, retries=2, backoff_base=0.01)
    fetch_table("82972NED", cbs_server.base_url, policy=policy)
    assert fault.hits == 1


def test_429_retry_after_is_honoured(cbs_server):
    cbs_server.add_fault("status", status=429, retry_after="1", skip=0, times=1)
    started = time.monotonic()
    fetch_table("82972NED", cbs_server.base_url, policy=FAST)  # backoff would be 0.01 s: the wait is the header's
    assert time.monotonic() - started >= 1.0
    data = [r for r in cbs_server.requests if r.entity == "TypedDataSet"]
    assert [r.outcome for r in data] == ["fault:status", "200"]
    assert data[1].at - data[0].at >= 1.0


def test_retry_after_beyond_limit_fails(cbs_server):
    cbs_server.add_fault("status", status=429, retry_after="3600", times=1)
    with pytest.raises(CbsFetchError, match="Retry-After"):
        fetch_table("82972NED", cbs_server.base_url, policy=FAST)


def test_persistent_500_raises_after_retries(cbs_server):
    cbs_server.add_fault("status", status=500, times=None)
    with pytest.raises(CbsFetchError) as info:
        fetch_table("82972NED", cbs_server.base_url, policy=FAST)
    message = str(info.value)
    assert "82972NED" in message and cbs_server.base_url in message and "HTTP 500" in message
    assert cbs_server.count(outcome="fault:status") == FAST.retries + 1


def test_a_hanging_server_ends_at_the_deadline(cbs_server):
    """A server that accepts and never answers held a table for 6 x 120 s; the deadline ends it."""
    cbs_server.add_fault("delay", entity=None, seconds=4, times=None)
    policy = FetchPolicy(read_timeout=120, retries=5, backoff_base=0.01, deadline=1.5)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"deadline of 1.5 s \(KINDBELANG_CBS_DEADLINE\)"):
        fetch_table(TABLE, cbs_server.base_url, policy=policy)
    assert time.monotonic() - started < 2.5


def test_a_retry_that_would_pass_the_deadline_is_not_waited_for(cbs_server):
    cbs_server.add_fault("status", status=503, retry_after="30", entity=None, times=None)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="would pass the deadline of 5 s"):
        fetch_table(TABLE, cbs_server.base_url, policy=replace(FAST, deadline=5))
    assert time.monotonic() - started < 2


def test_progress_names_pages_retries_and_a_slow_server(cbs_server):
    cbs_server.serve(TABLE, page_size=2500)
    cbs_server.add_fault("status", status=503, skip=5000, times=1)
    cbs_server.add_fault("delay", skip=7500, seconds=1.3, times=1)
    lines = io.StringIO()
    with FetchProgress(lines, slow_after=0.5, bar=False) as progress:
        fetch_table(TABLE, cbs_server.base_url, policy=replace(FAST, progress=progress))
    text = lines.getvalue()
    assert f"{TABLE}: pagina 4 van 4 binnen (2.500 rijen)" in text
    assert f"{TABLE}: HTTP 503 op TypedDataSet?$skip=5000; opnieuw over 0,0 s (poging 2 van 4)" in text
    assert f"{TABLE}: server traag: wacht al" in text and "op TypedDataSet?$skip=7500" in text


def test_unknown_table_is_not_retried(cbs_server):
    with pytest.raises(CbsFetchError, match="HTTP 404"):
        fetch_table("00000XXX", cbs_server.base_url, policy=FAST)
    asked = [r.path for r in cbs_server.requests if r.outcome == "404"]
    assert 2 <= len(asked) <= 3 and len(set(asked)) == len(asked)  # TableInfos, DataProperties, first page: once


# --------------------------------------------------------------------------------------------- malformed


def test_malformed_page_names_table_and_url(cbs_server):
    cbs_server.serve(TABLE, page_size=2500)
    cbs_server.add_fault("malformed", skip=5000, times=None)
    with pytest.raises(CbsFetchError) as info:
        fetch_table(TABLE, cbs_server.base_url, policy=FAST)
    error = info.value
    assert error.table_id == TABLE and error.url.endswith("TypedDataSet?$format=json&$skip=5000")
    assert TABLE in str(error) and error.url in str(error) and "malformed JSON" in str(error)


def test_malformed_first_page(cbs_server):
    cbs_server.add_fault("malformed", skip=0, times=None)
    with pytest.raises(CbsFetchError, match=r"82972NED: .*TypedDataSet\?\$format=json: malformed JSON"):
        fetch_table("82972NED", cbs_server.base_url, policy=FAST)


def test_page_without_value(cbs_server):
    cbs_server.serve(TABLE, page_size=2500)
    cbs_server.add_fault("no_value", skip=2500, times=None)
    with pytest.raises(CbsFetchError, match="no 'value'"):
        fetch_table(TABLE, cbs_server.base_url, policy=FAST)


@pytest.mark.parametrize("record_count", ["auto", None], ids=["concurrent", "sequential"])
def test_repeating_next_link(cbs_server, record_count):
    cbs_server.serve(TABLE, page_size=2500, **({} if record_count == "auto" else {"record_count": None}))
    cbs_server.add_fault("repeat_next", skip=5000, next_skip=2500, times=None)  # page 3 links back to page 2
    with pytest.raises(CbsFetchError, match="repeats a page") as info:
        fetch_table(TABLE, cbs_server.base_url, policy=FAST)
    assert info.value.url.endswith("$skip=2500")


def test_row_count_mismatch(cbs_server):
    cbs_server.serve(TABLE, page_size=2500, record_count=10_500)
    with pytest.raises(CbsFetchError, match="received 10000 rows .*RecordCount says 10500"):
        fetch_table(TABLE, cbs_server.base_url, policy=FAST)


def test_declared_column_missing_from_rows(cbs_server):
    cbs_server.serve(TABLE, drop_column="Jeugdzorgtrajecten_3", drop_declared=True)
    with pytest.raises(CbsFetchError, match="Jeugdzorgtrajecten_3"):
        fetch_table(TABLE, cbs_server.base_url, policy=FAST)


# --------------------------------------------------------------------------------------------- releases


def test_dropped_column_is_a_schema_difference(cbs_server):
    previous = read_raw_table(SNAPSHOT_ROOT, TABLE)
    cbs_server.serve(TABLE, drop_column="Jeugdzorgtrajecten_3")
    new = fetch_table(TABLE, cbs_server.base_url, policy=FAST)
    assert "Jeugdzorgtrajecten_3" not in new.data.columns
    assert schema_differences(previous, new) == [
        "column gone: Jeugdzorgtrajecten_3 (Topic, unit 'aantal', title 'Jeugdzorgtrajecten')"]
    assert schema_differences(previous, fetch_table(TABLE.lower(), cbs_server.base_url, policy=FAST)) == [
        "column gone: Jeugdzorgtrajecten_3 (Topic, unit 'aantal', title 'Jeugdzorgtrajecten')"]


def test_schema_differences_unit_rename_new():
    snapshot = read_raw_table(SNAPSHOT_ROOT, TABLE)
    # A release whose DataProperties came from CBS itself (as after a live fetch), not reconstructed.
    old = RawTable(TABLE, snapshot.data, snapshot.dimensions, {**snapshot.metadata, "reconstructed": []})
    props = [dict(p) for p in old.metadata["data_properties"]]
    for p in props:
        if p["Key"] == "RegioS":
            p["Key"] = "Regio"
        if p["Key"] == "JongerenMetJeugdzorgRelatief_2":
            p["Unit"] = "per 1 000 jongeren"
    props.append({"odata.type": "Cbs.OData.Topic", "Key": "Kosten_4", "Title": "Kosten", "Unit": "euro"})
    new = RawTable(TABLE, old.data.rename({"RegioS": "Regio"}).with_columns(pl.lit(1.0).alias("Kosten_4")),
                   old.dimensions, {**old.metadata, "data_properties": props})
    assert schema_differences(old, new) == [
        "dimension renamed: RegioS -> Regio (GeoDimension)",
        "new column: Kosten_4 (Topic, unit 'euro', title 'Kosten')",
        "unit of JongerenMetJeugdzorgRelatief_2 changed: '%' -> 'per 1 000 jongeren'",
    ]
    assert schema_differences(old, old) == []


def test_reconstructed_snapshot_properties_are_not_held_against_cbs():
    old = read_raw_table(SNAPSHOT_ROOT, TABLE)
    props = [dict(p, Unit="per 1 000 jongeren") if p["Key"] == "JongerenMetJeugdzorgRelatief_2" else p
             for p in old.metadata["data_properties"]]
    new = RawTable(TABLE, old.data.drop("Jeugdzorgtrajecten_3"), old.dimensions,
                   {**old.metadata, "data_properties": [p for p in props if p["Key"] != "Jeugdzorgtrajecten_3"]})
    assert schema_differences(old, new) == [
        "column gone: Jeugdzorgtrajecten_3 (Topic, unit 'aantal', title 'Jeugdzorgtrajecten')"]


def test_fetch_modified_follows_release(cbs_server):
    assert fetch_modified(cbs_server.base_url, "82972ned", policy=FAST) == "2025-01-15T02:00:00"
    cbs_server.set_modified("82972NED", "2025-06-30T02:00:00")
    assert fetch_modified(cbs_server.base_url, "82972NED", policy=FAST) == "2025-06-30T02:00:00"
    table = fetch_table("82972NED", cbs_server.base_url, policy=FAST)
    assert table.modified == table.metadata["source"]["modified"] == "2025-06-30T02:00:00"


def test_base_url_from_env():
    assert base_url_from_env({}) == "https://opendata.cbs.nl"
    assert base_url_from_env({"KINDBELANG_CBS_URL": "http://127.0.0.1:8765/"}) == "http://127.0.0.1:8765"


# --------------------------------------------------------------------------------------------- cbsodata


def test_server_speaks_what_cbsodata_expects(cbs_server):
    """The plain cbsodata client works against the server unchanged (service document, paging, padded keys)."""
    cbs_server.serve("82972NED", page_size=4000)
    old = (cbsodata.options.catalog_url, cbsodata.options.use_https)
    cbsodata.options.catalog_url, cbsodata.options.use_https = cbs_server.host, False
    try:
        rows = cbsodata.get_data("82972NED")  # typed=False downloads TypedDataSet (1.3.5 inverts the flag)
    finally:
        cbsodata.options.catalog_url, cbsodata.options.use_https = old
    assert len(rows) == 9652
    assert rows[0]["RegioS"] == "Nederland" and rows[0]["Perioden"] == "1e kwartaal 2015"
