"""Gemeente memberships per boundary year, from the Gebieden in Nederland tables (Polars).

Each yearly table has one row per gemeente and pairs of Code_<n>/Naam_<n+1> columns, one pair per
regional classification; the column numbers differ between years, so pairs are recognised by the
prefix of their codes (JZ jeugdregio, PV provincie, LD landsdeel, CR COROP).
"""

from __future__ import annotations

import re

import dagster as dg
import polars as pl

from kindbelang.catalog import load_catalog
from kindbelang.resources import Warehouse, replace_table

CLASSIFICATIONS = {"JZ": "jeugdregio", "PV": "provincie", "LD": "landsdeel", "CR": "corop"}
GEBIEDEN = [t for t in load_catalog() if t.boundary_year]


def memberships_of_year(gebieden: pl.DataFrame, boundary_year: int) -> pl.DataFrame:
    frame = gebieden.with_columns(pl.col(pl.String).str.strip_chars())
    pairs: dict[str, tuple[str, str]] = {}
    for column in frame.columns:
        match = re.fullmatch(r"Code_(\d+)", column)
        name_column = f"Naam_{int(match[1]) + 1}" if match else None
        if not match or name_column not in frame.columns:
            continue
        prefixes = set(frame[column].drop_nulls().str.slice(0, 2).unique()) - {"."}
        if len(prefixes) == 1 and (prefix := prefixes.pop()) in CLASSIFICATIONS:
            if prefix in pairs:
                raise ValueError(f"boundary year {boundary_year}: two {CLASSIFICATIONS[prefix]} columns")
            pairs[prefix] = (column, name_column)
    missing = set(CLASSIFICATIONS) - set(pairs)
    if missing:
        raise ValueError(f"boundary year {boundary_year}: no column for {sorted(missing)}")
    inhabitants = next(c for c in frame.columns if c.startswith("Inwonertal"))
    return frame.select(
        pl.lit(boundary_year).alias("boundary_year"),
        pl.col("Code_1").alias("gemeente_code"),
        pl.col("Naam_2").alias("gemeente_name"),
        pl.col(inhabitants).cast(pl.Int64).alias("inhabitants"),
        *[
            expr
            for prefix, level in CLASSIFICATIONS.items()
            for expr in (pl.col(pairs[prefix][0]).alias(f"{level}_code"),
                         pl.col(pairs[prefix][1]).alias(f"{level}_name"))
        ],
    )


@dg.asset(
    key=["staging", "gemeente_memberships"],
    group_name="staging",
    deps=[dg.AssetKey(["raw", t.asset_name]) for t in GEBIEDEN],
    kinds={"polars", "duckdb"},
    description="Per boundary year (1 January) every gemeente with inhabitants and its jeugdregio, "
    "provincie, landsdeel and COROP-gebied (Gebieden in Nederland 2015-2025).",
)
def gemeente_memberships(warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        frames = [
            memberships_of_year(con.sql(f"SELECT * FROM raw.{t.asset_name}").pl(), t.boundary_year)
            for t in GEBIEDEN
        ]
        result = pl.concat(frames)
        replace_table(con, "staging", "gemeente_memberships", result)
    counts = result.group_by("boundary_year").len().sort("boundary_year")
    return dg.MaterializeResult(metadata={
        "rows": result.height,
        "gemeenten_per_year": dg.MetadataValue.json({str(y): n for y, n in counts.iter_rows()}),
    })
