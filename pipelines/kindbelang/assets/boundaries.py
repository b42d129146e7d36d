"""Harmonised boundaries: staging.boundary_crosswalk maps every gemeente of every year to the gemeente(s) of
one boundary year, and raw.publications holds the curated publication figures.

Neither 70739NED nor Gebieden in Nederland says where a former gemeente went. Per yearly transition the
crosswalk therefore infers it from what the data do say:
  * which gemeenten ended and which began on 1 January (the gemeente sets of two consecutive Gebieden tables,
    with dates in 70739NED),
  * the inhabitants of each gemeente on 1 January on that year's boundaries (Gebieden, Inwonertal).
The inhabitants of the ended gemeenten are allocated to receiving gemeenten (new ones, and continuing ones
whose population jumped by more than natural growth) in the same landsdeel, by a small linear programme that
matches the receivers' population gains and prefers receivers in the same COROP area and provincie. A
gemeente whose inhabitants end up in more than one receiver is a split: its counts are divided with those
population weights (documented in `method`). Allocations under 5% of a gemeente are dropped as noise.
Grenscorrecties between continuing gemeenten are not visible in these tables and are not modelled.
"""



import os
import re
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl
from scipy.optimize import linprog

from kindbelang.assets.regions import GEBIEDEN
from kindbelang.resources import Warehouse
from kindbelang.settings import PROJECT_ROOT

PUBLICATIONS_DIR = PROJECT_ROOT / "data" / "publications"
MIN_SHARE = 0.05          # smaller allocations are population noise, not territory
MIN_GAIN_SHARE = 0.02     # a continuing gemeente is a candidate receiver only above this excess growth
MIN_GAIN_PERSONS = 500


def membership_profiles(gebieden: pl.DataFrame) -> dict[str, frozenset[str]]:
    """Every regional code a gemeente belongs to (COROP, GGD, jeugdregio, arbeidsmarktregio, landbouwgebied,
    veiligheidsregio, ...): the geographic fingerprint that tells which former gemeente went where."""
    frame = gebieden.with_columns(pl.col(pl.String).str.strip_chars())
    columns = [c for c in frame.columns if re.fullmatch(r"Code_\d+", c) and c != "Code_1"
               and frame[c].dtype == pl.String]
    return {row[0]: frozenset(v for v in row[1:] if v and re.fullmatch(r"[A-Z]{2}\d+", v))
            for row in frame.select("Code_1", *columns).iter_rows()}


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _transition(a: pl.DataFrame, b: pl.DataFrame, prof_a: dict, prof_b: dict) -> dict[str, dict[str, float]]:
    """Allocation shares from the gemeenten of year y (a) to those of year y+1 (b)."""
    a_codes, b_codes = set(a["gemeente_code"]), set(b["gemeente_code"])
    shares: dict[str, dict[str, float]] = {c: {c: 1.0} for c in a_codes & b_codes}
    ended = a.filter(~pl.col("gemeente_code").is_in(list(b_codes)))
    if ended.is_empty():
        return shares
    cont = a.join(b, on="gemeente_code", suffix="_b").filter(pl.col("inhabitants") > 0)
    growth = float((cont["inhabitants_b"] / cont["inhabitants"] - 1).median())
    cont = cont.with_columns(excess=pl.col("inhabitants_b") - pl.col("inhabitants") * (1 + growth))
    receivers = pl.concat([
        b.filter(~pl.col("gemeente_code").is_in(list(a_codes)))
         .select("gemeente_code", "corop_code", "provincie_code", "landsdeel_code",
                 pl.col("inhabitants").cast(pl.Float64).alias("excess")),
        cont.filter((pl.col("excess") > MIN_GAIN_PERSONS)
                    & (pl.col("excess") > MIN_GAIN_SHARE * pl.col("inhabitants")))
            .select("gemeente_code", pl.col("corop_code_b").alias("corop_code"),
                    pl.col("provincie_code_b").alias("provincie_code"),
                    pl.col("landsdeel_code_b").alias("landsdeel_code"), "excess"),
    ]).to_dicts()
    e_rows = ended.to_dicts()
    pairs = [(i, j) for i, e in enumerate(e_rows) for j, r in enumerate(receivers)
             if e["landsdeel_code"] == r["landsdeel_code"]]
    n_x, n_r = len(pairs), len(receivers)
    # Variables: x (persons moved per pair), then u+ and u- (residual per receiver).
    # Moving a person costs 1 - similarity of the two membership profiles; a receiver's unexplained gain
    # costs 1 per person (2 for a new gemeente, which must be made up of former ones).
    cost = np.concatenate([
        [3.0 * (1.0 - _similarity(prof_a.get(e_rows[i]["gemeente_code"], frozenset()),
                                  prof_b.get(receivers[j]["gemeente_code"], frozenset()))) for i, j in pairs],
        [2.0 if r["gemeente_code"] not in a_codes else 1.0 for r in receivers] * 2,
    ])
    a_eq = np.zeros((len(e_rows) + n_r, n_x + 2 * n_r))
    b_eq = np.zeros(len(e_rows) + n_r)
    for k, (i, j) in enumerate(pairs):
        a_eq[i, k] = 1.0
        a_eq[len(e_rows) + j, k] = 1.0
    for i, e in enumerate(e_rows):
        b_eq[i] = e["inhabitants"]
    for j, r in enumerate(receivers):
        a_eq[len(e_rows) + j, n_x + j] = -1.0
        a_eq[len(e_rows) + j, n_x + n_r + j] = 1.0
        b_eq[len(e_rows) + j] = r["excess"]
    result = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if not result.success:
        raise RuntimeError(f"boundary crosswalk: allocation failed ({result.message})")
    for i, e in enumerate(e_rows):
        moved = {receivers[j]["gemeente_code"]: result.x[k] for k, (ii, j) in enumerate(pairs) if ii == i}
        kept = {code: v for code, v in moved.items() if v >= MIN_SHARE * e["inhabitants"]}
        if not kept:
            raise RuntimeError(f"boundary crosswalk: no receiver found for {e['gemeente_code']}")
        total = sum(kept.values())
        shares[e["gemeente_code"]] = {code: v / total for code, v in kept.items()}
    return shares


def build_crosswalk(memberships: pl.DataFrame, boundary_year: int,
                    profiles: dict[int, dict[str, frozenset[str]]]) -> pl.DataFrame:
    years = sorted(y for y in memberships["boundary_year"].unique() if y <= boundary_year)
    by_year = {y: memberships.filter(pl.col("boundary_year") == y) for y in years}
    names = dict(by_year[boundary_year].select("gemeente_code", "gemeente_name").iter_rows())
    rows = []
    # Compose the yearly transitions backwards: mapping[y] = gemeente of y -> {gemeente of boundary year: w}.
    mapping = {c: {c: 1.0} for c in by_year[boundary_year]["gemeente_code"]}
    for y in reversed(years):
        if y < boundary_year:
            step = _transition(by_year[y], by_year[y + 1], profiles[y], profiles[y + 1])
            mapping = {src: _compose(targets, mapping) for src, targets in step.items()}
        for src_code, src_name in by_year[y].select("gemeente_code", "gemeente_name").iter_rows():
            targets = mapping[src_code]
            for target, weight in sorted(targets.items()):
                unchanged = targets == {src_code: 1.0}
                rows.append({
                    "source_year": y, "source_code": src_code, "source_name": src_name,
                    "boundary_year": boundary_year, "target_code": target, "target_name": names[target],
                    "weight": weight, "is_split": len(targets) > 1,
                    "method": "ongewijzigd" if unchanged else (
                        "splitsing: verdeeld naar bevolkingsgewicht (Inwonertal, afgeleid)" if len(targets) > 1
                        else "samengevoegd of opgegaan: volledig toegewezen"),
                })
    return pl.DataFrame(rows)


def _compose(step: dict[str, float], later: dict[str, dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for mid, w in step.items():
        for target, w2 in later[mid].items():
            out[target] = out.get(target, 0.0) + w * w2
    return out


class CrosswalkConfig(dg.Config):
    # Empty: KINDBELANG_BOUNDARY_YEAR, else the latest boundary year in the snapshot.
    boundary_year: int | None = None


def configured_boundary_year(config_year: int | None, available: list[int]) -> int:
    year = config_year or (int(os.environ["KINDBELANG_BOUNDARY_YEAR"])
                           if os.environ.get("KINDBELANG_BOUNDARY_YEAR") else max(available))
    if year not in available:
        raise ValueError(f"boundary year {year} not available (Gebieden in Nederland: {sorted(available)})")
    return year


@dg.asset(
    key=["staging", "boundary_crosswalk"],
    group_name="staging",
    deps=[dg.AssetKey(["staging", "gemeente_memberships"]), dg.AssetKey(["staging", "gemeente_history"]),
          *[dg.AssetKey(["raw", t.asset_name]) for t in GEBIEDEN]],
    kinds={"polars", "duckdb"},
    description="Herindelingssleutel: elke gemeente van elk jaar (2015-) naar de gemeente(n) van het "
    "grensjaar (standaard het laatste in de momentopname; KINDBELANG_BOUNDARY_YEAR), met gewicht en methode.",
)
def boundary_crosswalk(config: CrosswalkConfig, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        memberships = con.sql("SELECT * FROM staging.gemeente_memberships").pl()
        year = configured_boundary_year(config.boundary_year, memberships["boundary_year"].unique().to_list())
        profiles = {t.boundary_year: membership_profiles(con.sql(f"SELECT * FROM raw.{t.asset_name}").pl())
                    for t in GEBIEDEN}
        crosswalk = build_crosswalk(memberships, year, profiles)
        # Check against 70739NED: every source gemeente that maps elsewhere really ended by the boundary year.
        ended = {c for (c,) in con.execute(
            "SELECT gemeente_code FROM staging.gemeente_history WHERE end_date <= make_date(?, 1, 1)",
            [year]).fetchall()}
        moved = set(crosswalk.filter(pl.col("source_code") != pl.col("target_code"))["source_code"])
        if not moved <= ended:
            raise ValueError(f"crosswalk moves gemeenten that 70739NED says still exist: {sorted(moved - ended)}")
        con.register("crosswalk", crosswalk.to_arrow())
        con.execute("CREATE OR REPLACE TABLE staging.boundary_crosswalk AS SELECT * FROM crosswalk")
    changed = crosswalk.filter(pl.col("method") != "ongewijzigd").unique(["source_code"])
    return dg.MaterializeResult(metadata={
        "boundary_year": year, "rows": crosswalk.height, "changed_gemeenten": changed.height,
        "splits": dg.MetadataValue.json(sorted(crosswalk.filter(pl.col("is_split"))["source_name"].unique())),
    })


def read_publications(folder: Path = PUBLICATIONS_DIR) -> pl.DataFrame:
    frames = [pl.read_csv(p, infer_schema=False).with_columns(pl.lit(p.name).alias("file"))
              for p in sorted(folder.glob("*.csv"))]
    return pl.concat(frames, how="diagonal")


@dg.asset(
    key=["raw", "publications"],
    group_name="publications_raw",
    kinds={"polars", "duckdb"},
    description="Gepubliceerde cijfers (CBS, SCP, Trimbos, RVS, NJi) uit data/publications/, één getal per rij "
    "zoals gepubliceerd, met URL en letterlijke formulering. Zie data/publications/SOURCES.md.",
)
def publications(warehouse: Warehouse) -> dg.MaterializeResult:
    frame = read_publications()
    with warehouse.connect() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.register("incoming", frame.to_arrow())
        con.execute("CREATE OR REPLACE TABLE raw.publications AS SELECT * FROM incoming")
    return dg.MaterializeResult(metadata={"rows": frame.height, "files": frame["file"].n_unique()})
