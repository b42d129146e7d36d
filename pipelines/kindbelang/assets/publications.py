"""raw.publications: the curated publication figures (data/publications/*.csv), one number per row as published,
each with the organisation and publication it comes from (publications.yaml)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl

from kindbelang.registry import PUBLICATIONS_DIR, load_publications, publication_label
from kindbelang.resources import Warehouse, replace_table


def read_publications(folder: Path = PUBLICATIONS_DIR) -> pl.DataFrame:
    """The curated figures, each row with the organisation and publication it comes from (publications.yaml)."""
    frames = [pl.read_csv(p, infer_schema=False).with_columns(pl.lit(p.name).alias("file"))
              for p in sorted(folder.glob("*.csv"))]
    figures = pl.concat(frames, how="diagonal")
    publishers = pl.DataFrame(
        [{"source_id": key, "organisation": pub["organisation"], "publication_title": pub["title"],
          "publication_year": pub["year"], "via": pub.get("via"), "source_label": f"Bron: {publication_label(key)}"}
         for key, pub in load_publications().items()],
        schema={"source_id": pl.String, "organisation": pl.String, "publication_title": pl.String,
                "publication_year": pl.Int64, "via": pl.String, "source_label": pl.String})
    unknown = set(figures["source_id"]) - set(publishers["source_id"])
    if unknown:
        raise ValueError(f"publications.yaml does not say who published {', '.join(sorted(unknown))}")
    return figures.join(publishers, on="source_id", how="left")


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
        replace_table(con, "raw", "publications", frame)
    return dg.MaterializeResult(metadata={"rows": frame.height, "files": frame["file"].n_unique()})
