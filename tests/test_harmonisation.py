"""Harmonised boundaries on real data: the crosswalk from real CBS/PDOK polygons and the harmonised values."""

from __future__ import annotations

import pytest

EEMSDELTA, PARTS = "GM1979", ("GM0003", "GM0010", "GM0024")   # Appingedam, Delfzijl, Loppersum


def targets(warehouse, code, year):
    return dict(warehouse.execute(
        "SELECT to_code, weight FROM intermediate.boundary_crosswalk WHERE from_code = ? AND from_year = ?",
        [code, year]).fetchall())


def test_eemsdelta_counts_equal_the_sum_of_its_parts(warehouse):
    for code in PARTS:
        assert targets(warehouse, code, 2020) == {EEMSDELTA: 1.0}
    rows = warehouse.execute("""
        SELECT h.period, h.value, h.numerator, sum(p.numerator) AS parts, count(p.numerator) AS n
        FROM marts.indicator_values AS h
        JOIN marts.indicator_parts AS p
          ON p.indicator_id = h.indicator_id AND p.period_key = h.period AND p.region_code IN (SELECT unnest(?))
        WHERE h.indicator_id = 'jeugdzorg_aantal' AND h.region_code = ? AND h.year < 2021
          AND h.boundary_year IS NOT NULL
        GROUP BY ALL
    """, [list(PARTS), EEMSDELTA]).fetchall()
    assert rows
    for period, value, numerator, parts, n in rows:
        assert n == 3 and value == numerator == parts, period


def test_littenseradiel_is_a_flagged_split_with_weights_summing_to_one(warehouse):
    rows = warehouse.execute(
        "SELECT to_code, weight, is_split, method FROM intermediate.boundary_crosswalk "
        "WHERE from_code = 'GM0140' AND from_year = 2017").fetchall()
    assert {r[0] for r in rows} == {"GM0080", "GM1900", "GM1949"}   # Leeuwarden, Súdwest-Fryslân, Waadhoeke
    assert all(r[2] for r in rows) and all("oppervlakte" in r[3] for r in rows)
    assert sum(r[1] for r in rows) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("code, year, target", [
    ("GM0017", 2018, "GM0014"),   # Haren -> Groningen
    ("GM0056", 2018, "GM1969"),   # Zuidhorn -> Westerkwartier
    ("GM0005", 2018, "GM1966"),   # Bedum -> Het Hogeland
    ("GM0081", 2017, "GM0080"),   # Leeuwarderadeel -> Leeuwarden
    ("GM1908", 2017, "GM1949"),   # Menameradiel -> Waadhoeke
    ("GM0393", 2018, "GM0394"),   # Haarlemmerliede en Spaarnwoude -> Haarlemmermeer
    ("GM0815", 2021, "GM1982"),   # Mill en Sint Hubert -> Land van Cuijk, wholly
])
def test_mergers_go_wholly_to_their_successor(warehouse, code, year, target):
    assert targets(warehouse, code, year) == {target: 1.0}


def test_every_gemeente_of_the_boundary_year_is_present_in_harmonised_values(warehouse):
    year, n = warehouse.execute(
        "SELECT any_value(to_boundary_year), count(DISTINCT to_code) FROM intermediate.boundary_crosswalk").fetchone()
    expected = warehouse.execute(
        "SELECT count(*) FROM marts.region_memberships WHERE boundary_year = ?", [year]).fetchone()[0]
    assert n == expected
    missing = warehouse.execute("""
        SELECT h.indicator_id, h.period, count(DISTINCT h.region_code) AS n
        FROM marts.indicator_values AS h
        WHERE h.region_level = 'gemeente' AND h.boundary_year IS NOT NULL
        GROUP BY ALL
        HAVING n <> ?
    """, [expected]).fetchall()
    assert missing == []
    assert warehouse.execute(
        "SELECT count(*) FROM marts.indicator_values WHERE boundary_year IS NOT NULL").fetchone()[0] > 0
    assert warehouse.execute(
        "SELECT count(*) FROM marts.indicator_values WHERE boundary_year <> ?", [year]).fetchone()[0] == 0


def test_harmonised_rates_are_recomputed_from_summed_parts(warehouse):
    # Eemsdelta 2020: jeugdhulp_pct = sum of the three numerators / sum of the three denominators x 100.
    value, numerator, denominator = warehouse.execute(
        "SELECT value, numerator, denominator FROM marts.indicator_values WHERE indicator_id = 'jeugdhulp_pct' "
        "AND region_code = ? AND period = '2020JJ00' AND boundary_year IS NOT NULL", [EEMSDELTA]).fetchone()
    num, den = warehouse.execute(
        "SELECT sum(numerator), sum(denominator) FROM marts.indicator_parts WHERE indicator_id = 'jeugdhulp_pct' "
        "AND period_key = '2020JJ00' AND region_code IN (SELECT unnest(?))", [list(PARTS)]).fetchone()
    assert numerator == pytest.approx(num) and denominator == pytest.approx(den)
    assert value == pytest.approx(num / den * 100)
    # And everywhere: value = numerator / denominator x scale.
    worst = warehouse.execute("""
        SELECT max(abs(value - numerator / denominator * scale))
        FROM intermediate.indicator_parts_harmonised WHERE scale IS NOT NULL AND value IS NOT NULL
    """).fetchone()[0]
    assert worst < 1e-9


def test_a_suppressed_contributor_gives_no_value(warehouse):
    # Any harmonised gemeente whose contributing parts include a NULL numerator has no value.
    bad = warehouse.execute("""
        SELECT count(*)
        FROM intermediate.indicator_parts_harmonised AS h
        JOIN intermediate.boundary_crosswalk AS x ON x.to_code = h.region_code AND x.from_year = h.year
        JOIN marts.indicator_parts AS p
          ON p.indicator_id = h.indicator_id AND p.period_key = h.period_key AND p.region_code = x.from_code
         AND p.source_table = h.source_table
        JOIN marts.indicators AS i ON i.indicator_id = h.indicator_id
        -- Without parts (jeugdreclassering) the contributor's own published value is what may be missing.
        WHERE h.region_level = 'gemeente' AND h.value IS NOT NULL
          AND CASE WHEN i.denominator_missing IS NULL THEN p.numerator IS NULL ELSE p.published_value IS NULL END
    """).fetchone()[0]
    assert bad == 0


def test_regions_are_sums_of_their_gemeenten(warehouse):
    region, gemeenten = warehouse.execute("""
        SELECT (SELECT numerator FROM intermediate.indicator_parts_harmonised
                WHERE indicator_id = 'jeugdzorg_aantal' AND period_key = '2020JJ00' AND region_code = 'PV20'),
               (SELECT sum(h.numerator) FROM intermediate.indicator_parts_harmonised AS h
                JOIN marts.region_memberships AS m ON m.gemeente_code = h.region_code
                 AND m.boundary_year = h.boundary_year AND m.provincie_code = 'PV20'
                WHERE h.indicator_id = 'jeugdzorg_aantal' AND h.period_key = '2020JJ00')
    """).fetchone()
    assert region is not None and region == pytest.approx(gemeenten)
