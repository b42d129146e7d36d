"""Issue 4 on real data: parental-domain parts, publication figures and the boundary crosswalk."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from kindbelang.registry import load_registry
from kindbelang.settings import SNAPSHOT_DIR

PENDING = Path(__file__).resolve().parents[1] / "pipelines" / "kindbelang" / "indicators_ouderdomeinen.yaml"


def part(warehouse, indicator, region, period):
    rows = warehouse.execute(
        "SELECT numerator, denominator, value FROM marts.indicator_parts "
        "WHERE indicator_id = ? AND region_code = ? AND period_key = ?", [indicator, region, period]).fetchall()
    assert len(rows) == 1, (indicator, region, period, rows)
    return rows[0]


def test_sampled_values_equal_the_source_cells(warehouse):
    source = pl.read_parquet(SNAPSHOT_DIR / "81064NED" / "data.parquet").filter(
        (pl.col("RegioS") == "GM0363") & (pl.col("Perioden") == "2022JJ00")).row(0, named=True)
    numerator, _, value = part(warehouse, "zorgpremie_achterstand_pct", "GM0363", "2022JJ00")
    assert numerator == source["PersonenMetEenBetalingsachterstand_1"]
    assert value == pytest.approx(source["PersMetBetalingsachterstandRelatief_2"])
    assert part(warehouse, "zorgpremie_achterstand_pct", "NL01", "2010JJ00")[0] == 244210


def test_rates_are_recomputed_from_their_parts(warehouse):
    numerator, denominator, value = part(warehouse, "verdachten_per_1000", "GM0363", "2021JJ00")
    inhabitants = warehouse.execute(
        "SELECT inhabitants FROM staging.gemeente_memberships WHERE boundary_year = 2021 AND gemeente_code = 'GM0363'"
    ).fetchone()[0]
    assert denominator == inhabitants
    assert value == pytest.approx(numerator / denominator * 1000)


def test_suppressed_numerator_gives_no_rate(warehouse):
    source = pl.read_parquet(SNAPSHOT_DIR / "85098NED" / "data.parquet").filter(
        pl.col("RegioS").str.starts_with("GM") & pl.col("JongerenMetJeugdreclassering_5").is_null()
        & (pl.col("Perioden") == "2023JJ00"))
    codes = source["RegioS"].to_list()
    rows = warehouse.execute(
        "SELECT numerator, value FROM marts.indicator_parts WHERE indicator_id = 'jeugdreclassering_pct' "
        "AND period_key = '2023JJ00' AND region_code IN (SELECT unnest(?))", [codes]).fetchall()
    assert rows and all(n is None and v is None for n, v in rows)


def test_national_divorces_equal_the_published_nji_series(warehouse):
    cbs = part(warehouse, "echtscheidingen_met_minderjarigen", "NL01", "2012JJ00")[2]
    published = warehouse.execute(
        "SELECT CAST(value AS DOUBLE) FROM raw.publications WHERE source_id = "
        "'cbs_echtscheidingen_met_minderjarigen_via_nji' AND period = '2012' AND unit = 'aantal echtscheidingen'"
    ).fetchone()[0]
    assert cbs == published == 18814


def test_eemsdelta_crosswalk_and_harmonised_sum(warehouse):
    rows = warehouse.execute(
        "SELECT source_code, target_code, weight FROM staging.boundary_crosswalk "
        "WHERE source_year = 2020 AND source_code IN ('GM0003', 'GM0010', 'GM0024')").fetchall()
    assert sorted(rows) == [("GM0003", "GM1979", 1.0), ("GM0010", "GM1979", 1.0), ("GM0024", "GM1979", 1.0)]
    harmonised, parts = warehouse.execute("""
        SELECT sum(p.numerator * x.weight), (SELECT sum(numerator) FROM marts.indicator_parts
            WHERE indicator_id = 'jeugdzorg_aantal' AND period_key = '2020JJ00'
              AND region_code IN ('GM0003', 'GM0010', 'GM0024'))
        FROM marts.indicator_parts AS p
        JOIN staging.boundary_crosswalk AS x ON x.source_year = p.year AND x.source_code = p.region_code
        WHERE p.indicator_id = 'jeugdzorg_aantal' AND p.period_key = '2020JJ00' AND x.target_code = 'GM1979'
    """).fetchone()
    assert harmonised == parts and parts > 0


def test_every_gemeente_of_the_boundary_year_is_reached_from_every_year(warehouse):
    missing = warehouse.execute("""
        SELECT y.source_year, m.gemeente_code
        FROM (SELECT DISTINCT source_year, boundary_year FROM staging.boundary_crosswalk) AS y
        JOIN staging.gemeente_memberships AS m ON m.boundary_year = y.boundary_year
        ANTI JOIN staging.boundary_crosswalk AS x
            ON x.source_year = y.source_year AND x.target_code = m.gemeente_code
    """).fetchall()
    assert missing == []
    weights = warehouse.execute(
        "SELECT max(abs(total - 1)) FROM (SELECT sum(weight) AS total FROM staging.boundary_crosswalk "
        "GROUP BY source_year, source_code)").fetchone()[0]
    assert weights < 1e-9


def test_pending_registry_entries_resolve_to_data_or_an_explicit_gap(warehouse):
    for ind in load_registry(PENDING):
        if ind["status"] == "gap":
            assert not ind.get("sources") and ind.get("gap_note"), ind["id"]
            continue
        tables = [s for s in ind["sources"] if "table" in s]
        pubs = [s for s in ind["sources"] if "publication" in s]
        if tables:
            n = warehouse.execute("SELECT count(value) FROM marts.indicator_parts WHERE indicator_id = ?",
                                  [ind["id"]]).fetchone()[0]
        else:
            n = warehouse.execute("SELECT count(*) FROM raw.publications WHERE source_id = ? AND indicator = ?",
                                  [pubs[0]["publication"], pubs[0]["indicator"]]).fetchone()[0]
        assert n > 0, ind["id"]
    domains = {ind.get("ouderdomein") for ind in load_registry(PENDING)}
    assert domains == {"schulden_inkomen", "wonen", "ggz_gezondheid", "relaties_scheiding", "justitie"}
