"""Verantwoording: per indicator its sources, release statuses and caveats; the quality checks behind this release;
and the data dictionary of the marts (their table and column comments)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import polars as pl

from kindbelang.dashboard.formatting import (
    DIRECTION_LABELS, GAP_LIMITS, STATUS_LABELS, display_cell, publication_citation,
)

if TYPE_CHECKING:
    from kindbelang.dashboard.builder import SiteBuilder


def source_rows(b: SiteBuilder, ind: dict) -> list[list[str]]:
    """The sources of an indicator as a table: CBS tables with their columns, publications with their figure."""
    rows = []
    for s in ind["sources"] or []:
        if s["table"]:
            info = b.data.cbs_tables.get(s["table"], {})
            rows.append([f"CBS, {s['table']}", info.get("title") or "–", s["column"] or "–",
                         s["care_form"] or "–", info.get("modified") or "onbekend (niet in de momentopname)"])
        else:
            pub = b.data.publications.get(s["publication"])
            rows.append([pub["organisation"] if pub else s["publication"],
                         publication_citation(pub["publication_title"], pub["publication_year"], pub["via"])
                         if pub else "–", s["publication_indicator"] or "–", s["publication_group"] or "–",
                         "niet van toepassing (publicatie)"])
    return rows


def context(b: SiteBuilder) -> dict:
    items = []
    status_by_ind = {ind: ", ".join(f"{s} ({n} perioden)" for s, n in sorted(g.select("period", "status").unique()
                                                                           .group_by("status").len().rows()))
                     for (ind,), g in b.data.values.filter(pl.col("value").is_not_null())
                     .group_by("indicator_id")}
    for ind in b.data.indicators.iter_rows(named=True):
        items.append({**ind, "source_rows": source_rows(b, ind),
                      "source": b.data.indicator_source(ind["indicator_id"]),
                      "release_status": status_by_ind.get(ind["indicator_id"]),
                      "status_label": STATUS_LABELS.get(ind["status"], ind["status"]),
                      "gap_group": GAP_LIMITS[ind["gap_limit"]][0] if ind["gap_limit"] else None,
                      "direction_label": DIRECTION_LABELS.get(ind["direction"], ind["direction"])})
    quality = []
    for schema, table in sorted(b.data.tables):
        if any(w in table for w in ("quality", "gate", "check", "validation", "expectation")) \
                and schema not in ("raw",):
            frame = b.data.table_frame(schema, table, 200)
            quality.append({"name": f"{schema}.{table}", "columns": frame.columns,
                            "rows": [[display_cell(c) for c in row] for row in frame.rows()]})
    gate_reports, gate_run = [], None
    if b.quality is not None:  # the check results behind this release, as quality/latest will hold them
        from kindbelang.quality import reports_after

        gate_run = b.quality[1]
        for path in reports_after(*b.quality):
            try:
                r = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            gate_reports.append([display_cell(c) for c in (
                r.get("table"), r.get("suite"), r.get("rows"), len(r.get("expectations", [])),
                "geslaagd" if r.get("success") else "niet geslaagd", r.get("critical_failed"),
                r.get("warnings_failed"))])
    return {"title": "Verantwoording", "items": items, "quality": quality, "uses_plotly": False,
            "gate_reports": gate_reports, "gate_run": gate_run, "dictionary": data_dictionary(b),
            # <out>/site and <out>/quality are siblings once this release is published
            "quality_report": "../quality/latest/index.html" if b.quality is not None else None}


def data_dictionary(b: SiteBuilder) -> list[dict]:
    """Every marts table and column with its comment (duckdb_tables()/duckdb_columns())."""
    tables, columns = b.data.mart_comments()
    out = []
    for table, comment in tables:
        cols = [[c, t, cm or "geen toelichting"] for tb, c, t, cm in columns if tb == table]
        out.append({"name": table, "comment": comment or "", "columns": cols})
    rows = [[t["name"], c, ty, cm] for t in out for c, ty, cm in t["columns"]]
    href = b.csv("data/gegevenswoordenboek.csv", ["tabel", "kolom", "type", "toelichting"], rows)
    for t in out:
        t["csv_href"] = href
    return out

