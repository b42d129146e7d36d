"""Nieuw in deze release: per CBS table or publication its periods and release statuses, and what this release
changes against the one readers saw before (marts.release_changes, marts.release_comparison)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from kindbelang.dashboard.charts import Source
from kindbelang.dashboard.formatting import display_cell, period_label, with_unit

if TYPE_CHECKING:
    from kindbelang.dashboard.builder import SiteBuilder


def release_comparison(b: SiteBuilder) -> dict:
    """What this release changes against the publication readers saw before (marts.release_changes)."""
    comparison, changes = b.data.release_comparison, b.data.release_changes
    revised = (changes.filter(pl.col("change") == "herzien")
               .rename({"value_previous": "value_oud", "status_previous": "status_oud"}))
    return {"previous": comparison["previous_release"], "previous_made_at": comparison["previous_made_at"],
            "new_periods": changes.filter(pl.col("change") == "nieuwe periode")
            .select("source_table", "period").rows(),
            "revisions": revised.rows(named=True), "revision_count": comparison["revised"],
            "status_changes": comparison["status_changed"], "dropped": comparison["gone"]}


def context(b: SiteBuilder) -> dict:
    v = b.data.values.filter(pl.col("source_table").is_not_null())
    per_table = []
    for (table, ptype), g in v.group_by(["source_table", "period_type"]):
        info = b.data.cbs_tables.get(table, {})
        pub = b.data.publications.get(table)
        with_values = g.filter(pl.col("value").is_not_null())
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(
            with_values.select("period", "status").unique().group_by("status").len().rows()))
        caveats = [b.data.caveat(i) for i in sorted(g["indicator_id"].unique())]
        per_table.append({"table": table, "period_type": ptype,
                          "title": info.get("title") or (pub["publication_title"] if pub else ""),
                          "modified": info.get("modified") or ("publicatie" if pub else None),
                          "first": period_label(g["period"].min()),
                          "last": period_label(with_values["period"].max() if with_values.height else None),
                          "periods": g["period"].n_unique(), "statuses": statuses or "–",
                          "source": b.data.table_source(table),
                          "caveat": " / ".join(dict.fromkeys(c for c in caveats if c)) or None})
    per_table.sort(key=lambda r: (r["table"], r["period_type"]))
    rel = release_comparison(b)
    revision_rows, revision_sources, revision_caveats = revised_figures(b, rel["revisions"])
    revisions_csv = None
    if rel["previous"]:
        revisions_csv = b.sourced_csv("data/revisies.csv", ["indicator", "regio", "code", "periode", "tabel",
                                                           "oude waarde", "nieuwe waarde", "eenheid",
                                                           "oude status", "nieuwe status"],
                                      revision_rows, revision_sources, revision_caveats)
    tables_csv = b.sourced_csv(
        "data/perioden-per-tabel.csv",
        ["tabel", "titel", "Modified", "soort periode", "eerste", "laatste", "perioden", "status"],
        [[r["table"], r["title"], r["modified"], r["period_type"], r["first"], r["last"], r["periods"],
          r["statuses"]] for r in per_table], [r["source"] for r in per_table], [r["caveat"] for r in per_table])
    signals = ["marts.monitor"] if b.data.has("marts", "monitor") else []
    return {"title": "Nieuw in deze release", "per_table": per_table, "tables_csv": tables_csv,
            "release": rel, "revisions_csv": revisions_csv,
            "revision_rows": [[display_cell(c) if i not in (5, 6) else with_unit(c, r[7])
                               for i, c in enumerate(r)] for r in revision_rows[:200]],
            "revision_sources": revision_sources[:200],
            "revision_caveats": [c for c in dict.fromkeys(revision_caveats[:200]) if c],
            "previous_made": (rel["previous_made_at"].astimezone().strftime("%d-%m-%Y %H:%M")
                              if rel["previous_made_at"] else "onbekend"),
            "new_periods": [(t, period_label(p)) for t, p in rel["new_periods"]],
            "signal_tables": signals, "uses_plotly": False}


def revised_figures(b: SiteBuilder,
                    revisions: list[dict]) -> tuple[list[list], list[Source | None], list[str | None]]:
    """The revised figures with their current source and caveat."""
    keys = ["indicator_id", "region_code", "period", "source_table"]
    labels = {}
    if revisions:
        changed = pl.DataFrame([{k: r[k] for k in keys} for r in revisions])
        own = (b.data.values.sort("boundary_year", nulls_last=False).unique(subset=keys, keep="first")
               .join(changed, on=keys).select(*keys, "source_label"))
        labels = {tuple(r[:4]): r[4] for r in own.rows()}
    rows, sources, caveats = [], [], []
    for r in revisions:
        ind = b.data.by_id.get(r["indicator_id"], {})
        label = labels.get(tuple(r[k] for k in keys))
        rows.append([ind.get("title", r["indicator_id"]),
                     b.data.region_names.get(r["region_code"], r["region_code"]), r["region_code"],
                     period_label(r["period"]), r["source_table"], r.get("value_oud"), r["value"],
                     ind.get("unit"), r.get("status_oud"), r["status"]])
        sources.append(Source(label, "indicators", (r["indicator_id"],)) if label
                       else b.data.indicator_source(r["indicator_id"]))
        caveats.append(ind.get("caveat"))
    return rows, sources, caveats

