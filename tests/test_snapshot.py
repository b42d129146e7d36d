"""The embedded snapshot: every CBS code and period key restored, and the metadata each table needs."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from kindbelang.catalog import catalog_table, load_catalog
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


def snapshot_cell(table_id: str, column: str, **where: str):
    frame = pl.read_parquet(SNAPSHOT_DIR / table_id / "data.parquet")
    for dim, key in where.items():
        frame = frame.filter(pl.col(dim) == key)
    return frame.select(column).item()


def test_veilig_thuis_tables_hold_the_source_cells():
    # 85361NED.csv, ID 5 (Nederland;2023): 127390.0;40630.0;48555.0 ... k_1eMelding..._12 = 31.9.
    nl = {"RegioS": "NL01", "Perioden": "2023JJ00"}
    assert snapshot_cell("85361NED", "OntvangenMeldingenTotaal_1", **nl) == 127390
    assert snapshot_cell("85361NED", "k_1eMeldingGeenBetrokkenenBekendVT_2", **nl) == 40630
    assert snapshot_cell("85361NED", "k_1eMeldingGeenBetrokkenenBekendVT_12", **nl) == pytest.approx(31.9)
    # 85361NED.csv, ID 229 (Amsterdam;2023): Totaal_6 = 2960.0.
    assert snapshot_cell("85361NED", "Totaal_6", RegioS="GM0363", Perioden="2023JJ00") == 2960
    # 85361NED.csv, ID 1461 (Neder-Betuwe;2023): EenBetrokkeneAlBekendBijVT_5 and _15 are empty (suppressed).
    assert snapshot_cell("85361NED", "EenBetrokkeneAlBekendBijVT_5", RegioS="GM1740", Perioden="2023JJ00") is None
    assert snapshot_cell("85361NED", "EenBetrokkeneAlBekendBijVT_15", RegioS="GM1740", Perioden="2023JJ00") is None
    assert snapshot_cell("85361NED", "Totaal_3", RegioS="GM1740", Perioden="2023JJ00") == 20

    # 84849NED.csv, ID 6478 (Niet beroepsmatig totaal;Nederland;2023): 63245.0;10245.0;355.0;58.0.
    niet = {"KenmerkenAdviezenMeldingen": "Niet beroepsmatig totaal", "Perioden": "2023JJ00"}
    assert snapshot_cell("84849NED", "GestarteAdviezen_1", RegioS="NL01", **niet) == 63245
    assert snapshot_cell("84849NED", "OntvangenMeldingenRelatief_4", RegioS="NL01", **niet) == 58
    # 84849NED.csv, ID 6990 (Niet beroepsmatig totaal;Amsterdam;2023): OntvangenMeldingen_2 = 270.0.
    assert snapshot_cell("84849NED", "OntvangenMeldingen_2", RegioS="GM0363", **niet) == 270
    # 84849NED.csv, ID 9998 (Niet beroepsmatig totaal;Neder-Betuwe;2023): 80.0;;314.0; (meldingen suppressed).
    assert snapshot_cell("84849NED", "GestarteAdviezen_1", RegioS="GM1740", **niet) == 80
    assert snapshot_cell("84849NED", "OntvangenMeldingen_2", RegioS="GM1740", **niet) is None

    # 84851NED.csv, ID 6478 (Kindermishandeling;Nederland;2023): 75990.0;65750.0;50125.0 ... _6 = 427.0.
    km = {"KenmerkenAdviezenMeldingenDiensten": "Kindermishandeling", "Perioden": "2023JJ00"}
    assert snapshot_cell("84851NED", "GestarteAdviezen_1", RegioS="NL01", **km) == 75990
    assert snapshot_cell("84851NED", "OntvangenMeldingen_2", RegioS="NL01", **km) == 65750
    assert snapshot_cell("84851NED", "GestarteAdviezen_6", RegioS="NL01", **km) == 427
    # 84851NED.csv, ID 6990 (Kindermishandeling;Amsterdam;2023): OntvangenMeldingen_2 = 4080.0.
    assert snapshot_cell("84851NED", "OntvangenMeldingen_2", RegioS="GM0363", **km) == 4080
    # 84851NED.csv, ID 9998 (Kindermishandeling;Neder-Betuwe;2023): AfgerondeDienstenOnderzoek_4 empty, _5 = 10.0.
    assert snapshot_cell("84851NED", "AfgerondeDienstenOnderzoek_4", RegioS="GM1740", **km) is None
    assert snapshot_cell("84851NED", "AfgerondeDienstenVoorwaardenEnVerv_5", RegioS="GM1740", **km) == 10


def gemeenten(frame: pl.DataFrame) -> set[str]:
    return set(frame.filter(pl.col("RegioS").str.starts_with("GM"))["RegioS"])


def test_veilig_thuis_regions_without_code_are_dropped_and_documented():
    for table_id, rows in (("85361NED", 189), ("84849NED", 432), ("84851NED", 432)):
        meta = metadata(table_id)
        assert f"Dropped {rows} rows of 27 Veilig Thuis-regio's (VT)" in meta["row_filters"][0]
        keys = dimensions(table_id).filter(pl.col("dimension") == "RegioS")["key"]
        assert keys.str.contains(r"^(NL01|LD\d{2}|PV\d{2}|GM\d{4})$").all()
    assert metadata("85361NED")["truncation"] == {
        "truncated": False, "note": "Complete: fewer than 10,000 rows in the source.", "regions_cut": False}


@pytest.mark.parametrize("table_id,dim,second", [
    ("84851NED", "KenmerkenAdviezenMeldingenDiensten", "Kindermishandeling"),
    ("84849NED", "KenmerkenAdviezenMeldingen", "Niet beroepsmatig totaal"),
])
def test_veilig_thuis_truncation_is_documented_where_the_export_stopped(table_id, dim, second):
    truncation = metadata(table_id)["truncation"]
    assert truncation["truncated"] is True and truncation["regions_cut"] is True
    assert f"Partial: '{second}'" in truncation["note"]
    assert "up to and including Neder-Betuwe" in truncation["note"]
    assert "156 gemeenten after Neder-Betuwe" in truncation["note"]
    data = pl.read_parquet(SNAPSHOT_DIR / table_id / "data.parquet")
    total = data.filter(pl.col(dim) == "Totaal")
    cut = data.filter(pl.col(dim) == second)
    # The Totaal slice is complete (360 gemeenten x 16 periods); the second slice stops after Neder-Betuwe.
    assert len(gemeenten(total)) == 360 and total.height == (1 + 4 + 12 + 360) * 16
    assert len(gemeenten(cut)) == 204 and cut.height == (1 + 4 + 12 + 204) * 16
    assert "GM1740" in gemeenten(cut)  # Neder-Betuwe, last gemeente in the export (ID 9999)
    assert not {"GM0946", "GM0599"} & gemeenten(cut)  # Nederweert (first after the cut), Rotterdam
    assert "Neder-Betuwe" in catalog_table(table_id).purpose and "ontbreken" in catalog_table(table_id).purpose
