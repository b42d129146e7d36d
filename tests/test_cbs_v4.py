"""kindbelang.cbs_v4 against a local CBS OData v4 server (tests/cbs_v4_server.py) serving real recordings.

Expectations are computed from the recordings (../shared/cbs-candidates/HenricoWitvliet__CBSOData4.jl) with
plain Python, never with the loader's own code. The extra measure some tests ask for is SYNTHETIC (the
recordings hold one measure with only ValueAttribute "None"); its expectations are computed from the
observations the server actually serves, read with requests.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import polars as pl
import pytest
import requests
from polars.testing import assert_frame_equal

from cbs_v4_server import RECORDINGS, SYNTHETIC_MEASURE, TABLE, CbsV4TestServer, load_recording, recordings_available

if not recordings_available():
    pytest.skip(f"CBS v4 recordings not found in {RECORDINGS} (they live in the shared folder beside the repo)",
                allow_module_level=True)

from kindbelang import cli, settings  # noqa: E402
from kindbelang.catalog import load_catalog  # noqa: E402
from kindbelang.cbs_live import CbsFetchError, FetchPolicy, schema_differences  # noqa: E402
from kindbelang.cbs_v4 import fetch_modified_v4, fetch_table_v4, v4_base_url_from_env  # noqa: E402
from kindbelang.raw_store import read_raw_table, write_raw_table  # noqa: E402
from kindbelang.resources import CbsSource, SchemaChangeError  # noqa: E402

FAST = FetchPolicy(connect_timeout=2, read_timeout=5, retries=3, backoff_base=0.01, backoff_max=0.05)
DIMS = ["Perioden", "BedrijfskenmerkenSBI2008"]  # Dimensions order (meta_6)
MEASURE = "M001924"


@pytest.fixture
def v4():
    """A started CbsV4TestServer (fresh per test: own faults, table options and request log)."""
    with CbsV4TestServer(page_size=1000) as server:
        yield server


@pytest.fixture(scope="module")
def observations() -> list[dict]:
    return load_recording("meta_4.json")["value"]


def cell_values(records: list[dict]) -> dict[tuple, tuple]:
    """(measure, *dims) -> (value, attribute) as the loader should keep them, computed by hand."""
    out = {}
    for r in records:
        special = r["ValueAttribute"] not in (None, "None")
        out[(r["Measure"], *(r[d] for d in DIMS))] = (None if special else r["Value"],
                                                      r["ValueAttribute"] if special else None)
    return out


def served_observations(server: CbsV4TestServer) -> list[dict]:
    url, out = f"{server.base_url}/CBS/{TABLE}/Observations", []
    while url:
        page = requests.get(url, timeout=5).json()
        out.extend(page["value"])
        url = page.get("@odata.nextLink")
    return out


def assert_names(error: CbsFetchError, url_part: str) -> None:
    assert error.table_id == TABLE and TABLE in str(error)
    assert url_part in error.url and error.url in str(error)


# --------------------------------------------------------------------------------------------- the server


def test_server_serves_the_recordings(v4):
    base = f"{v4.base_url}/CBS/{TABLE.lower()}"
    first = requests.get(f"{base}/Observations?$count=true&$top=1", timeout=5).json()
    recorded = load_recording("meta_3.json")  # the real answer to exactly this request
    assert list(first) == list(recorded)
    assert first["@odata.context"] == recorded["@odata.context"].replace("https://beta-odata4.cbs.nl", v4.base_url)
    assert first["@odata.count"] == recorded["@odata.count"] == 4409 and first["value"] == recorded["value"]
    assert served_observations(v4) == load_recording("meta_4.json")["value"]
    props = requests.get(f"{base}/Properties", timeout=5).json()
    assert {k: v for k, v in props.items() if k != "@odata.context"} == {
        k: v for k, v in load_recording("meta_7.json").items() if k != "@odata.context"}
    assert requests.get(f"{base}/MeasureCodes", timeout=5).json()["value"] == load_recording("meta_5.json")["value"]
    page = requests.get(f"{base}/Observations?$count=true", timeout=5).json()
    assert len(page["value"]) == 1000 and page["@odata.nextLink"].endswith("/Observations?$count=true&$skip=1000")


# --------------------------------------------------------------------------------------------- full fetch


def test_full_fetch_pivots_every_observation(v4, observations):
    table = fetch_table_v4(TABLE.lower(), v4.base_url, policy=FAST)
    combos = {tuple(r[d] for d in DIMS) for r in observations}
    measures = sorted({r["Measure"] for r in observations})
    assert len(observations) == 4409 and measures == [MEASURE]
    data = table.data
    assert table.table_id == TABLE
    assert data.columns == ["ID", *DIMS, MEASURE, f"{MEASURE}__attribute"]
    assert data.height == len(combos) == 4409 // len(measures)
    assert data.schema[MEASURE] == pl.Float64 and data.schema["ID"] == pl.Int64
    assert data["ID"].to_list() == list(range(data.height))
    assert data.select(pl.col(MEASURE).is_not_null().sum()).item() == 4409
    # Every cell against the recording, and three by hand.
    got = {(MEASURE, r["Perioden"], r["BedrijfskenmerkenSBI2008"]): (r[MEASURE], r[f"{MEASURE}__attribute"])
           for r in data.iter_rows(named=True)}
    assert got == cell_values(observations)
    for r in (observations[0], observations[1234], observations[-1]):
        row = data.filter((pl.col("Perioden") == r["Perioden"])
                          & (pl.col("BedrijfskenmerkenSBI2008") == r["BedrijfskenmerkenSBI2008"]))
        assert row[MEASURE].to_list() == [r["Value"]]
    assert data.row(0, named=True) == {"ID": 0, "Perioden": "1996KW01", "BedrijfskenmerkenSBI2008": "T001081",
                                       MEASURE: 5.5, f"{MEASURE}__attribute": None}
    source = table.metadata["source"]
    assert source["api"] == "v4" and source["mode"] == "live" and source["base_url"] == v4.base_url
    assert source["pages"] == 5 == v4.count("Observations") and source["observations"] == 4409
    assert source["modified"] == table.modified == "2020-06-19T02:00:00+02:00"
    assert source["feed_url"].endswith("/CBS/80072NED/Observations?$count=true")
    assert table.metadata["truncation"]["truncated"] is False
    assert table.metadata["coverage"]["rows"] == 4409
    assert table.metadata["coverage"]["periods"] == sorted({r["Perioden"] for r in observations})


def test_metadata_is_v3_compatible(v4):
    table = fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    infos = table.metadata["table_infos"]
    recorded = load_recording("meta_7.json")
    assert infos["Identifier"] == "80072ned" and infos["Title"] == recorded["Title"]
    assert infos["Modified"] == recorded["Modified"] and "@odata.context" not in infos
    props = {p["Key"]: p for p in table.metadata["data_properties"]}
    assert list(props) == [*DIMS, MEASURE]
    assert props["Perioden"]["odata.type"] == "Cbs.OData.TimeDimension"
    assert props["BedrijfskenmerkenSBI2008"]["odata.type"] == "Cbs.OData.Dimension"
    measure = load_recording("meta_5.json")["value"][0]
    assert {k: props[MEASURE][k] for k in (
        "odata.type", "Title", "Unit", "Decimals", "Datatype", "Description")} == {
        "odata.type": "Cbs.OData.Topic", "Title": measure["Title"], "Unit": "%", "Decimals": 1,
        "Datatype": "Double", "Description": measure["Description"]}
    assert table.metadata["v4"]["measure_codes"] == load_recording("meta_5.json")["value"]
    assert schema_differences(table, fetch_table_v4(TABLE, v4.base_url, policy=FAST)) == []


def test_code_lists_and_period_status(v4):
    periods = load_recording("meta_9.json")["value"]
    sbi = load_recording("meta_11.json")["value"]
    dims = fetch_table_v4(TABLE, v4.base_url, policy=FAST).dimensions
    assert Counter(dims["dimension"].to_list()) == {"Perioden": len(periods), "BedrijfskenmerkenSBI2008": len(sbi)}
    status = dict(dims.filter(pl.col("dimension") == "Perioden").select("key", "status").iter_rows())
    assert status == {p["Identifier"]: p["Status"] for p in periods}
    assert status["2020KW01"] == "Voorlopig" and status["2019KW04"] == "Definitief"
    titles = dict(dims.filter(pl.col("dimension") == "BedrijfskenmerkenSBI2008").select("key", "title").iter_rows())
    assert titles["T001081"] == "A-U Alle economische activiteiten"
    assert dims.filter(pl.col("dimension") == "BedrijfskenmerkenSBI2008")["status"].null_count() == len(sbi)

    v4.serve(period_status={"2020KW01": "Nader voorlopig"})
    dims = fetch_table_v4(TABLE, v4.base_url, policy=FAST).dimensions
    status = dict(dims.filter(pl.col("dimension") == "Perioden").select("key", "status").iter_rows())
    assert status["2020KW01"] == "Nader voorlopig" and status["2019KW04"] == "Definitief"


def test_several_measures_and_value_attributes(v4):
    v4.serve(extra_measure=True)
    served = served_observations(v4)
    expected = cell_values(served)
    attributes = Counter(r["ValueAttribute"] for r in served if r["Measure"] == SYNTHETIC_MEASURE)
    assert attributes["Confidential"] and attributes["Impossible"]  # the synthetic case covers both
    table = fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    data = table.data
    assert data.columns == ["ID", *DIMS, MEASURE, SYNTHETIC_MEASURE, f"{MEASURE}__attribute",
                            f"{SYNTHETIC_MEASURE}__attribute"]
    assert data.height == len({k[1:] for k in expected}) == 4409
    assert data.schema[SYNTHETIC_MEASURE] == pl.Int64  # DataType Long
    got = {}
    for row in data.iter_rows(named=True):
        for m in (MEASURE, SYNTHETIC_MEASURE):
            cell = (row[m], row[f"{m}__attribute"])
            key = (m, row["Perioden"], row["BedrijfskenmerkenSBI2008"])
            if key in expected or cell != (None, None):  # left-out cells are null with a null attribute
                got[key] = cell
    assert got == expected
    assert table.metadata["value_attributes"]["counts"] == {
        SYNTHETIC_MEASURE: {k: v for k, v in attributes.items() if k != "None"}}
    assert table.metadata["source"]["observations"] == len(served)


def test_written_with_raw_store_reads_back(v4, tmp_path):
    v4.serve(extra_measure=True)
    table = fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    write_raw_table(tmp_path, table)
    back = read_raw_table(tmp_path, TABLE)
    assert_frame_equal(back.data, table.data)
    assert_frame_equal(back.dimensions, table.dimensions)
    assert back.metadata == json.loads(json.dumps(table.metadata))


def test_code_lists_follow_next_links(v4):
    v4.serve(list_page_size=50)
    table = fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert v4.count("PeriodenCodes") == 3  # 121 codes in pages of 50
    assert table.dimensions.filter(pl.col("dimension") == "Perioden").height == 121


# --------------------------------------------------------------------------------------------- concurrency


def test_first_round_is_concurrent(v4):
    for entity in ("Properties", "Dimensions", "MeasureCodes", "Observations"):
        v4.add_fault("delay", entity=entity, skip=0, seconds=0.5)
    started = time.monotonic()
    fetch_table_v4(TABLE, v4.base_url, policy=FetchPolicy(workers=4, backoff_base=0.01))
    elapsed = time.monotonic() - started
    assert elapsed < 4 * 0.5 * 0.6, f"four delayed first-round requests took {elapsed:.2f} s: not concurrent"


def test_later_pages_are_fetched_concurrently(v4):
    for skip in range(1000, 5000, 1000):
        v4.add_fault("delay", skip=skip, seconds=0.4)
    started = time.monotonic()
    table = fetch_table_v4(TABLE, v4.base_url, policy=FetchPolicy(workers=5, backoff_base=0.01))
    elapsed = time.monotonic() - started
    assert table.data.height == 4409
    assert elapsed < 4 * 0.4 * 0.6, f"4 delayed pages took {elapsed:.2f} s: not concurrent"


def test_sequential_without_count(v4):
    v4.serve(count=None)  # no @odata.count: no prediction, links followed one by one; nothing to check against
    table = fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert table.data.height == 4409 and v4.count("Observations") == 5
    assert "no @odata.count" in table.metadata["truncation"]["note"]


# --------------------------------------------------------------------------------------------- retries


def test_http_500_then_success(v4):
    fault = v4.add_fault("status", status=500, skip=2000, times=2)
    table = fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert fault.hits == 2 and table.data.height == 4409


def test_metadata_503_then_success(v4):
    fault = v4.add_fault("status", status=503, entity="MeasureCodes", times=1)
    fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert fault.hits == 1


def test_connection_reset_then_success(v4):
    before = v4.add_fault("reset", skip=0, times=1)
    during = v4.add_fault("reset_midbody", skip=3000, times=1)
    table = fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert before.hits == 1 and during.hits == 1 and table.data.height == 4409


def test_read_timeout_then_success(v4):
    fault = v4.add_fault("delay", entity="Properties", seconds=1.0, times=1)
    fetch_table_v4(TABLE, v4.base_url, policy=FetchPolicy(connect_timeout=1, read_timeout=0.3, retries=2,
                                                          backoff_base=0.01))
    assert fault.hits == 1


def test_429_retry_after_is_honoured(v4):
    v4.add_fault("status", status=429, retry_after="1", skip=0, times=1)
    fetch_table_v4(TABLE, v4.base_url, policy=FAST)  # backoff would be 0.01 s: the wait is the header's
    first = [r for r in v4.requests if r.entity == "Observations" and r.skip == 0]
    assert [r.outcome for r in first] == ["fault:status", "200"]
    assert first[1].at - first[0].at >= 1.0


def test_retry_after_beyond_limit_fails(v4):
    v4.add_fault("status", status=429, retry_after="3600", times=1)
    with pytest.raises(CbsFetchError, match="Retry-After") as info:
        fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert_names(info.value, "/Observations")


def test_persistent_500_raises_after_retries(v4):
    v4.add_fault("status", status=500, times=None)
    with pytest.raises(CbsFetchError) as info:
        fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert_names(info.value, f"{v4.base_url}/CBS/{TABLE}/Observations")
    assert "HTTP 500" in str(info.value) and v4.count(outcome="fault:status") == FAST.retries + 1


def test_unknown_table_is_not_retried(v4):
    with pytest.raises(CbsFetchError, match="HTTP 404") as info:
        fetch_table_v4("00000XXX", v4.base_url, policy=FAST)
    assert info.value.table_id == "00000XXX" and "00000XXX" in info.value.url
    assert v4.count(outcome="404") <= 4  # the first round, once each


# --------------------------------------------------------------------------------------------- malformed


def test_malformed_page_names_table_and_url(v4):
    v4.add_fault("malformed", skip=2000, times=None)
    with pytest.raises(CbsFetchError, match="malformed JSON") as info:
        fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert_names(info.value, "/Observations?$count=true&$skip=2000")


@pytest.mark.parametrize("entity", ["Properties", "Dimensions", "PeriodenCodes"])
def test_malformed_metadata(v4, entity):
    v4.add_fault("malformed", entity=entity, times=None)
    with pytest.raises(CbsFetchError, match="malformed JSON") as info:
        fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert_names(info.value, f"/CBS/{TABLE}/{entity}")


@pytest.mark.parametrize("entity,skip", [("Observations", 1000), ("Observations", 0), ("MeasureCodes", None)])
def test_page_without_value(v4, entity, skip):
    v4.add_fault("no_value", entity=entity, skip=skip, times=None)
    with pytest.raises(CbsFetchError, match="no 'value'") as info:
        fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert_names(info.value, entity)


@pytest.mark.parametrize("count", ["auto", None], ids=["concurrent", "sequential"])
def test_repeating_next_link(v4, count):
    v4.serve(**({} if count == "auto" else {"count": None}))
    v4.add_fault("repeat_next", skip=3000, next_skip=1000, times=None)  # page 4 links back to page 2
    with pytest.raises(CbsFetchError, match="repeats a page") as info:
        fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert_names(info.value, "$skip=1000")


@pytest.mark.parametrize("target", ["http://example.invalid/odata/v1/CBS/80072NED/Observations?$skip=1000",
                                    "{base}/CBS/85098NED/Observations?$skip=1000",
                                    "{base}/CBS/80072NED/MeasureCodes?$skip=1000"])
def test_next_link_leaving_the_table(v4, target):
    v4.add_fault("foreign_next", skip=1000, next_url=target.format(base=v4.base_url), times=None)
    with pytest.raises(CbsFetchError, match="leaves Observations") as info:
        fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert_names(info.value, "$skip=1000")


def test_count_mismatch(v4):
    v4.serve(count=5000)
    with pytest.raises(CbsFetchError, match="received 4409 observations in 5 pages, @odata.count says 5000") as info:
        fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert_names(info.value, "/Observations?$count=true")


def test_dropped_measure_declared_is_all_null(v4):
    v4.serve(extra_measure=True, drop_measure=SYNTHETIC_MEASURE, drop_declared=True)
    data = fetch_table_v4(TABLE, v4.base_url, policy=FAST).data
    assert data[SYNTHETIC_MEASURE].null_count() == data.height == 4409  # v4 leaves empty cells out


def test_undeclared_measure_is_an_error(v4):
    v4.serve(extra_measure=True)
    served = v4.table(TABLE)  # observations of M999001 stay, its MeasureCodes record goes
    served.docs["MeasureCodes"]["value"] = [m for m in served.docs["MeasureCodes"]["value"]
                                            if m["Identifier"] != SYNTHETIC_MEASURE]
    with pytest.raises(CbsFetchError, match=f"not in MeasureCodes: \\['{SYNTHETIC_MEASURE}'\\]") as info:
        fetch_table_v4(TABLE, v4.base_url, policy=FAST)
    assert_names(info.value, "/Observations")


# --------------------------------------------------------------------------------------------- releases


def test_dropped_measure_is_a_schema_change(v4, tmp_path):
    v4.serve(extra_measure=True)
    source = CbsSource(mode="live", api="v4", snapshot_dir=str(tmp_path / "no-snapshot"))
    mp = pytest.MonkeyPatch()
    mp.setenv("KINDBELANG_CBS_V4_URL", v4.base_url)
    mp.setenv("KINDBELANG_CBS_BACKOFF", "0.01")
    try:
        first = source.fetch(TABLE, into=tmp_path / "raw")
        assert first.status == "new" and SYNTHETIC_MEASURE in first.table.data.columns
        stored = (tmp_path / "raw" / TABLE / "data.parquet").read_bytes()
        v4.serve(extra_measure=True, drop_measure=MEASURE)  # the synthetic one stays, the real one goes
        with pytest.raises(SchemaChangeError) as info:
            source.fetch(TABLE, into=tmp_path / "raw")
        assert info.value.changes == [
            f"column gone: {MEASURE} (Topic, unit '%', title 'Ziekteverzuimpercentage')",
            f"column gone: {MEASURE}__attribute (column, title None)"]
        assert info.value.url == f"{v4.base_url}/CBS/{TABLE}/MeasureCodes"
        assert (tmp_path / "raw" / TABLE / "data.parquet").read_bytes() == stored  # nothing written
        again = source.fetch(TABLE, into=tmp_path / "raw", accept_any_change=True)
        assert again.status == "updated" and MEASURE not in again.table.data.columns
    finally:
        mp.undo()


def test_failed_fetch_writes_nothing(v4, tmp_path, monkeypatch):
    monkeypatch.setenv("KINDBELANG_CBS_V4_URL", v4.base_url)
    monkeypatch.setenv("KINDBELANG_CBS_RETRIES", "1")
    monkeypatch.setenv("KINDBELANG_CBS_BACKOFF", "0.01")
    v4.add_fault("malformed", skip=4000, times=None)
    with pytest.raises(CbsFetchError):
        CbsSource(mode="live", api="v4").fetch(TABLE, into=tmp_path / "raw")
    assert not (tmp_path / "raw").exists() or not any((tmp_path / "raw").iterdir())


def test_fetch_modified_v4(v4):
    assert fetch_modified_v4(v4.base_url, "80072ned", policy=FAST) == "2020-06-19T02:00:00+02:00"
    v4.serve(modified="2025-06-30T02:00:00+02:00")
    assert fetch_modified_v4(v4.base_url, TABLE, policy=FAST) == "2025-06-30T02:00:00+02:00"


def test_base_url_from_env():
    assert v4_base_url_from_env({}) == "https://datasets.cbs.nl/odata/v1"
    assert v4_base_url_from_env({"KINDBELANG_CBS_V4_URL": "http://127.0.0.1:8765/odata/v1/"}) == \
        "http://127.0.0.1:8765/odata/v1"


def test_catalog_api_entry(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text("tables:\n  - {id: 80072NED, title: t, purpose: p, api: v4}\n  - {id: 82972NED, title: t, "
                    "purpose: p}\n", encoding="utf-8")
    assert [t.api for t in load_catalog(path)] == ["v4", "v3"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("tables:\n  - {id: 80072NED, title: t, purpose: p, api: v5}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="api must be v3 or v4"):
        load_catalog(bad)
    assert {t.api for t in load_catalog()} <= {"v3", "v4"}


# --------------------------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_env(v4, tmp_path, monkeypatch):
    monkeypatch.setenv("KINDBELANG_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("KINDBELANG_CBS_V4_URL", v4.base_url)
    monkeypatch.setenv("KINDBELANG_CBS_RETRIES", "1")
    monkeypatch.setenv("KINDBELANG_CBS_BACKOFF", "0.01")
    return tmp_path / "out"


def test_cli_fetch_v4(v4, cli_env, capsys):
    assert cli.main(["fetch", "--api", "v4", "80072NED"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 1 and f"{TABLE}: klaar: 4.409 rijen, nieuw (" in err.splitlines()[-1]
    assert json.loads(lines[0]) == {"table": TABLE, "rows": 4409, "columns": 5,
                                    "modified": "2020-06-19T02:00:00+02:00", "status": "new"}
    stored = read_raw_table(settings.paths().live_raw, TABLE)
    assert settings.paths().live_raw == cli_env / "raw"
    assert stored.metadata["source"]["api"] == "v4" and stored.data.height == 4409
    assert cli.main(["fetch", "--api", "v4", "80072ned"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "unchanged"


def test_cli_fetch_v4_failure_is_one_dutch_message(v4, cli_env, capsys):
    v4.add_fault("status", status=503, times=None)
    assert cli.main(["fetch", "--api", "v4", TABLE]) == 1
    out, err = capsys.readouterr()
    progress, message = [line for line in err.splitlines() if line.startswith("[")], err.split("FOUT: ")[1:]
    assert len(message) == 1 and "Traceback" not in err
    assert f"{TABLE}: MISLUKT na " in progress[-1]
    assert message[0].startswith(f"CBS-tabel {TABLE} niet opgehaald. CBS antwoordde niet, met een fout of "
                                 "onvolledig.")
    assert "Er is niets overschreven" in message[0]
    assert f"details: CBS table {TABLE}: {v4.base_url}/CBS/{TABLE}/" in message[0] and "HTTP 503" in message[0]
    line = json.loads(out)
    assert line["table"] == TABLE and line["status"] == "error"
    assert not (cli_env / "raw" / TABLE).exists()


def test_the_release_signal_of_a_v4_table_is_its_properties_modified(v4, monkeypatch):
    """The release sensor and `run --source live` ask each table through its own API (kindbelang.live_refresh)."""
    from kindbelang.live_refresh import poll_modified

    monkeypatch.setenv("KINDBELANG_CBS_V4_URL", v4.base_url)
    assert poll_modified(CbsSource(mode="live", api="v4"), [TABLE]) == {TABLE: "2020-06-19T02:00:00+02:00"}
    assert v4.count(entity="Properties") == 1 and v4.count(entity="Observations") == 0
