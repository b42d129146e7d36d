"""Household-position linkage on real data: the CBS jeugdzorg wijken tables, one per year (2015-2024).

Expected cells are copied by hand from the source exports (cbs-candidates/dertje__cbs_datasets/
jeugdzorg_wijken/<ID>.csv), so a mistake in the importer or in SQL cannot hide behind itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kindbelang.confidence import Z998

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot"
WIJKEN_TABLES = ["82964NED", "83563NED", "83782NED", "84316NED", "84615NED", "84856NED",
                 "85075NED", "85335NED", "85685NED", "85990NED"]


def row(warehouse, region_code, period_key):
    cursor = warehouse.execute(
        "SELECT * FROM marts.household_position WHERE region_code = ? AND period_key = ?", [region_code, period_key])
    names = [d[0] for d in cursor.description]
    found = cursor.fetchall()
    assert len(found) == 1, (region_code, period_key, found)
    return dict(zip(names, found[0]))


def metadata(table_id):
    return json.loads((SNAPSHOT / table_id / "metadata.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("region_code, period_key, total, one_parent, couple, other", [
    ("NL01", "2024HJ01", 398485, 110015, 256910, 31565),      # 85990NED, row 0
    ("GM1680", "2024HJ01", 505, 75, 390, 45),                 # Aa en Hunze
    ("WK168000", "2024HJ01", 70, None, 60, None),             # Wijk 00 Annen: suppressed cells stay empty
    ("NL01", "2023HJ01", 411200, 112950, 265475, 32775),      # 85685NED, row 0
])
def test_cells_equal_the_source(warehouse, region_code, period_key, total, one_parent, couple, other):
    r = row(warehouse, region_code, period_key)
    assert (r["youth_with_youth_care"], r["one_parent"], r["couple"], r["other_household"]) == (
        total, one_parent, couple, other)


def test_share_is_one_parent_over_all_youth_with_youth_care(warehouse):
    r = row(warehouse, "GM1680", "2024HJ01")
    assert r["one_parent_share"] == pytest.approx(75 / 505 * 100)   # 14.9
    assert r["one_parent_share_low"] < r["one_parent_share"] < r["one_parent_share_high"]
    assert r["national_share"] == pytest.approx(110015 / 398485 * 100)   # 27.6
    # The whole interval lies below the national share.
    assert r["one_parent_share_high"] < r["national_share"] and r["compared_with_national"] == "lager dan landelijk"
    annen = row(warehouse, "WK168000", "2024HJ01")   # suppressed one-parent count: no share, no interval
    assert (annen["one_parent_share"], annen["one_parent_share_low"], annen["one_parent_share_high"]) == (None,) * 3


def test_positions_add_up_to_the_total_within_cbs_rounding(warehouse):
    worst = warehouse.execute("""
        SELECT max(abs(one_parent + couple + other_household - youth_with_youth_care))
        FROM marts.household_position WHERE one_parent IS NOT NULL AND couple IS NOT NULL AND other_household IS NOT NULL
    """).fetchone()[0]
    assert worst <= 10   # three counts, each rounded to a multiple of 5


def test_signals_only_where_the_interval_excludes_the_comparison(warehouse):
    wrong = warehouse.execute("""
        SELECT count(*) FROM marts.household_position
        WHERE (compared_with_national = 'hoger dan landelijk' AND one_parent_share_low <= national_share)
           OR (compared_with_national = 'lager dan landelijk' AND one_parent_share_high >= national_share)
           OR (compared_with_gemeente LIKE 'hoger%' AND one_parent_share_low <= gemeente_share)
           OR (compared_with_gemeente IS NOT NULL AND region_level <> 'wijk')
    """).fetchone()[0]
    assert wrong == 0
    # Outside the 99.8% Wilson interval is the same as the score test rejecting the national share.
    disagree = warehouse.execute("""
        SELECT count(*) FROM marts.household_position
        WHERE region_level = 'gemeente' AND one_parent_share IS NOT NULL
          AND (abs(one_parent_share - national_share) / 100
               > ? * sqrt(national_share / 100 * (1 - national_share / 100) / youth_with_youth_care))
              <> (compared_with_national <> 'niet te onderscheiden van landelijk')
    """, [Z998]).fetchone()[0]
    assert disagree == 0
    flagged, small = warehouse.execute("""
        SELECT count(*) FILTER (WHERE compared_with_national <> 'niet te onderscheiden van landelijk'),
               count(*) FILTER (WHERE compared_with_national <> 'niet te onderscheiden van landelijk' AND small_numbers)
        FROM marts.household_position WHERE region_level = 'wijk' AND period_key = '2023JJ00'
    """).fetchone()
    assert flagged > 0 and small < flagged / 10   # wide intervals keep small wijken from being flagged for noise


def test_the_gemeente_cut_off_by_the_export_is_left_out_entirely(warehouse):
    # 85685NED (2023) stops inside Waadhoeke (GM1949): neither it nor any of its wijken is published.
    assert metadata("85685NED")["truncation"]["regions_cut"] is True
    assert "Waadhoeke (GM1949)" in metadata("85685NED")["truncation"]["note"]
    count = warehouse.execute("""
        SELECT count(*) FROM marts.household_position
        WHERE period_key LIKE '2023%' AND (region_code = 'GM1949' OR region_code LIKE 'WK1949%')
    """).fetchone()[0]
    assert count == 0
    # 2024 (85990NED) holds the whole first slice, Waadhoeke included.
    assert metadata("85990NED")["truncation"]["regions_cut"] is False
    assert row(warehouse, "GM1949", "2024HJ01")["youth_with_youth_care"] is not None


def test_every_wijk_belongs_to_a_gemeente_of_the_same_table(warehouse):
    orphans = warehouse.execute("""
        SELECT count(*) FROM marts.household_position AS w
        WHERE w.region_level = 'wijk' AND NOT EXISTS (
            SELECT 1 FROM marts.household_position AS g
            WHERE g.region_code = w.gemeente_code AND g.source_table = w.source_table AND g.period_key = w.period_key)
    """).fetchone()[0]
    assert orphans == 0


def test_one_source_table_per_year(warehouse):
    tables = warehouse.execute(
        "SELECT year, list(DISTINCT source_table) FROM marts.household_position GROUP BY year ORDER BY year").fetchall()
    assert [t[0] for t in tables] == list(range(2015, 2025))
    assert [t[1] for t in tables] == [[tid] for tid in WIJKEN_TABLES]


def test_harmonised_eemsdelta_share_is_recomputed_from_its_parts(warehouse):
    parts = warehouse.execute("""
        SELECT sum(one_parent), sum(youth_with_youth_care), count(one_parent)
        FROM marts.household_position
        WHERE period_key = '2020JJ00' AND region_code IN ('GM0003', 'GM0010', 'GM0024')
    """).fetchone()
    assert parts[2] == 3
    value = warehouse.execute("""
        SELECT value FROM marts.indicator_values
        WHERE indicator_id = 'jeugdzorg_eenouderhuishouden_pct' AND region_code = 'GM1979'
          AND period = '2020JJ00' AND boundary_year IS NOT NULL
    """).fetchone()[0]
    assert value == pytest.approx(parts[0] / parts[1] * 100)


def test_indicator_values_match_the_linkage_mart(warehouse):
    mismatches = warehouse.execute("""
        SELECT count(*) FROM marts.indicator_values AS v
        JOIN marts.household_position AS h ON h.region_code = v.region_code AND h.period_key = v.period
        WHERE v.indicator_id = 'jeugdzorg_eenouderhuishouden_pct' AND v.boundary_year IS NULL
          AND (abs(v.value - h.one_parent_share) > 1e-9 OR (v.value IS NULL) <> (h.one_parent_share IS NULL) OR v.source_table <> h.source_table)
    """).fetchone()[0]
    assert mismatches == 0


# Over-representation, computed by hand from the two source exports (cbs-candidates/dertje__cbs_datasets/):
# jeugdzorg_wijken/<wijken table>.csv, row "Totaal alle jeugdzorg in natura;<gemeente>;<year>" (columns
# ThuiswonendKindInEenouderhuishouden / ...BijEenPaar), and gemeentefonds/<edition>.csv, row of the gemeente
# (one-parent households Totaal_19 / Totaal_21, households with children Totaal_15 / Totaal_17).
@pytest.mark.parametrize("gemeente, period_key, one_parent, couple, one_parent_households, households_with_children", [
    ("GM0344", "2018JJ00", 3235, 7475, 9681, 46189),      # Utrecht: 84316NED row 'Utrecht;2018'; 83997NED 'Utrecht (gemeente)'
    ("GM0014", "2018JJ00", 1665, 2095, 6778, 21628),      # Groningen: 84316NED; 83997NED 'Groningen (gemeente)'
    ("GM0363", "2018JJ00", 8180, 9855, 40095, 112598),    # Amsterdam: 84316NED row 491; 83997NED row 16
    ("GM0363", "2016JJ00", 7450, 10845, 39974, 110941),   # Amsterdam: 83563NED 'Totaal jeugdzorg'; 83440NED
])
def test_overrepresentation_equals_a_hand_computation(warehouse, gemeente, period_key, one_parent, couple,
                                                      one_parent_households, households_with_children):
    r = row(warehouse, gemeente, period_key)
    youth_share = one_parent / (one_parent + couple) * 100
    base_share = one_parent_households / households_with_children * 100
    assert r["one_parent_share_at_home"] == pytest.approx(youth_share)
    assert r["one_parent_households_share"] == pytest.approx(base_share)
    assert r["overrepresentation_ratio"] == pytest.approx(youth_share / base_share)
    assert r["overrepresentation_low"] < r["overrepresentation_ratio"] < r["overrepresentation_high"]
    # Rounding to fives widens the interval beyond the sampling interval at the rounded counts.
    n = one_parent + couple
    assert r["overrepresentation_high"] - r["overrepresentation_low"] > 2 * Z998 * (
        (youth_share / 100 * (1 - youth_share / 100) / n) ** 0.5 * 100 / base_share) * 0.99


def test_overrepresentation_is_flagged_only_when_its_interval_excludes_one(warehouse):
    counts = dict(warehouse.execute("""
        SELECT overrepresentation, count(*) FROM marts.household_position
        WHERE overrepresentation IS NOT NULL GROUP BY ALL
    """).fetchall())
    assert counts.get("oververtegenwoordigd", 0) > 0 and counts.get("niet te onderscheiden", 0) > 0
    wrong = warehouse.execute("""
        SELECT count(*) FROM marts.household_position
        WHERE (overrepresentation = 'oververtegenwoordigd') <> (overrepresentation_low > 1)
           OR (overrepresentation = 'ondervertegenwoordigd') <> (overrepresentation_high < 1)
    """).fetchone()[0]
    assert wrong == 0
    years = {y for (y,) in warehouse.execute(
        "SELECT DISTINCT year FROM marts.household_position WHERE overrepresentation_ratio IS NOT NULL").fetchall()}
    assert years == {2016, 2017, 2018}   # the only editions with one-parent households and households with children
    assert warehouse.execute("""
        SELECT count(*) FROM marts.household_position
        WHERE region_level = 'wijk' AND overrepresentation_ratio IS NOT NULL""").fetchone()[0] == 0


def test_the_population_base_replaces_the_former_gap(warehouse):
    status = dict(warehouse.execute(
        "SELECT indicator_id, status FROM marts.indicators WHERE indicator_id LIKE '%eenouder%'").fetchall())
    assert "kinderen_eenouderhuishouden_gemeente" not in status
    assert status["eenouderhuishoudens_pct"] == "proxy"
    nl = warehouse.execute("""
        SELECT value, numerator, denominator, source_table FROM marts.indicator_parts
        WHERE indicator_id = 'eenouderhuishoudens_pct' AND region_code = 'NL01' AND year = 2018""").fetchone()
    assert nl == (pytest.approx(562124 / 2585656 * 100), 562124, 2585656, "83997NED")
    n_gemeenten = warehouse.execute("""
        SELECT min(n) FROM (SELECT year, count(*) AS n FROM marts.indicator_parts
        WHERE indicator_id = 'eenouderhuishoudens_pct' AND region_level = 'gemeente' AND value IS NOT NULL
        GROUP BY year)""").fetchone()[0]
    assert n_gemeenten >= 300


def test_funnel_limits_are_the_score_test_behind_the_flags(warehouse):
    """marts.household_position_funnel: per period the 99.8% band spans the smallest to the largest gemeente and
    is p0 +/- z*sqrt(p0(1-p0)/n); a gemeente outside it at its own size is exactly one the mart flags."""
    (table, period) = warehouse.execute(
        "SELECT source_table, max(period_key) FROM marts.household_position GROUP BY ALL "
        "ORDER BY 2 DESC LIMIT 1").fetchone()
    band = warehouse.execute(
        "SELECT youth_with_youth_care, national_share, limit_low, limit_high FROM marts.household_position_funnel "
        "WHERE source_table = ? AND period_key = ? AND confidence = '99,8%' ORDER BY step", [table, period]).fetchall()
    gemeenten = warehouse.execute(
        "SELECT youth_with_youth_care, one_parent_share, compared_with_national FROM marts.household_position "
        "WHERE region_level = 'gemeente' AND one_parent_share IS NOT NULL AND source_table = ? AND period_key = ?",
        [table, period]).fetchall()
    assert len(band) == 41 and len(gemeenten) > 300
    sizes = [n for n, *_ in band]
    assert sizes == sorted(sizes)
    assert (sizes[0], sizes[-1]) == pytest.approx((min(g[0] for g in gemeenten), max(g[0] for g in gemeenten)))
    p0 = band[0][1] / 100
    for n, _p0, low, high in band:
        half_width = 100 * Z998 * (p0 * (1 - p0) / n) ** 0.5
        assert high == pytest.approx(min(100, 100 * p0 + half_width))
        assert low == pytest.approx(max(0, 100 * p0 - half_width))
    flagged = 0
    for n, share, verdict in gemeenten:
        outside = abs(share - 100 * p0) > 100 * Z998 * (p0 * (1 - p0) / n) ** 0.5
        assert outside == (verdict != "niet te onderscheiden van landelijk"), (n, share, verdict)
        flagged += outside
    assert flagged > 0
    (levels,) = warehouse.execute(
        "SELECT list(DISTINCT confidence ORDER BY confidence) FROM marts.household_position_funnel").fetchone()
    assert levels == ["95%", "99,8%"]
