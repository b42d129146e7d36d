"""Ecological association across gemeenten: correlations, expected youth-care use and funnel limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kindbelang.assets.association import CAVEAT, Z998, fisher_ci, funnel_limits


def test_fisher_interval_contains_r_and_narrows_with_n():
    lo, hi = fisher_ci(0.4, 30)
    assert -1 <= lo < 0.4 < hi <= 1
    lo2, hi2 = fisher_ci(0.4, 300)
    assert hi2 - lo2 < hi - lo


def test_funnel_limits_widen_for_smaller_denominators():
    lo, hi = funnel_limits(np.array([0.1, 0.1, 0.1]), np.array([100_000, 10_000, 1_000]), Z998)
    assert hi[0] < hi[1] < hi[2] and lo[0] > lo[1] > lo[2]


def test_correlations_are_valid(warehouse):
    rows = warehouse.execute(
        "SELECT pearson_r, ci95_lower, ci95_upper, n_gemeenten, caveat FROM marts.association").fetchall()
    assert rows
    for r, lo, hi, n, caveat in rows:
        assert -1 <= r <= 1 and lo <= r <= hi and n >= 10 and caveat == CAVEAT


def test_expected_use_has_limits_caveat_and_flags_only_outside_998(warehouse):
    rows = warehouse.execute("""
        SELECT observed, expected, ratio, youth_population, lower_95, upper_95, lower_998, upper_998,
               outside_998, signal, caveat
        FROM marts.youth_care_expected WHERE expected IS NOT NULL
    """).fetchall()
    assert rows
    for o, e, ratio, n, lo95, hi95, lo998, hi998, outside, signal, caveat in rows:
        assert caveat == CAVEAT
        assert ratio == pytest.approx(o / e)
        assert lo998 < lo95 < 1 < hi95 < hi998
        assert outside == (ratio < lo998 or ratio > hi998)
        assert (signal is not None) == outside
    # Some gemeenten lie between the 95% and 99.8% limits and are therefore not flagged.
    assert any(not r[8] and not (r[4] <= r[2] <= r[5]) for r in rows)


def test_smaller_gemeenten_get_wider_limits(warehouse):
    rows = warehouse.execute("""
        SELECT youth_population, upper_998 - lower_998 AS width
        FROM marts.youth_care_expected
        WHERE care_form = 'jeugdhulp' AND year = 2022 AND expected IS NOT NULL
        ORDER BY youth_population
    """).fetchall()
    smallest, largest = rows[0], rows[-1]
    assert smallest[1] > largest[1]


def test_tables_say_it_is_an_ecological_association(warehouse):
    for table in ("association", "youth_care_expected"):
        comment = warehouse.execute(
            "SELECT comment FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = ?", [table]).fetchone()[0]
        assert CAVEAT in comment
    assert not math.isnan(warehouse.execute(
        "SELECT pearson_r FROM marts.association WHERE year = 2022 AND parental_indicator_id = "
        "'zorgpremie_achterstand_pct' AND youth_care_indicator_id = 'jeugdhulp_pct'").fetchone()[0])


def test_between_area_variance_is_estimated_from_the_spread_it_must_explain():
    from kindbelang.assets.association import between_area_variance

    rng = np.random.default_rng(7)
    s2 = np.full(300, 0.0004)  # binomial variance of the ratio for a large gemeente
    pure_noise = 1 + rng.normal(0, math.sqrt(0.0004), 300)
    assert between_area_variance(pure_noise, s2)[0] < 0.0004
    real_differences = 1 + rng.normal(0, math.sqrt(0.0004 + 0.01), 300)
    tau2, phi = between_area_variance(real_differences, s2)
    assert 0.005 < tau2 < 0.02 and phi > 5


def test_funnel_flags_outliers_not_the_unexplained_spread_between_gemeenten(warehouse):
    shares = warehouse.execute("""
        SELECT year, care_form, avg(outside_998::INTEGER) AS share_flagged, any_value(between_area_variance)
        FROM marts.youth_care_expected WHERE expected IS NOT NULL GROUP BY ALL
    """).fetchall()
    assert shares
    for year, care_form, share, tau2 in shares:
        assert share < 0.1, (year, care_form, share)
        assert tau2 >= 0
