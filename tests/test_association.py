"""Ecological association across gemeenten: correlations, expected youth-care use and funnel limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kindbelang.assets.association import CAVEAT, funnel_limits
from kindbelang.confidence import Z95, Z998


def test_one_z_per_confidence_level():
    from scipy.stats import norm

    assert (Z95, Z998) == (float(norm.ppf(0.975)), float(norm.ppf(0.999)))
    assert (round(Z95, 6), round(Z998, 6)) == (1.959964, 3.090232)


def test_funnel_limits_widen_for_smaller_denominators():
    lo, hi = funnel_limits(np.array([0.1, 0.1, 0.1]), np.array([100_000, 10_000, 1_000]), Z998)
    assert hi[0] < hi[1] < hi[2] and lo[0] > lo[1] > lo[2]


def test_correlations_are_valid(warehouse):
    rows = warehouse.execute(
        "SELECT pearson_r, ci95_lower, ci95_upper, n_gemeenten, caveat FROM marts.association").fetchall()
    assert rows
    for r, lo, hi, n, caveat in rows:
        assert -1 <= r <= 1 and lo <= r <= hi and n >= 10 and caveat == CAVEAT
        # Fisher's z: atanh(r) +/- z95 / sqrt(n - 3), computed here independently of scipy.
        assert (lo, hi) == pytest.approx((math.tanh(math.atanh(r) - Z95 / math.sqrt(n - 3)),
                                          math.tanh(math.atanh(r) + Z95 / math.sqrt(n - 3))), abs=1e-9)


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
    for table in ("association", "youth_care_expected", "association_domains"):
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


def test_shapley_values_average_the_gain_over_both_orders():
    from kindbelang.assets.association import shapley_values

    r2 = {frozenset(): 0.0, frozenset("A"): 0.3, frozenset("B"): 0.2, frozenset("AB"): 0.4}
    values = shapley_values(r2, ["A", "B"])
    assert values["A"] == pytest.approx((0.3 + (0.4 - 0.2)) / 2)
    assert values["B"] == pytest.approx((0.2 + (0.4 - 0.3)) / 2)


def test_weighted_r2_treats_a_weight_as_repeated_gemeenten():
    from kindbelang.assets.association import weighted_r2

    rng = np.random.default_rng(3)
    x, y = rng.normal(size=40), rng.normal(size=40)
    w = rng.integers(1, 5, size=40)
    repeated = weighted_r2([np.repeat(x, w)], np.repeat(y, w), np.ones(w.sum()))
    assert weighted_r2([x], y, w.astype(float)) == pytest.approx(repeated)
    assert weighted_r2([x], y, np.ones(40)) == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2)
    assert weighted_r2([], y, np.ones(40)) == 0.0


def test_every_parental_indicator_has_a_domain_in_the_registry():
    from kindbelang.assets.association import PARENTAL, parental_domains
    from kindbelang.registry import OUDERDOMEINEN

    domains = parental_domains()
    assert sorted(i for inds in domains.values() for i in inds) == sorted(PARENTAL)
    assert set(domains) <= OUDERDOMEINEN


def test_domain_variance_ranks_the_domain_that_drives_the_outcome_first():
    """Synthetic rows (not CBS data): the outcome is 2 x a1 plus a little of c1; domain B is pure noise, and
    domain D has too few values to enter the model."""
    import polars as pl

    from kindbelang.assets.association import domain_variance

    rng = np.random.default_rng(11)
    n = 200
    a1, a2, b1, c1 = (rng.normal(size=n) for _ in range(4))
    outcome = 2 * a1 + 0.5 * c1 + rng.normal(scale=0.5, size=n)
    a1_with_gaps = [None if i < 5 else v for i, v in enumerate(a1)]  # 97.5% coverage: enters the model
    d1 = [v if i % 2 else None for i, v in enumerate(rng.normal(size=n))]  # 50% coverage: left out
    wide = pl.DataFrame({"region_code": [f"GM{i:04d}" for i in range(n)], "year": [2023] * n,
                         "care_pct": outcome + 10, "care_pct__population": rng.integers(500, 20_000, n),
                         "a1": a1_with_gaps, "a2": a2, "b1": b1, "c1": c1, "d1": d1})
    result = domain_variance(wide, {"A": ["a1", "a2"], "B": ["b1"], "C": ["c1"], "D": ["d1"]},
                             outcomes=["care_pct"]).sort("rank")
    assert result["ouderdomein"].to_list() == ["A", "C", "B"]
    assert result["rank"].to_list() == [1, 2, 3]
    assert result["indicators"].to_list() == ["a1, a2", "c1", "b1"]
    assert set(result["n_gemeenten"]) == {n - 5} and set(result["left_out"]) == {"d1"}
    full = result["full_model_r2"][0]
    assert result["shapley_r2"].sum() == pytest.approx(full, abs=1e-12)
    assert result["share_of_explained"].sum() == pytest.approx(1)
    a, c, b = result.iter_rows(named=True)
    assert a["share_of_explained"] > 0.8 and b["shapley_r2"] < 0.05 and a["r2_alone"] > c["r2_alone"] > b["r2_alone"]
    assert "gewogen met de jeugdpopulatie" in a["method"] and set(result["caveat"]) == {CAVEAT}


def test_domain_variance_per_year_and_care_form_adds_up(warehouse):
    from kindbelang.registry import OUDERDOMEINEN, load_registry

    domain_of = {ind["id"]: ind.get("ouderdomein") for ind in load_registry()}
    latest = warehouse.execute("""
        SELECT max(year) FROM intermediate.indicator_parts_harmonised
        WHERE indicator_id = 'jeugdhulp_pct' AND region_level = 'gemeente' AND period_type = 'jaar'
          AND value IS NOT NULL
    """).fetchone()[0]
    assert warehouse.execute("SELECT count(*) FROM marts.association_domains WHERE year = ? AND "
                             "youth_care_indicator_id = 'jeugdhulp_pct'", [latest]).fetchone()[0] > 0
    groups = warehouse.execute("""
        SELECT year, youth_care_indicator_id, list(rank ORDER BY rank), sum(shapley_r2), any_value(full_model_r2),
               count(DISTINCT full_model_r2), count(DISTINCT n_gemeenten), min(n_gemeenten), any_value(n_domains),
               bool_and(r2_alone BETWEEN 0 AND full_model_r2 + 1e-9), bool_and(caveat = ?)
        FROM marts.association_domains GROUP BY ALL
    """, [CAVEAT]).fetchall()
    assert groups
    for year, care, ranks, shapley_sum, full, n_full, n_n, n, k, alone_ok, caveat_ok in groups:
        assert ranks == list(range(1, k + 1)), (year, care)
        assert abs(shapley_sum - full) < 1e-9 and n_full == 1 and n_n == 1 and n >= 10
        assert alone_ok and caveat_ok
    for domain, indicators in warehouse.execute(
            "SELECT DISTINCT ouderdomein, indicators FROM marts.association_domains").fetchall():
        assert domain in OUDERDOMEINEN
        assert {domain_of[i] for i in indicators.split(", ")} == {domain}
