"""The Dagster asset `site`: the static Dutch site for policy researchers, generated from the database of the
release being made, into that release's site/; then the release becomes current (database and site as one pair,
kindbelang/release.py) and quality/latest takes this run's check results. The work (pages, charts, formatting,
data reader) lives in kindbelang/dashboard/.
"""

from __future__ import annotations

import dagster as dg
import duckdb

from kindbelang import release
from kindbelang.assets.publish import PUBLISHED_DB
from kindbelang.dashboard.builder import build_site
from kindbelang.quality import refresh_latest
from kindbelang.resources import Warehouse


@dg.asset(
    key=["site"],
    group_name="publication",
    # Built from the published copy, so the site never shows figures that did not pass the quality gates.
    deps=[dg.AssetKey(["publication"])],
    kinds={"html", "plotly"},
    description="De statische website voor beleidsonderzoekers (Nederlands, offline te openen) in <out>/site/; "
    "samen met de gepubliceerde database zichtbaar gemaakt, als één paar.",
)
def site(context, warehouse: Warehouse) -> dg.MaterializeResult:
    out = warehouse.paths.out
    target = release.pending(out)
    if target is None:  # only the site changed: pair a new site with the database already published
        target = release.new_release(out, context.run_id)
        release.link_half(target, "published", release.current(out) / "published")
    stats: dict = {}

    def build(directory):
        with duckdb.connect(str(target / "published" / PUBLISHED_DB), read_only=True) as con:
            stats.update(build_site(con, directory, quality=(warehouse.paths.quality, context.run_id)))

    release.write_half(target, "site", build)
    release.switch(out, target)
    refresh_latest(warehouse.paths.quality, context.run_id)
    context.log.info(f"release {target.name} is now current: {out / 'site'}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(out / "site" / "index.html")),
        "release": target.name,
        "pages": stats["pages"], "csv_files": stats["csv_files"],
        "size_mb": round(stats["bytes"] / 1e6, 2), "seconds": stats["seconds"],
    })
