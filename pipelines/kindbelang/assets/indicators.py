"""marts.indicators: the indicator registry as a table, the entry point of every published figure."""

from __future__ import annotations

import dagster as dg
import polars as pl

from kindbelang.assets.sql_models import comment_columns
from kindbelang.registry import load_registry
from kindbelang.resources import Warehouse, replace_table

SOURCE_STRUCT = pl.Struct({"table": pl.String, "column": pl.String, "care_form": pl.String,
                           "publication": pl.String, "publication_indicator": pl.String,
                           "publication_group": pl.String})


def registry_frame() -> pl.DataFrame:
    rows = []
    for ind in load_registry():
        sources = [{"table": s.get("table"), "column": s.get("column"), "care_form": s.get("care_form"),
                    "publication": s.get("publication"), "publication_indicator": s.get("indicator"),
                    "publication_group": s.get("breakdown_group")}
                   for s in ind.get("sources", [])]
        rows.append({
            "indicator_id": ind["id"],
            "title": ind["title"],
            "definition": ind["definition"],
            "theme": ind["theme"],
            "unit": ind["unit"],
            "denominator": ind.get("denominator"),
            "direction": ind["direction"],
            "levels": ind.get("levels", []),
            "frequency": ind.get("frequency"),
            "ivrk_articles": ind.get("ivrk_articles", []),
            "status": ind["status"],
            "ouderdomein": ind.get("ouderdomein"),
            "rvs_recommendation": ind.get("rvs_recommendation"),
            "numerator": ind.get("numerator"),
            "scale": ind.get("scale"),
            "status_note": ind.get("proxy_note") or ind.get("gap_note"),
            "source_tables": ", ".join(dict.fromkeys(s["table"] for s in sources if s["table"])),
            "source_publications": ", ".join(dict.fromkeys(s["publication"] for s in sources if s["publication"])),
            "sources": sources,
        })
    return pl.DataFrame(rows, schema_overrides={
        "levels": pl.List(pl.String), "ivrk_articles": pl.List(pl.Int64), "sources": pl.List(SOURCE_STRUCT),
        "denominator": pl.String, "ouderdomein": pl.String, "rvs_recommendation": pl.String,
        "numerator": pl.String, "scale": pl.Float64, "status_note": pl.String,
    })


@dg.asset(
    key=["marts", "indicators"],
    group_name="marts",
    kinds={"polars", "duckdb"},
    description="Eén rij per indicator uit het indicatorregister (pipelines/kindbelang/indicators.yaml).",
)
def indicators(warehouse: Warehouse) -> dg.MaterializeResult:
    frame = registry_frame()
    with warehouse.connect() as con:
        replace_table(con, "marts", "indicators", frame)
        con.execute("COMMENT ON TABLE marts.indicators IS 'Eén rij per indicator uit het indicatorregister.'")
        comment_columns(con, "marts", "indicators")
    return dg.MaterializeResult(metadata={
        "indicators": frame.height,
        "by_status": dg.MetadataValue.json(dict(frame.group_by("status").len().iter_rows())),
    })
