"""The embedded snapshot: every CBS code and period key restored, and the metadata each table needs."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from kindbelang.catalog import load_catalog
from kindbelang.cbs_periods import UnknownPeriodLabel, label_to_key, parse_key
from kindbelang.settings import SNAPSHOT_DIR

TABLES = [t.id for t in load_catalog()]
REGION_CODE = re.compile(r"^(NL0[01]|GM\d{4}|WK\d{4}[0-9A-Z]{2}|JZ\d{2}|PV\d{2}|LD\d{2}|CR\d{2}|AM\d{2})$")


def dimensions(table_id: str) -> pl.DataFrame:
    return pl.read_parquet(SNAPSHOT_DIR / table_id / "dimensions.parquet")


def metadata(table_id: str) -> dict:
    return json.loads((SNAPSHOT_DIR / table_id / "metadata.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("label,key", [
    ("2021", "2021JJ00"),
    ("1e halfjaar 2021", "2021HJ01"),
    ("2e halfjaar 2015", "2015HJ02"),
    ("1e half jaar 2024", "2024HJ01"),  # sic in 85098NED
    ("2015 1e halfjaar", "2015HJ01"),
    ("1e kwartaal 2015", "2015KW01"),
    ("30 juni 2021", "2021MM06"),
    ("31 december 2015", "2015MM12"),
])
def test_period_labels_map_to_cbs_keys(label, key):
    assert label_to_key(label) == key


@pytest.mark.parametrize("label", ["2021 tot nu", "halfjaar", "1e halfjaar", ""])
def test_unknown_period_labels_are_refused(label):
    with pytest.raises(UnknownPeriodLabel):
        label_to_key(label)


@pytest.mark.parametrize("table_id", TABLES)
def test_every_period_label_in_the_snapshot_maps_to_its_key(table_id):
    periods = dimensions(table_id).filter(pl.col("dimension") == "Perioden")
    for key, title in periods.select("key", "title").iter_rows():
        assert label_to_key(title) == key
        parse_key(key)


@pytest.mark.parametrize("table_id", TABLES)
def test_every_region_in_the_snapshot_has_a_cbs_code(table_id):
    regions = dimensions(table_id).filter(pl.col("dimension").is_in(["RegioS", "WijkenEnBuurten", "Woongemeente", "Wijken"]))
    if regions.is_empty() and not any(p.get("odata.type") == "Cbs.OData.GeoDimension"
                                      for p in metadata(table_id)["data_properties"]):
        pytest.skip(f"{table_id} has no region dimension (national table)")
    assert regions.height > 0
    bad = [k for k in regions["key"] if not REGION_CODE.match(k)]
    assert bad == []
    assert regions["key"].n_unique() == regions.height


def test_duplicate_gemeente_names_get_their_own_codes():
    titles = dict(dimensions("85098NED").filter(pl.col("dimension") == "RegioS").select("title", "key").iter_rows())
    assert titles["Bergen (NH.)"] == "GM0373"
    assert titles["Bergen (L.)"] == "GM0893"
    assert titles["Groningen (gemeente)"] == "GM0014"
    assert titles["Groningen (PV)"] == "PV20"
    assert titles["Rijk van Nijmegen (JZ)"] == "JZ32"


@pytest.mark.parametrize("table_id", TABLES)
def test_metadata_records_provenance_and_reconstructions(table_id):
    meta = metadata(table_id)
    assert meta["table_id"] == table_id
    assert meta["source"]["repository"] and len(meta["source"]["commit"]) == 40
    assert isinstance(meta["truncation"]["truncated"], bool) and meta["truncation"]["note"]
    assert meta["reconstructed"], "every snapshot table says what was reconstructed"
    data = pl.read_parquet(SNAPSHOT_DIR / table_id / "data.parquet")
    assert meta["coverage"]["rows"] == data.height


def test_truncated_tables_are_flagged():
    assert metadata("84134NED")["truncation"]["truncated"] is True
    assert "JZ Totaal jeugdzorg" in metadata("84134NED")["truncation"]["note"]
    assert metadata("82972NED")["truncation"]["truncated"] is False


def test_youth_care_columns_carry_meaning_unit_and_denominator():
    props = {p["Key"]: p for p in metadata("85098NED")["data_properties"]}
    assert props["JongerenMetJeugdhulpInNatura_1"]["Unit"] == "%"
    assert props["JongerenMetJeugdhMetVerblInNat_2"]["Denominator"] == "jongeren met jeugdhulp in natura"
    assert props["JeugdbeschEnJeugdhMetVerblInNat_4"]["Denominator"] == "jongeren met jeugdbescherming"
