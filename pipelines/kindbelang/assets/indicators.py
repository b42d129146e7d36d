"""marts.indicators: the indicator registry as a table, the entry point of every published figure."""

from __future__ import annotations

import dagster as dg
import polars as pl

from kindbelang.assets.sql_models import comment_columns
from kindbelang.registry import load_publications, load_registry, load_rvs_chapters, publication_label
from kindbelang.resources import Warehouse, replace_table

SOURCE_STRUCT = pl.Struct({"table": pl.String, "column": pl.String, "numerator_column": pl.String,
                           "denominator_column": pl.String, "care_form": pl.String,
                           "publication": pl.String, "publication_indicator": pl.String,
                           "publication_group": pl.String})


def source_label(sources: list[dict]) -> str:
    """'Bron: CBS, 85098NED en 82972NED' or 'Bron: Trimbos-instituut, <publicatie> (2023)': never CBS for others."""
    tables = list(dict.fromkeys(s["table"] for s in sources if s["table"]))
    parts = [f"CBS, {dutch_list(tables)}"] if tables else []
    parts += [publication_label(key) for key in dict.fromkeys(s["publication"] for s in sources if s["publication"])]
    return "Bron: " + "; ".join(parts)


def dutch_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def organisations(sources: list[dict]) -> list[str]:
    publications = load_publications()
    orgs = ["CBS" if s["table"] else publications[s["publication"]]["organisation"] for s in sources]
    return list(dict.fromkeys(orgs))


def rvs_chapter_text(chapters: list[int]) -> str | None:
    headings = load_rvs_chapters()
    return "; ".join(f"hoofdstuk {c}: {headings[c]['heading']}" for c in chapters) or None


def registry_frame() -> pl.DataFrame:
    rows = []
    for ind in load_registry():
        sources = [{"table": s.get("table"), "column": s.get("column"),
                    "numerator_column": s.get("numerator_column"), "denominator_column": s.get("denominator_column"),
                    "care_form": s.get("care_form"), "publication": s.get("publication"),
                    "publication_indicator": s.get("indicator"), "publication_group": s.get("breakdown_group")}
                   for s in ind.get("sources", [])]
        parts = ind.get("parts") or {}
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
            "rvs_chapters": ind.get("rvs_chapters", []),
            "rvs_chapter_headings": rvs_chapter_text(ind.get("rvs_chapters", [])),
            "scale": parts.get("scale"),
            "denominator_missing": (parts.get("denominator") or {}).get("missing")
            if isinstance(parts.get("denominator"), dict) else None,
            "caveat": ind.get("caveat"),
            # A gap's limit and its reason (the registry's gap_reason, else its caveat, which then says why).
            "gap_limit": ind.get("gap_limit"),
            "gap_reason": (ind.get("gap_reason") or ind.get("caveat")) if ind["status"] == "gap" else None,
            "source_organisations": ", ".join(organisations(sources)) or None,
            "source_label": source_label(sources) if sources else None,
            "source_tables": ", ".join(dict.fromkeys(s["table"] for s in sources if s["table"])),
            "source_publications": ", ".join(dict.fromkeys(s["publication"] for s in sources if s["publication"])),
            "sources": sources,
        })
    return pl.DataFrame(rows, schema_overrides={
        "levels": pl.List(pl.String), "ivrk_articles": pl.List(pl.Int64), "sources": pl.List(SOURCE_STRUCT),
        "rvs_chapters": pl.List(pl.Int64), "denominator": pl.String, "ouderdomein": pl.String,
        "rvs_chapter_headings": pl.String, "scale": pl.Float64, "denominator_missing": pl.String,
        "caveat": pl.String, "gap_limit": pl.String, "gap_reason": pl.String, "source_organisations": pl.String,
        "source_label": pl.String,
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
