"""Ecological association between parental-domain indicators and youth-care use, across gemeenten (Polars/numpy).

Both come from intermediate.indicator_parts_harmonised: every year on the same (boundary-year) gemeenten, so a
merged gemeente is compared with the sum of its parts. Three marts:

* marts.association: per year and pair (parental-domain rate, youth-care rate) over gemeenten: Pearson r, a
  95% confidence interval by Fisher's z (atanh r +/- 1.96 / sqrt(n - 3)) and n.
* marts.youth_care_expected: per year, the youth-care rate (jeugdhulp_pct, jeugdbescherming_pct) regressed on
  the parental-domain rates of that year (weighted least squares, weight = youth population; predictors with a
  value for at least MIN_COVERAGE of the gemeenten, gemeenten with all of them). Expected count = expected
  rate x youth population. Funnel-plot limits for observed/expected: 1 +/- z sqrt(s2 + tau2), with
  s2 = (1 - p) / (n p) the binomial variance (p the expected rate, n the youth population) and tau2 the
  between-gemeente variance the model leaves unexplained, estimated as in Spiegelhalter (2005, "Handling
  over-dispersion of performance indicators": additive random effects, z-scores winsorised at 10%/90%).
  Without tau2 most gemeenten would fall outside pure binomial limits, flagging real but unexplained
  differences as if they were signals. Limits at 95% (z 1.96) and 99.8% (z 3.09); a gemeente is flagged
  only outside the 99.8% limits.
* marts.association_domains: per year and youth-care rate, which parental domains (ouderdomein in
  indicators.yaml) account for most of the between-gemeente variance. Per domain the R² of a regression on that
  domain's indicators alone, and its Shapley share of the R² of the model with all domains: the average gain in
  R² from adding the domain, over all orders in which the domains can enter (exact: 2^k fits for k domains).
  The shares add up to the full model's R². Least squares weighted by youth population where the outcome has
  one (as marts.youth_care_expected), unweighted otherwise; indicators with a value for at least MIN_COVERAGE of
  the gemeenten, and every fit on the same gemeenten (those with all of them).

This is an association between areas, not an effect on children: every row says so (column caveat) and so
do the table comments.
"""

from __future__ import annotations

import itertools
import math

import dagster as dg
import numpy as np
import polars as pl

from kindbelang.confidence import Z95, Z998
from kindbelang.registry import load_registry
from kindbelang.resources import Warehouse, replace_table

CAVEAT = "Samenhang tussen gebieden, geen effect op kinderen (ecologische associatie)."
PARENTAL = ["zorgpremie_achterstand_pct", "wsnp_per_1000", "wsnp_uitgesproken_per_1000", "verdachten_per_1000",
            "bijstand_per_1000", "kinderen_laag_inkomen_pct", "ouders_psychische_medicatie_per_1000",
            "volwassenen_psychische_klachten_pct", "veilig_thuis_meldingen_per_1000", "adreslozen_per_1000",
            "eenouderhuishoudens_pct"]
YOUTH_CARE = ["jeugdzorg_pct", "jeugdhulp_pct", "jeugdbescherming_pct", "jeugdreclassering_pct"]
OUTCOMES = {"jeugdhulp_pct": "jeugdhulp", "jeugdbescherming_pct": "jeugdbescherming"}
MIN_N = 10
MIN_COVERAGE = 0.9


def binomial_variance(expected_rate: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Variance of observed/expected under a binomial count with probability expected_rate."""
    p = np.asarray(expected_rate, dtype=float)
    n = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (1 - p) / (n * p)


def funnel_limits(expected_rate: np.ndarray, population: np.ndarray, z: float,
                  tau2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Control limits for observed/expected: binomial variance plus between-gemeente variance tau2."""
    half = z * np.sqrt(binomial_variance(expected_rate, population) + tau2)
    return 1 - half, 1 + half


def between_area_variance(ratio: np.ndarray, binomial_variance: np.ndarray) -> tuple[float, float]:
    """Spiegelhalter's additive over-dispersion: (tau2, phi) from winsorised z-scores of observed/expected."""
    ok = np.isfinite(ratio) & np.isfinite(binomial_variance) & (binomial_variance > 0)
    if ok.sum() < MIN_N:
        return 0.0, 1.0
    s2 = binomial_variance[ok]
    z = (ratio[ok] - 1) / np.sqrt(s2)
    low, high = np.percentile(z, [10, 90])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    w = 1 / s2
    tau2 = (len(z) * phi - (len(z) - 1)) / (w.sum() - (w ** 2).sum() / w.sum())
    return max(0.0, float(tau2)), phi


def yearly_rates(parts: pl.DataFrame) -> pl.DataFrame:
    """One row per gemeente and year, one column per indicator value, plus the youth population."""
    frame = parts.filter((pl.col("region_level") == "gemeente") & (pl.col("period_type") == "jaar"))
    wide = frame.pivot(on="indicator_id", index=["region_code", "year"], values="value",
                       aggregate_function="first")
    above_100 = frame.group_by("region_code", "year").agg(pl.col("published_above_100").any()
                                                          .alias("published_above_100_any"))
    wide = wide.join(above_100, on=["region_code", "year"], how="left")
    # Each outcome on its own population: jeugdhulp and jeugdbescherming per inhabitant under 18.
    care = set(OUTCOMES) | set(YOUTH_CARE)
    outcomes = frame.filter(pl.col("indicator_id").is_in(sorted(care)))
    counts = outcomes.pivot(on="indicator_id", index=["region_code", "year"], values="numerator",
                            aggregate_function="first")
    counts = counts.rename({c: f"{c}__count" for c in counts.columns if c in care})
    populations = outcomes.pivot(on="indicator_id", index=["region_code", "year"], values="denominator",
                                 aggregate_function="first")
    populations = populations.rename({c: f"{c}__population" for c in populations.columns if c in care})
    return (wide.join(counts, on=["region_code", "year"], how="left")
            .join(populations, on=["region_code", "year"], how="left"))


def correlations(wide: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for year in sorted(wide["year"].unique()):
        data = wide.filter(pl.col("year") == year)
        for parental in PARENTAL:
            for care in YOUTH_CARE:
                if parental not in data.columns or care not in data.columns:
                    continue
                pair = data.select(parental, care).drop_nulls().drop_nans()
                n = pair.height
                if n < MIN_N:
                    continue
                x, y = pair[parental].to_numpy(), pair[care].to_numpy()
                if x.std() == 0 or y.std() == 0:
                    continue
                from scipy.stats import pearsonr  # scipy takes ~1 s to import: only when this runs

                result = pearsonr(x, y)
                r = float(result.statistic)
                lo, hi = result.confidence_interval(confidence_level=0.95)  # Fisher's z transformation
                rows.append({"year": year, "parental_indicator_id": parental, "youth_care_indicator_id": care,
                             "n_gemeenten": n, "pearson_r": r, "ci95_lower": float(lo), "ci95_upper": float(hi),
                             "method": "Pearson, 95%-interval via Fisher-z; gemeenten op geharmoniseerde grenzen",
                             "caveat": CAVEAT})
    return pl.DataFrame(rows)


def expected_use(wide: pl.DataFrame) -> pl.DataFrame:
    frames = []
    for year in sorted(wide["year"].unique()):
        data = wide.filter(pl.col("year") == year)
        for outcome, care_form in OUTCOMES.items():
            if outcome not in data.columns:
                continue
            population_column = f"{outcome}__population"
            if population_column not in data.columns:
                continue
            base = data.filter(pl.col(outcome).is_not_null() & pl.col(f"{outcome}__count").is_not_null()
                               & (pl.col(population_column) > 0)
                               # A share CBS published above 100% fits no count model.
                               & ~pl.col("published_above_100_any").fill_null(False))
            predictors = [p for p in PARENTAL if p in base.columns
                          and base.height and base[p].is_not_null().sum() >= MIN_COVERAGE * base.height]
            if not predictors:
                continue
            model = base.drop_nulls(predictors)
            if model.height < len(predictors) + MIN_N:
                continue
            x = np.column_stack([np.ones(model.height), *[model[p].to_numpy() for p in predictors]])
            y = model[outcome].to_numpy() / 100
            w = model[population_column].to_numpy()
            sw = np.sqrt(w)
            beta, *_ = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)
            fitted = x @ beta
            r2 = 1 - np.sum(w * (y - fitted) ** 2) / np.sum(w * (y - np.average(y, weights=w)) ** 2)
            fitted_ok = np.where(fitted > 0, fitted, np.nan)
            population = w
            observed = model[f"{outcome}__count"].to_numpy()
            expected = fitted_ok * population
            ratio = observed / expected
            tau2, phi = between_area_variance(ratio, binomial_variance(fitted_ok, population))
            lo95, hi95 = funnel_limits(fitted_ok, population, Z95, tau2)
            lo998, hi998 = funnel_limits(fitted_ok, population, Z998, tau2)
            outside_high, outside_low = ratio > hi998, ratio < lo998
            frames.append(pl.DataFrame({
                "gemeente_code": model["region_code"],
                "year": model["year"],
                "period": [f"{year}JJ00"] * model.height,
                "care_form": [care_form] * model.height,
                "outcome_indicator_id": [outcome] * model.height,
                "observed": observed,
                "expected": expected,
                "observed_pct": model[outcome].to_numpy(),
                "expected_pct": fitted_ok * 100,
                "ratio": ratio,
                "youth_population": population,
                "lower_95": lo95, "upper_95": hi95, "lower_998": lo998, "upper_998": hi998,
                "outside_998": outside_high | outside_low,
                "signal": pl.Series([("hoger dan verwacht" if h else "lager dan verwacht" if lo_ else None)
                                     for h, lo_ in zip(outside_high, outside_low)], dtype=pl.String),
                "predictors": [", ".join(predictors)] * model.height,
                "model_r2": [float(r2)] * model.height,
                "overdispersion_phi": [phi] * model.height,
                "between_area_variance": [tau2] * model.height,
                "n_gemeenten": [model.height] * model.height,
                "caveat": [CAVEAT] * model.height,
            }, strict=False))
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()


def parental_domains(indicators: list[str] = PARENTAL) -> dict[str, list[str]]:
    """ouderdomein -> its indicators among `indicators`, as indicators.yaml assigns them (in list order)."""
    domain_of = {ind["id"]: ind.get("ouderdomein") for ind in load_registry()}
    domains: dict[str, list[str]] = {}
    for ident in indicators:
        if domain_of.get(ident):
            domains.setdefault(domain_of[ident], []).append(ident)
    return domains


def weighted_r2(columns: list[np.ndarray], y: np.ndarray, w: np.ndarray) -> float:
    """R² of weighted least squares of y on an intercept and `columns`; 0 without predictors."""
    if not columns:
        return 0.0
    x = np.column_stack([np.ones(len(y)), *columns])
    sw = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)
    residual = y - x @ beta
    return float(1 - np.sum(w * residual ** 2) / np.sum(w * (y - np.average(y, weights=w)) ** 2))


def shapley_values(r2: dict[frozenset, float], players: list[str]) -> dict[str, float]:
    """Exact Shapley value of each player, given the R² of every subset of players (r2[frozenset()] = 0)."""
    k = len(players)
    values = {}
    for player in players:
        others = [p for p in players if p != player]
        values[player] = sum(
            math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            * (r2[frozenset(subset) | {player}] - r2[frozenset(subset)])
            for size in range(k) for subset in itertools.combinations(others, size))
    return values


def domain_variance(wide: pl.DataFrame, domains: dict[str, list[str]] | None = None,
                    outcomes: list[str] = YOUTH_CARE) -> pl.DataFrame:
    """Per year and youth-care rate: R² of each domain alone, its Shapley share of the full R², and its rank."""
    domains = parental_domains() if domains is None else domains
    rows = []
    for year in sorted(wide["year"].unique()):
        data = wide.filter(pl.col("year") == year)
        for outcome in outcomes:
            if outcome not in data.columns:
                continue
            population_column = f"{outcome}__population"
            weighted = population_column in data.columns and data[population_column].is_not_null().any()
            keep = pl.col(outcome).is_not_null() & pl.col(outcome).is_finite()
            if weighted:
                keep &= pl.col(population_column) > 0
            if "published_above_100_any" in data.columns:
                keep &= ~pl.col("published_above_100_any").fill_null(False)
            base = data.filter(keep)
            if base.height < MIN_N:
                continue
            present = {d: [i for i in inds if i in base.columns and base[i].is_not_null().any()]
                       for d, inds in domains.items()}
            used = {d: [i for i in inds if base[i].is_not_null().sum() >= MIN_COVERAGE * base.height]
                    for d, inds in present.items()}
            used = {d: inds for d, inds in used.items() if inds}
            left_out = [i for d in present for i in present[d] if i not in used.get(d, [])]
            predictors = [i for inds in used.values() for i in inds]
            if not predictors:
                continue
            model = base.filter(pl.all_horizontal([pl.col(i).is_not_null() & pl.col(i).is_finite()
                                                   for i in predictors]))
            y = model[outcome].to_numpy().astype(float)
            if model.height < len(predictors) + MIN_N or y.std() == 0:
                continue
            w = model[population_column].to_numpy().astype(float) if weighted else np.ones(model.height)
            x = {i: model[i].to_numpy().astype(float) for i in predictors}
            names = sorted(used)
            r2 = {frozenset(s): weighted_r2([x[i] for d in s for i in used[d]], y, w)
                  for size in range(len(names) + 1) for s in itertools.combinations(names, size)}
            full = r2[frozenset(names)]
            shapley = shapley_values(r2, names)
            order = sorted(names, key=lambda d: (-shapley[d], -r2[frozenset([d])], d))
            weighting = ("gewogen met de jeugdpopulatie (de noemer van het CBS-percentage)" if weighted
                         else "ongewogen (geen noemer van het CBS-percentage beschikbaar)")
            for rank, domain in enumerate(order, start=1):
                rows.append({
                    "year": year, "youth_care_indicator_id": outcome, "ouderdomein": domain,
                    "indicators": ", ".join(used[domain]), "rank": rank,
                    "r2_alone": r2[frozenset([domain])], "shapley_r2": shapley[domain],
                    "share_of_explained": shapley[domain] / full if full > 0 else None,
                    "full_model_r2": full, "n_domains": len(names), "n_gemeenten": model.height,
                    "left_out": ", ".join(left_out) or None,
                    "method": "Kleinste kwadraten over gemeenten op geharmoniseerde grenzen, " + weighting
                              + "; R² van het domein alleen en Shapley-verdeling van de R² van het model met alle "
                              "domeinen (gemiddelde toename van R² bij toevoegen van het domein, over alle "
                              "volgordes); elk model op dezelfde gemeenten",
                    "caveat": CAVEAT,
                })
    return pl.DataFrame(rows, schema_overrides={"share_of_explained": pl.Float64, "left_out": pl.String})


def _write(con, table: str, frame: pl.DataFrame, comment: str) -> None:
    from kindbelang.assets.sql_models import comment_columns, sql_literal

    replace_table(con, "marts", table, frame)
    con.execute(f"COMMENT ON TABLE marts.{table} IS {sql_literal(comment + ' ' + CAVEAT)}")
    comment_columns(con, "marts", table)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["marts", "association"], group_name="marts", kinds={"polars", "duckdb"},
                     deps=[dg.AssetKey(["intermediate", "indicator_parts_harmonised"])],
                     description="Samenhang per jaar tussen elk ouderdomein en elke vorm van jeugdzorg over "
                     "gemeenten (Pearson r, 95%-interval, n). " + CAVEAT),
        dg.AssetSpec(["marts", "youth_care_expected"], group_name="marts", kinds={"polars", "duckdb"},
                     deps=[dg.AssetKey(["intermediate", "indicator_parts_harmonised"])],
                     description="Waargenomen en verwacht jeugdzorggebruik per gemeente en jaar, gegeven het "
                     "profiel van de ouderdomeinen, met trechtergrenzen (95% en 99,8%). " + CAVEAT),
        dg.AssetSpec(["marts", "association_domains"], group_name="marts", kinds={"polars", "duckdb"},
                     deps=[dg.AssetKey(["intermediate", "indicator_parts_harmonised"])],
                     description="Welke ouderdomeinen per jaar het meest van de verschillen tussen gemeenten in "
                     "elke vorm van jeugdzorg verklaren: R² per domein en Shapley-verdeling van de R². " + CAVEAT),
    ],
)
def association(warehouse: Warehouse):
    with warehouse.connect() as con:
        parts = con.sql("SELECT * FROM intermediate.indicator_parts_harmonised").pl()
        wide = yearly_rates(parts)
        corr = correlations(wide)
        expected = expected_use(wide)
        domains = domain_variance(wide)
        _write(con, "association", corr,
               "Correlaties tussen ouderdomeinen en jeugdzorggebruik over gemeenten, per jaar.")
        _write(con, "youth_care_expected", expected,
               "Waargenomen/verwacht jeugdzorggebruik per gemeente (gewogen kleinste kwadraten op de ouderdomeinen).")
        _write(con, "association_domains", domains,
               "Welke ouderdomeinen de verschillen tussen gemeenten in jeugdzorggebruik het meest verklaren, per "
               "jaar en vorm van jeugdzorg (R² per domein, Shapley-verdeling van de R² van het model met alle "
               "domeinen).")
    yield dg.MaterializeResult(asset_key=["marts", "association"], metadata={"rows": corr.height})
    yield dg.MaterializeResult(asset_key=["marts", "youth_care_expected"], metadata={
        "rows": expected.height,
        "flagged_998": int(expected["outside_998"].sum()) if expected.height else 0,
    })
    yield dg.MaterializeResult(asset_key=["marts", "association_domains"], metadata={"rows": domains.height})
