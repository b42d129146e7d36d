"""Issue 4 on real data: parental-domain parts, publication figures and the boundary crosswalk."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from kindbelang.confidence import Z95
from kindbelang.registry import load_registry
from kindbelang.settings import SNAPSHOT_DIR

OUDERDOMEINEN = {"schulden_inkomen", "wonen", "ggz_gezondheid", "relaties_scheiding", "justitie"}


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
    cbs = part(warehouse, "echtscheidingen_met_minderjarigen_pct", "NL01", "2012JJ00")[0]
    published = warehouse.execute(
        "SELECT CAST(value AS DOUBLE) FROM raw.publications WHERE source_id = "
        "'cbs_echtscheidingen_met_minderjarigen_via_nji' AND period = '2012' AND unit = 'aantal echtscheidingen'"
    ).fetchone()[0]
    assert cbs == published == 18814


def test_eemsdelta_crosswalk_and_harmonised_sum(warehouse):
    rows = warehouse.execute(
        "SELECT from_code, to_code, weight FROM intermediate.boundary_crosswalk "
        "WHERE from_year = 2020 AND from_code IN ('GM0003', 'GM0010', 'GM0024')").fetchall()
    assert sorted(rows) == [("GM0003", "GM1979", 1.0), ("GM0010", "GM1979", 1.0), ("GM0024", "GM1979", 1.0)]
    harmonised, parts = warehouse.execute("""
        SELECT sum(p.numerator * x.weight), (SELECT sum(numerator) FROM marts.indicator_parts
            WHERE indicator_id = 'jeugdzorg_aantal' AND period_key = '2020JJ00'
              AND region_code IN ('GM0003', 'GM0010', 'GM0024'))
        FROM marts.indicator_parts AS p
        JOIN intermediate.boundary_crosswalk AS x ON x.from_year = p.year AND x.from_code = p.region_code
        WHERE p.indicator_id = 'jeugdzorg_aantal' AND p.period_key = '2020JJ00' AND x.to_code = 'GM1979'
    """).fetchone()
    assert harmonised == parts and parts > 0


def test_every_gemeente_of_the_boundary_year_is_reached_from_every_year(warehouse):
    missing = warehouse.execute("""
        SELECT y.from_year, m.gemeente_code
        FROM (SELECT DISTINCT from_year, to_boundary_year FROM intermediate.boundary_crosswalk) AS y
        JOIN staging.gemeente_memberships AS m ON m.boundary_year = y.to_boundary_year
        ANTI JOIN intermediate.boundary_crosswalk AS x
            ON x.from_year = y.from_year AND x.to_code = m.gemeente_code
    """).fetchall()
    assert missing == []
    weights = warehouse.execute(
        "SELECT max(abs(total - 1)) FROM (SELECT sum(weight) AS total FROM intermediate.boundary_crosswalk "
        "GROUP BY from_year, from_code)").fetchone()[0]
    assert weights < 1e-9


def test_registry_entries_all_resolve_to_data_or_an_explicit_gap(warehouse):
    assert not (Path(__file__).resolve().parents[1] / "pipelines" / "kindbelang" / "indicators_ouderdomeinen.yaml").exists()
    with_values = dict(warehouse.execute(
        "SELECT indicator_id, count(value) FROM marts.indicator_values WHERE boundary_year IS NULL GROUP BY ALL"
    ).fetchall())
    for ind in load_registry():
        if ind["status"] == "gap":
            assert not ind.get("sources") and ind.get("caveat"), ind["id"]
            assert ind["id"] not in with_values, ind["id"]
        else:
            assert with_values.get(ind["id"], 0) > 0, ind["id"]


def test_all_five_ouderdomeinen_are_in_marts_indicators(warehouse):
    rows = warehouse.execute(
        "SELECT ouderdomein, list(DISTINCT status) FROM marts.indicators WHERE ouderdomein IS NOT NULL GROUP BY ALL"
    ).fetchall()
    assert {d for d, _ in rows} == OUDERDOMEINEN
    assert all(set(statuses) <= {"available", "proxy", "gap"} for _, statuses in rows)
    statuses = {s for _, st in rows for s in st}
    assert statuses == {"available", "proxy", "gap"}
    # The blind spots the RVS names are explicit gaps.
    gaps = {i for (i,) in warehouse.execute("SELECT indicator_id FROM marts.indicators WHERE status = 'gap'").fetchall()}
    assert {"kindcheck_volwassenen_ggz", "kindbelang_schuldincasso", "kindbelang_woningtoewijzing",
            "kinderen_opvang_gemeente"} <= gaps


def test_publication_figures_keep_number_wording_and_url(warehouse):
    row = warehouse.execute(
        "SELECT value, published_wording, source_url, source_kind, period_label FROM marts.indicator_values "
        "WHERE indicator_id = 'kinderen_problematische_schulden_nl' AND boundary_year IS NULL").fetchall()
    assert row == [(485000.0, "bijna 485.000", "https://www.raadrvs.nl", "publicatie", "circa 2023")]
    bijstand = warehouse.execute(
        "SELECT value FROM marts.indicator_values WHERE indicator_id = 'kinderen_bijstand_nl' AND period = '2022-12-31'"
        " AND boundary_year IS NULL").fetchall()
    assert bijstand == [(186.4,)]


def test_national_ratios_equal_the_published_figures(warehouse):
    pubs = warehouse.sql("SELECT * FROM raw.publications WHERE source_id = 'rvs2023_kinderen_uit_de_knel'").pl()

    def published(indicator, group):
        return pubs.filter((pl.col("indicator") == indicator) & (pl.col("group") == group))["value"].item()

    linkage = warehouse.sql("SELECT * FROM marts.linkage_national").pl()

    def row(ouderdomein, group, measure_part):
        hit = linkage.filter((pl.col("ouderdomein") == ouderdomein) & (pl.col("youth_care_group") == group)
                             & pl.col("measure").str.contains(measure_part, literal=True))
        assert hit.height == 1, (ouderdomein, group, measure_part, hit)
        return hit.row(0, named=True)

    # Published ratio with its range and wording: divorce 'anderhalf tot twee keer zo veel'.
    scheiding = row("relaties_scheiding", "Jeugdhulp", "gescheiden")
    assert published("Verhouding aandeel gescheiden ouders jeugdhulp t.o.v. zonder jeugdhulp", "Jeugdhulp") == "1.5-2"
    assert (scheiding["ratio_low"], scheiding["ratio_high"], scheiding["published_ratio"]) == (1.5, 2.0, "1.5-2")
    assert scheiding["ratio_source"] == "gepubliceerd" and "anderhalf" in scheiding["published_wording"]
    assert scheiding["published_share_youth_care"] == "47-62"
    # 'ruim twee keer': the number and the qualifier side by side.
    ggz = row("ggz_gezondheid", "Jeugdhulp", "een ouder specialistische ggz")
    assert ggz["published_ratio"] == "ruim 2" and ggz["ratio_low"] == 2.0 and "ruim" in ggz["published_wording"]
    # Computed ratio from two published shares: benefits 35% (residential/justice) against 9% (no youth care).
    uitkering = row("schulden_inkomen", "Jeugdhulp met verblijf of jeugdreclassering", "uitkering")
    share = float(published("Kinderen die opgroeien in een gezin met een uitkering",
                            "Jeugdhulp met verblijf of jeugdreclassering"))
    reference = float(published("Kinderen die opgroeien in een gezin met een uitkering", "Geen jeugdhulp"))
    assert (share, reference) == (35.0, 9.0)
    assert uitkering["ratio_low"] == pytest.approx(share / reference)
    assert uitkering["ratio_source"] == "berekend"
    assert linkage["caveat"].is_not_null().all() and linkage["source_url"].is_not_null().all()


def test_monitor_signal_follows_the_documented_rule(warehouse):
    monitor = warehouse.sql("SELECT * FROM marts.monitor").pl()
    # The rule (README, Signalen), recomputed on every row.
    for r in monitor.iter_rows(named=True):
        worse = r["change"] is not None and (r["change"] > 0) == (r["direction"] == "lower_is_better")
        threshold = 0.05 * abs(r["previous_value"]) if r["previous_value"] is not None else None
        if r["signal_basis"] == "toets op aantallen":
            evidence = r["z_unfavourable"] is not None and r["z_unfavourable"] > 3.090232
        else:
            evidence = (not r["small_number"] and r["change_beyond_rounding"] is not None
                        and r["change_beyond_rounding"] > threshold)
        expected = (r["change"] is not None and r["direction"] != "neutral" and worse
                    and r["exists_in_latest_boundaries"] and not r["published_above_100"]
                    and abs(r["change"]) >= threshold and evidence)
        assert r["signal"] == expected, r
    # A real example: youth care in Nederland, 2023 against 2022, from the published values.
    nl = monitor.filter((pl.col("indicator_id") == "jeugdzorg_aantal") & (pl.col("region_code") == "NL01")
                        & (pl.col("period_type") == "jaar")).row(0, named=True)
    now, before = (warehouse.execute(
        "SELECT value FROM marts.indicator_values WHERE indicator_id = 'jeugdzorg_aantal' AND region_code = 'NL01' "
        "AND period = ? AND boundary_year IS NULL", [p]).fetchone()[0] for p in ("2023JJ00", "2022JJ00"))
    assert (nl["latest_period"], nl["previous_period"]) == ("2023JJ00", "2022JJ00")
    assert nl["value"] == now and nl["change"] == now - before
    assert nl["signal_basis"] == "verandering groter dan afronding"
    assert nl["signal"] == ((now - 2.5) - (before + 2.5) > 0.05 * before)
    # Without counts, small gemeenten never signal; dissolved gemeenten never signal at all.
    assert monitor.filter(pl.col("small_number") & pl.col("signal")
                          & (pl.col("signal_basis") != "toets op aantallen")).height == 0
    assert monitor.filter(~pl.col("exists_in_latest_boundaries") & pl.col("signal")).height == 0
    assert monitor.filter(pl.col("signal")).height > 0
    # Trend = least-squares slope per year over the whole yearly series.
    series = warehouse.execute(
        "SELECT year, value FROM marts.indicator_values WHERE indicator_id = 'verdachten_per_1000' "
        "AND region_code = 'NL01' AND boundary_year IS NULL ORDER BY year").fetchall()
    xs, ys = zip(*series)
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in series) / sum((x - mx) ** 2 for x in xs)
    trend = monitor.filter((pl.col("indicator_id") == "verdachten_per_1000") & (pl.col("region_code") == "NL01"))
    assert trend["trend_per_year"].item() == pytest.approx(slope)


@pytest.fixture(scope="module")
def scratch_warehouse(pipeline_run, tmp_path_factory):
    """A writable copy of the good run's warehouse, to show what the marts.indicator_values suites accept."""
    import shutil

    import duckdb

    out, result = pipeline_run
    assert result.success
    path = tmp_path_factory.mktemp("suites") / "kindbelang.duckdb"
    shutil.copy2(out / "kindbelang.duckdb", path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


def suite_failures(con, name):
    """(severity, meta.rule) of each failed expectation of expectations/marts/indicator_values.yaml, which also
    holds the coverage rules that were the suite marts_indicator_values_coverage."""
    import dagster as dg

    from kindbelang.quality import load_suites, run_suite

    suite = next(s for s in load_suites() if s.name == "marts_indicator_values")
    report = run_suite(suite, dg.AssetKey(["marts", "indicator_values"]), con, None)
    return {(f["severity"], f["rule"]) for f in report["failures"]}


def test_indicator_value_suites_are_strict_where_the_source_allows_it(scratch_warehouse):
    con = scratch_warehouse
    assert suite_failures(con, "marts_indicator_values") == set()
    assert suite_failures(con, "marts_indicator_values_coverage") == set()
    con.execute("CREATE TEMP TABLE saved AS SELECT * FROM marts.indicator_values")

    def change(sql):
        con.execute("DELETE FROM marts.indicator_values")
        con.execute("INSERT INTO marts.indicator_values SELECT * FROM saved")
        con.execute(sql)

    own = "boundary_year IS NULL AND region_code = 'GM0363'"
    # 105% is wrong for an ordinary percentage; up to 120 is allowed only for jeugdbescherming_verblijf_pct.
    change(f"UPDATE marts.indicator_values SET value = 105 WHERE indicator_id = 'jeugdhulp_pct' AND {own}")
    assert ("critical", "percentage") in suite_failures(con, "marts_indicator_values")
    # (As in the real 2016 cells, the numerator derived from a rounded 111% exceeds its denominator: no interval.)
    change("UPDATE marts.indicator_values SET value = 111, numerator = denominator * 1.11, value_low = NULL, "
           f"value_high = NULL WHERE indicator_id = 'jeugdbescherming_verblijf_pct' AND {own}")
    assert suite_failures(con, "marts_indicator_values") == set()
    # A value outside its own interval: numerator, denominator and value contradict each other.
    change(f"UPDATE marts.indicator_values SET value = value_high + 0.5 WHERE indicator_id = 'zorgpremie_achterstand_pct' "
           f"AND {own} AND period = '2023JJ00'")
    assert suite_failures(con, "marts_indicator_values") == {("critical", "value_outside_interval")}
    # A free-text period is a publication's; on a CBS row it is an unreadable period.
    change(f"UPDATE marts.indicator_values SET period = 'circa 2023' WHERE indicator_id = 'jeugdhulp_pct' "
           f"AND {own} AND period = '2023JJ00'")
    assert ("critical", "cbs_period") in suite_failures(con, "marts_indicator_values")
    # Multiples of 5 are required of CBS youth-care counts only, not of other counts.
    change(f"UPDATE marts.indicator_values SET value = value + 1 WHERE indicator_id = 'jeugdzorg_aantal' AND {own}")
    assert ("critical", "count_not_multiple_of_5") in suite_failures(con, "marts_indicator_values")
    change("UPDATE marts.indicator_values SET value = value + 1 WHERE indicator_id = 'kinderen_bij_echtscheiding'")
    assert suite_failures(con, "marts_indicator_values") == set()
    # A gemeente the source table lists but the figures lack blocks, in a complete or a truncated table.
    change(f"DELETE FROM marts.indicator_values WHERE indicator_id = 'verdachten_per_1000' AND {own}")
    assert suite_failures(con, "marts_indicator_values_coverage") == {("critical", "missing_gemeente")}
    change("DELETE FROM marts.indicator_values WHERE indicator_id = 'wsnp_per_1000' AND region_code = 'GM0014' "
           "AND boundary_year IS NULL")
    assert suite_failures(con, "marts_indicator_values_coverage") == {("critical", "missing_gemeente")}
    # A gemeente the source table does not list warns, unless its metadata documents that the snapshot cut whole
    # gemeenten (truncation.regions_cut): per year of the wijken series, 2023 (85685NED) was cut, 2024 was not.
    household = "indicator_id = 'jeugdzorg_eenouderhuishouden_pct' AND boundary_year IS NULL AND region_code = 'GM0014'"
    # (raw.cbs_dimensions, which the suite reads, is a view over each table's own dimension rows.)
    con.execute("CREATE TEMP TABLE saved_dimensions AS SELECT * FROM raw.cbs_85685ned_dimensions WHERE key = 'GM0014' "
                "UNION ALL SELECT * FROM raw.cbs_85990ned_dimensions WHERE key = 'GM0014'")
    try:
        change(f"DELETE FROM marts.indicator_values WHERE {household} AND period = '2023JJ00'; "
               "DELETE FROM raw.cbs_85685ned_dimensions WHERE key = 'GM0014'")
        assert suite_failures(con, "marts_indicator_values_coverage") == set()
        change(f"DELETE FROM marts.indicator_values WHERE {household} AND period = '2024HJ01'; "
               "DELETE FROM raw.cbs_85990ned_dimensions WHERE key = 'GM0014'")
        assert suite_failures(con, "marts_indicator_values_coverage") == {("warning", "gemeente_not_in_source")}
    finally:
        for table in ("85685ned", "85990ned"):
            con.execute(f"INSERT INTO raw.cbs_{table}_dimensions SELECT * FROM saved_dimensions "
                        f"WHERE table_id = '{table.upper()}'")
    # A registry indicator without values blocks.
    change("DELETE FROM marts.indicator_values WHERE indicator_id = 'kinderen_opvang_nl'")
    assert ("critical", "indicator_without_values") in suite_failures(con, "marts_indicator_values_coverage")


def test_rates_carry_their_wilson_interval(warehouse):
    """value_low/value_high of a rate: the Wilson 95% interval of the extreme shares CBS's rounding allows (the
    published 0.1 decimal +/- 0.05) on the denominator; small gemeenten get wide intervals, Nederland a narrow one;
    counts get their rounding range, publication figures none."""
    z = Z95

    def wilson(p, n, sign):
        centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return 100 * (centre + sign * half) / (1 + z * z / n)

    n_rows = 0
    for value, low, high, n in warehouse.execute("""
        SELECT value, value_low, value_high, denominator FROM marts.indicator_values
        WHERE indicator_id = 'jeugdhulp_pct' AND period = '2023JJ00' AND boundary_year IS NULL
          AND region_code IN ('GM0088', 'GM0363', 'NL01')
    """).fetchall():
        assert low == pytest.approx(wilson((value - 0.05) / 100, n, -1))
        assert high == pytest.approx(wilson((value + 0.05) / 100, n, +1))
        assert low <= value - 0.05 and value + 0.05 <= high
        n_rows += 1
    assert n_rows == 3
    widths = dict(warehouse.execute("""
        SELECT region_code, value_high - value_low FROM marts.indicator_values
        WHERE indicator_id = 'jeugdhulp_pct' AND period = '2023JJ00' AND boundary_year IS NULL
          AND region_code IN ('GM0088', 'GM0363', 'NL01')
    """).fetchall())
    assert widths["GM0088"] > 10 * widths["GM0363"] > widths["NL01"]      # Schiermonnikoog, Amsterdam, NL
    (with_interval,) = warehouse.execute("""
        SELECT count(*) FROM marts.indicator_values WHERE value_low IS NOT NULL AND source_kind = 'publicatie'
    """).fetchone()
    assert with_interval == 0
    # A CBS count rounded to fives: the true count lies within 2.5 of it.
    count = warehouse.execute("""
        SELECT value, value_low, value_high FROM marts.indicator_values WHERE indicator_id = 'jeugdzorg_aantal'
          AND region_code = 'NL01' AND period = '2023JJ00' AND boundary_year IS NULL""").fetchone()
    assert (count[1], count[2]) == (count[0] - 2.5, count[0] + 2.5)
