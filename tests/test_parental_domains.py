"""Issue 13 on real data: the parental domains per gemeente from the gemeentefonds, Veilig Thuis and the
Gezondheidsmonitor tables, each on its own denominator, with its release status and caveat."""

from __future__ import annotations

import polars as pl
import pytest

from kindbelang.registry import load_registry
from kindbelang.settings import SNAPSHOT_DIR

NEW = ["kinderen_laag_inkomen_pct", "ouders_psychische_medicatie_per_1000", "volwassenen_psychische_klachten_pct",
       "adreslozen_per_1000", "veilig_thuis_meldingen_per_1000", "veilig_thuis_adviezen_per_1000",
       "eenouderhuishoudens_pct"]


def cell(table, region, column, **where):
    frame = pl.read_parquet(SNAPSHOT_DIR / table / "data.parquet").filter(pl.col("RegioS") == region)
    for dim, key in where.items():
        frame = frame.filter(pl.col(dim) == key)
    return frame.select(column).item()


def value(con, indicator, region, period):
    return con.execute("SELECT value, numerator, denominator, value_low, value_high, status FROM "
                       "marts.indicator_values WHERE indicator_id = ? AND region_code = ? AND period = ? "
                       "AND boundary_year IS NULL", [indicator, region, period]).fetchone()


def test_sampled_values_equal_the_source_cells(warehouse):
    # Veilig Thuis 2023, Nederland: 127 390 meldingen (84847NED) per 1 000 inhabitants on 1 January 2023.
    meldingen = cell("84847NED", "NL01", "OntvangenMeldingenTotaal_2", Perioden="2023JJ00")
    v, x, n, *_ = value(warehouse, "veilig_thuis_meldingen_per_1000", "NL01", "2023JJ00")
    assert meldingen == x == 127390 and n == 17811291 and v == pytest.approx(x / n * 1000)
    # Children in low-income households, Amsterdam, gemeentefonds 2022 edition: 30 900 of 141 700.
    v, x, n, *_ = value(warehouse, "kinderen_laag_inkomen_pct", "GM0363", "2022JJ00")
    assert (x, n) == (cell("85309NED", "GM0363", "InHuishoudensMetLaagInkomen_21"),
                      cell("85309NED", "GM0363", "TotaalMinderjarigeKinderen_19")) == (30900, 141700)
    assert v == pytest.approx(30900 / 141700 * 100)
    # Parents' psychotropic medication per 1 000 under-18s, Nederland 2022 edition: 157 120 / 3 300 840.
    v, x, n, *_ = value(warehouse, "ouders_psychische_medicatie_per_1000", "NL01", "2022JJ00")
    assert (x, n) == (157120, 3300840) and v == pytest.approx(157120 / 3300840 * 1000)
    # Survey estimate with the source's own interval (Gezondheidsmonitor 2022, Amsterdam).
    v, x, n, low, high, _ = value(warehouse, "volwassenen_psychische_klachten_pct", "GM0363", "2022JJ00")
    margins = {m: cell("85563NED", "GM0363", "PsychischeKlachtenAfgelopen4Weken_3", Leeftijd="Totaal", Marges=m)
               for m in ("Waarde", "Ondergrens 95%-interval", "Bovengrens 95%-interval")}
    assert (v, low, high) == (margins["Waarde"], margins["Ondergrens 95%-interval"],
                              margins["Bovengrens 95%-interval"])
    assert x is None and n is None


def test_release_status_comes_from_statuscijfer_and_is_never_guessed(warehouse):
    statuses = dict(warehouse.execute("""
        SELECT indicator_id, string_agg(DISTINCT status, ',') FROM marts.indicator_values
        WHERE boundary_year IS NULL AND indicator_id IN ('adreslozen_per_1000', 'veilig_thuis_meldingen_per_1000')
        GROUP BY 1""").fetchall())
    assert statuses == {"adreslozen_per_1000": "definitief", "veilig_thuis_meldingen_per_1000": "onbekend"}


def test_a_suppressed_veilig_thuis_cell_stays_empty(warehouse):
    source = pl.read_parquet(SNAPSHOT_DIR / "84847NED" / "data.parquet").filter(
        pl.col("RegioS").str.starts_with("GM") & pl.col("OntvangenMeldingenTotaal_2").is_null()
        & (pl.col("Perioden") == "2023JJ00"))
    assert source.height > 0
    rows = warehouse.execute(
        "SELECT value FROM marts.indicator_values WHERE indicator_id = 'veilig_thuis_meldingen_per_1000' "
        "AND period = '2023JJ00' AND boundary_year IS NULL AND region_code IN (SELECT unnest(?))",
        [source["RegioS"].to_list()]).fetchall()
    assert rows and all(v is None for (v,) in rows)


def test_every_new_indicator_reaches_300_gemeenten_or_says_why_not(warehouse):
    caveats = {ind["id"]: ind.get("caveat", "") for ind in load_registry()}
    for indicator in NEW:
        gemeenten = warehouse.execute(
            "SELECT count(DISTINCT region_code) FROM marts.indicator_values WHERE indicator_id = ? AND "
            "region_level = 'gemeente' AND value IS NOT NULL AND boundary_year IS NULL", [indicator]).fetchone()[0]
        assert gemeenten >= 300 or "gemeenten hebben een cijfer" in caveats[indicator], (indicator, gemeenten)
        # Both boundary views are published.
        harmonised = warehouse.execute("SELECT count(value) FROM marts.indicator_values WHERE indicator_id = ? "
                                       "AND boundary_year IS NOT NULL", [indicator]).fetchone()[0]
        assert harmonised > 0, indicator


def test_association_includes_the_new_parental_domains(warehouse):
    pairs = {r[0] for r in warehouse.execute(
        "SELECT DISTINCT parental_indicator_id FROM marts.association").fetchall()}
    assert {"kinderen_laag_inkomen_pct", "ouders_psychische_medicatie_per_1000",
            "veilig_thuis_meldingen_per_1000", "eenouderhuishoudens_pct"} <= pairs
