"""Harmonised boundaries: intermediate.boundary_crosswalk maps every gemeente of every year (2015-) to the
gemeente(s) of one boundary year.

How the crosswalk is made, from real data only:
  * Code continuity (Gebieden in Nederland, 70739NED): a gemeente code that still exists in the boundary year
    kept its code in every year in between (checked: no code has a gap), so it maps to itself with weight 1.
    Grenscorrecties between continuing gemeenten are therefore not modelled.
  * Every other code ended between its year and the boundary year (checked against the end dates in
    70739NED). All such codes exist on 1 January 2015 (checked: no gemeente began after 2015 and ended before
    the boundary year), so its territory is its polygon in the real CBS/PDOK boundaries of 2015
    (data/geo/gemeente_2015.decoded.geojson). It is overlaid with the boundary year's polygons
    (gemeente_2025.geojson, which also serves 2023 and 2024: same 342 codes) in an equal-area (sinusoidal)
    projection. Both layers are generalised (2015 to a ~300 m grid) and 2015 includes inland water, so the
    2015 polygon is first shrunk by EROSION_KM; that removes the border slivers (for continuing gemeenten the
    largest remaining leak is <0.3%, except Nissewaard's water) while real transfers of whole villages survive.
    Shares under MIN_SHARE are dropped as noise and the rest renormalised.
  * A code with more than one target is a split (is_split): Haaren 2015-2020 (Vught, Oisterwijk, Tilburg,
    Boxtel), Littenseradiel 2015-2017 (Súdwest-Fryslân, Leeuwarden, Waadhoeke), Winsum 2015-2018 (Het Hogeland,
    Westerkwartier) and Slochteren 2015-2017 (Midden-Groningen, Groningen: Meerstad). Its counts are divided
    by LAND AREA share, not population: open data hold no population below the gemeente on these boundaries.
    Area shares can differ from population shares (Littenseradiel by area 0.54/0.36/0.10; the population gains
    of the receivers in 2018 suggest roughly 0.49/0.33/0.18).
"""


import json
import os
from datetime import date
from functools import lru_cache

import dagster as dg
import numpy as np
import polars as pl
import shapely
from shapely.geometry import shape

from kindbelang.resources import Warehouse, replace_table
from kindbelang.settings import PROJECT_ROOT

GEO_DIR = PROJECT_ROOT / "data" / "geo"
EROSION_KM = 0.8      # shrink the 2015 polygon by this much before the overlay (generalisation noise)
MIN_SHARE = 0.02      # smaller area shares (after erosion) are noise, not territory
SPLIT_BELOW = 0.98    # a source with a target share below this (and more than one target) is a split
# The boundary years for which real polygons exist; 2023 and 2024 have the same gemeenten as 2025.
GEOMETRY_FOR_YEAR = {2015: "2015", 2023: "2025", 2024: "2025", 2025: "2025"}
LON0, EARTH_KM = 5.4, 6371.0088

METHOD_SAME = "ongewijzigd: code bestaat tot en met het grensjaar (70739NED, Gebieden in Nederland)"
METHOD_WHOLE = "opgegaan: volledig in één gemeente (landoppervlakte-overlay CBS/PDOK-grenzen 2015 x grensjaar)"
METHOD_SPLIT = ("gesplitst: verdeeld naar aandeel landoppervlakte (overlay CBS/PDOK-grenzen 2015 x grensjaar), "
                "niet naar bevolking")


def _equal_area(xy: np.ndarray) -> np.ndarray:
    """Sinusoidal projection (equal-area) around the Dutch central meridian, in km."""
    lat = np.radians(xy[:, 1])
    return np.column_stack([np.radians(xy[:, 0] - LON0) * np.cos(lat) * EARTH_KM, lat * EARTH_KM])


def _polygonal(geometry) -> shapely.Geometry:
    valid = shapely.make_valid(geometry, method="structure", keep_collapsed=False)
    return shapely.union_all([p for p in shapely.get_parts(valid) if p.geom_type in ("Polygon", "MultiPolygon")])


def read_polygons(year: str) -> dict[str, tuple[str, shapely.Geometry]]:
    """statcode -> (statnaam, polygon in km, equal-area) for one boundary file listed in data/geo/index.json."""
    index = json.loads((GEO_DIR / "index.json").read_text(encoding="utf-8"))
    features = json.loads((GEO_DIR / index[year]["file"]).read_text(encoding="utf-8"))["features"]
    return {f["properties"]["statcode"]: (f["properties"]["statnaam"],
                                          _polygonal(shapely.transform(shape(f["geometry"]), _equal_area)))
            for f in features}


@lru_cache(maxsize=4)
def area_shares(target_file: str) -> dict[str, dict[str, float]]:
    """For every 2015 gemeente: its share (of land area, after erosion) in each gemeente of target_file."""
    source, target = read_polygons("2015"), read_polygons(target_file)
    codes = list(target)
    tree = shapely.STRtree([target[c][1] for c in codes])
    shares = {}
    for code, (_, polygon) in source.items():
        core = polygon.buffer(-EROSION_KM)
        if core.is_empty or core.area < 0.05 * polygon.area:   # very small gemeente: no erosion
            core = polygon
        overlap = {codes[i]: shapely.intersection(core, target[codes[i]][1]).area for i in tree.query(core)}
        total = sum(overlap.values())
        kept = {c: a / total for c, a in overlap.items() if total and a / total >= MIN_SHARE}
        shares[code] = {c: a / sum(kept.values()) for c, a in kept.items()}
    return shares


def build_crosswalk(memberships: pl.DataFrame, history: pl.DataFrame, boundary_year: int) -> pl.DataFrame:
    """One row per (year, gemeente of that year, gemeente of the boundary year) with its weight."""
    if boundary_year not in GEOMETRY_FOR_YEAR:
        raise ValueError(f"boundary year {boundary_year}: no real gemeente boundaries in data/geo "
                         f"(available: {sorted(GEOMETRY_FOR_YEAR)})")
    years = sorted(y for y in memberships["boundary_year"].unique() if y <= boundary_year)
    codes_by_year = {y: set(memberships.filter(pl.col("boundary_year") == y)["gemeente_code"]) for y in years}
    target_codes = codes_by_year[boundary_year]
    names = dict(memberships.filter(pl.col("boundary_year") == boundary_year)
                 .select("gemeente_code", "gemeente_name").iter_rows())
    geometry = read_polygons(GEOMETRY_FOR_YEAR[boundary_year])
    if set(geometry) != target_codes:
        raise ValueError(f"data/geo polygons do not match the gemeenten of {boundary_year}: "
                         f"{sorted(set(geometry) ^ target_codes)}")
    shares = area_shares(GEOMETRY_FOR_YEAR[boundary_year]) if boundary_year != 2015 else {}
    end_dates = dict(history.select("gemeente_code", "end_date").iter_rows())
    rows = []
    for year in years:
        for code, name in (memberships.filter(pl.col("boundary_year") == year)
                           .select("gemeente_code", "gemeente_name").iter_rows()):
            if code in target_codes:
                # Code continuity: present in every year from `year` to the boundary year.
                if not all(code in codes_by_year[y] for y in years if y >= year):
                    raise ValueError(f"{code} has a gap between {year} and {boundary_year}")
                targets, method = {code: 1.0}, METHOD_SAME
            else:
                end = end_dates.get(code)
                if end is None or end > date(boundary_year, 1, 1) or end <= date(year, 1, 1):
                    raise ValueError(f"{code} ({year}) is not in {boundary_year}, but 70739NED ends it on {end}")
                if code not in shares:
                    raise ValueError(f"{code} ({year}) has no 2015 polygon in data/geo: resolve it by hand")
                targets = shares[code]
                method = METHOD_SPLIT if len(targets) > 1 else METHOD_WHOLE
            split = len(targets) > 1 and min(targets.values()) < SPLIT_BELOW
            for target, weight in sorted(targets.items()):
                rows.append({"from_year": year, "from_code": code, "from_name": name,
                             "to_boundary_year": boundary_year, "to_code": target, "to_name": names[target],
                             "weight": weight, "is_split": split, "method": method})
    crosswalk = pl.DataFrame(rows)
    _check(crosswalk, codes_by_year, history, boundary_year)
    return crosswalk


def _check(crosswalk: pl.DataFrame, codes_by_year: dict[int, set[str]], history: pl.DataFrame,
           boundary_year: int) -> None:
    totals = crosswalk.group_by("from_year", "from_code").agg(pl.col("weight").sum())
    if (totals["weight"] - 1).abs().max() > 1e-9:
        raise ValueError("crosswalk weights do not sum to 1 per source gemeente")
    for year, codes in codes_by_year.items():
        reached = set(crosswalk.filter(pl.col("from_year") == year)["to_code"])
        if reached != codes_by_year[boundary_year]:
            raise ValueError(f"{year}: gemeenten of {boundary_year} not reached: "
                             f"{sorted(codes_by_year[boundary_year] - reached)}")
    # A gemeente that began after a year must receive something from an ended gemeente of that year.
    begun = dict(history.select("gemeente_code", "begin_date").iter_rows())
    moved = crosswalk.filter(pl.col("from_code") != pl.col("to_code"))
    for code in codes_by_year[boundary_year]:
        start = begun.get(code)
        for year in codes_by_year:
            if start is not None and start.year > year and code not in codes_by_year[year]:
                if moved.filter((pl.col("from_year") == year) & (pl.col("to_code") == code)).is_empty():
                    raise ValueError(f"{code} began in {start.year} but nothing of {year} maps to it")


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
    key=["intermediate", "boundary_crosswalk"],
    group_name="intermediate",
    deps=[dg.AssetKey(["staging", "gemeente_memberships"]), dg.AssetKey(["staging", "gemeente_history"])],
    kinds={"polars", "duckdb"},
    description="Herindelingssleutel: elke gemeente van elk jaar (2015-) naar de gemeente(n) van het "
    "grensjaar (standaard het laatste in de momentopname; KINDBELANG_BOUNDARY_YEAR), met gewicht en methode. "
    "Opgeheven gemeenten: overlay van de echte CBS/PDOK-grenzen van 2015 met die van het grensjaar; "
    "splitsingen naar aandeel landoppervlakte (niet bevolking).",
)
def boundary_crosswalk(config: CrosswalkConfig, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        memberships = con.sql("SELECT * FROM staging.gemeente_memberships").pl()
        history = con.sql("SELECT * FROM staging.gemeente_history").pl()
        year = configured_boundary_year(config.boundary_year, memberships["boundary_year"].unique().to_list())
        crosswalk = build_crosswalk(memberships, history, year)
        replace_table(con, "intermediate", "boundary_crosswalk",
                      crosswalk.sort("from_year", "from_code", "to_code"))
        con.execute("COMMENT ON TABLE intermediate.boundary_crosswalk IS 'Herindelingssleutel naar het grensjaar; "
                    "splitsingen verdeeld naar aandeel landoppervlakte (CBS/PDOK-grenzen), niet naar bevolking.'")
    splits = crosswalk.filter(pl.col("is_split")).group_by("from_code", "from_name").agg(
        pl.col("from_year").min().alias("first"), pl.col("from_year").max().alias("last"),
        pl.format("{}: {}", pl.col("to_name"), pl.col("weight").round(3)).unique().alias("targets"))
    return dg.MaterializeResult(metadata={
        "boundary_year": year, "rows": crosswalk.height,
        "changed_gemeenten": crosswalk.filter(pl.col("from_code") != pl.col("to_code"))["from_code"].n_unique(),
        "splits": dg.MetadataValue.json(splits.sort("from_code").to_dicts()),
    })
