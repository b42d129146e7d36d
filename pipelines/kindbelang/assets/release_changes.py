"""What this release changes in the published figures, compared with the publication readers see now (the current
release), for the page "Nieuw in deze release" and for analysts (Polars). Two marts:

* marts.release_changes: one row per change of a figure on its own boundaries (indicator, region, period, source
  table): `nieuwe periode` (a period of a source table that was not published before; one row per table and
  period), `herzien` (another value or release status), `vervallen` (published before, not now).
* marts.release_comparison: one row: which release was compared with, when it was made, and the counts.

The first release has nothing to compare with: previous_release is empty and there are no changes. Figures
harmonised to the boundary year follow from these and are not listed again.
"""

from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg
import duckdb
import polars as pl

from kindbelang import release
from kindbelang.resources import Warehouse, replace_table

KEYS = ["indicator_id", "region_code", "period", "source_table"]
FIGURES = ("SELECT indicator_id, region_code, period, source_table, value, status FROM marts.indicator_values "
           "WHERE boundary_year IS NULL")
CHANGE_SCHEMA = {"change": pl.String, **{k: pl.String for k in KEYS}, "value_previous": pl.Float64,
                 "value": pl.Float64, "status_previous": pl.String, "status": pl.String}


def published_figures(out) -> tuple[str | None, datetime | None, pl.DataFrame | None]:
    """The current release's name, when it was made, and its figures (None without a release)."""
    from kindbelang.assets.publish import PUBLISHED_DB

    current = release.current(out)
    database = current / "published" / PUBLISHED_DB if current else None
    if database is None or not database.exists():
        return None, None, None
    made = datetime.strptime(current.name.split("-")[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=timezone.utc)
    with duckdb.connect(str(database), read_only=True) as con:
        return current.name, made, con.sql(FIGURES).pl()


def compare(now: pl.DataFrame, before: pl.DataFrame) -> pl.DataFrame:
    """New periods, revised figures and figures gone, in the CHANGE_SCHEMA shape, sorted."""
    periods = ["source_table", "period"]
    new_periods = (now.select(periods).unique().join(before.select(periods).unique(), on=periods, how="anti")
                   .with_columns(pl.lit("nieuwe periode").alias("change")))
    both = now.join(before, on=KEYS, how="inner", suffix="_previous")
    revised = both.filter(pl.col("value").ne_missing(pl.col("value_previous"))
                          | pl.col("status").ne_missing(pl.col("status_previous"))).with_columns(
        pl.lit("herzien").alias("change"))
    gone = (before.join(now, on=KEYS, how="anti")
            .rename({"value": "value_previous", "status": "status_previous"})
            .with_columns(pl.lit("vervallen").alias("change")))
    frames = [frame.select([pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
                            for c, t in CHANGE_SCHEMA.items()]) for frame in (new_periods, revised, gone)]
    return pl.concat(frames).sort(["change", *KEYS], nulls_last=True)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["marts", "release_changes"], group_name="marts", kinds={"polars", "duckdb"},
                     deps=[dg.AssetKey(["marts", "indicator_values"])],
                     description="Wat deze release verandert ten opzichte van de publicatie die lezers nu zien."),
        dg.AssetSpec(["marts", "release_comparison"], group_name="marts", kinds={"polars", "duckdb"},
                     deps=[dg.AssetKey(["marts", "indicator_values"])],
                     description="Met welke publicatie deze release is vergeleken, en de aantallen."),
    ],
)
def release_changes(warehouse: Warehouse):
    from kindbelang.assets.sql_models import column_descriptions, comment_columns, sql_literal

    previous, made, before = published_figures(warehouse.paths.out)
    with warehouse.connect() as con:
        now = con.sql(FIGURES).pl()
        changes = compare(now, before) if before is not None else pl.DataFrame(schema=CHANGE_SCHEMA)
        counts = changes["change"].value_counts() if changes.height else None
        count = dict(counts.iter_rows()) if counts is not None else {}
        comparison = pl.DataFrame({
            "previous_release": [previous], "previous_made_at": [made], "figures": [now.height],
            "new_periods": [count.get("nieuwe periode", 0)], "revised": [count.get("herzien", 0)],
            "status_changed": [changes.filter(pl.col("status").ne_missing(pl.col("status_previous"))
                                              & (pl.col("change") == "herzien")).height],
            "gone": [count.get("vervallen", 0)]},
            schema={"previous_release": pl.String, "previous_made_at": pl.Datetime("us", "UTC"),
                    "figures": pl.Int64, "new_periods": pl.Int64, "revised": pl.Int64,
                    "status_changed": pl.Int64, "gone": pl.Int64})
        for name, frame in (("release_changes", changes), ("release_comparison", comparison)):
            replace_table(con, "marts", name, frame)
            con.execute(f"COMMENT ON TABLE marts.{name} IS "
                        f"{sql_literal(column_descriptions('marts')[name]['_table'])}")
            comment_columns(con, "marts", name)
    yield dg.MaterializeResult(asset_key=["marts", "release_changes"],
                               metadata={"dagster/row_count": changes.height, "compared_with": previous or "geen"})
    yield dg.MaterializeResult(asset_key=["marts", "release_comparison"], metadata={"dagster/row_count": 1})
