"""The Dagster asset `site`: the static Dutch site for policy researchers, generated from the published
warehouse copy into <out>/site/. The work (pages, charts, formatting, data reader) lives in kindbelang/dashboard/.
"""

from __future__ import annotations

import dagster as dg
import duckdb

from kindbelang.dashboard.builder import build_site
from kindbelang.resources import Warehouse


@dg.asset(
    key=["site"],
    group_name="publication",
    # Built from the published copy, so the site never shows figures that did not pass the quality gates.
    deps=[dg.AssetKey(["publication"])],
    kinds={"html", "plotly"},
    description="De statische website voor beleidsonderzoekers (Nederlands, offline te openen) in <out>/site/.",
)
def site(context, warehouse: Warehouse) -> dg.MaterializeResult:
    site_dir = warehouse.paths.site
    with duckdb.connect(str(warehouse.paths.published / "kindbelang.duckdb"), read_only=True) as con:
        stats = build_site(con, site_dir)
    context.log.info(f"site written to {site_dir}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(site_dir / "index.html")),
        "pages": stats["pages"], "csv_files": stats["csv_files"],
        "size_mb": round(stats["bytes"] / 1e6, 2), "seconds": stats["seconds"],
    })
