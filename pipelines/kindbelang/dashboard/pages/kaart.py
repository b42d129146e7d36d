"""Kaart en regio's: the gemeenten of every indicator and period on the map (boundaries from data/geo, values from
marts.indicator_values, also harmonised), the funnel plot of marts.youth_care_expected and the jeugdregio's."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl

from kindbelang.dashboard.charts import PALETTE, base_layout, figure_dict
from kindbelang.dashboard.data import indicator_ids
from kindbelang.dashboard.formatting import (
    ABOVE_100_NOTE, combined_source_label, esc, js_number_format, nl_number, period_label, release_status,
    script_json,
)
from kindbelang.dashboard.pages.themas import jeugdregio_chart

if TYPE_CHECKING:
    from kindbelang.dashboard.builder import SiteBuilder

MODEL_NOTE = "bewerking kindbelang: verwacht gebruik uit een model"


def boundary_files(b: SiteBuilder) -> dict[int, dict]:
    """Per data year the boundary file to draw: the year's own, or one with exactly the same gemeenten."""
    index_path = b.geo_dir / "index.json"
    if not index_path.exists():
        return {}
    index = {int(y): v for y, v in json.loads(index_path.read_text(encoding="utf-8")).items()}
    codes_by_year = {y: set(g["gemeente_code"].to_list())
                     for (y,), g in b.data.memberships.group_by("boundary_year")}
    chosen = {}
    for year, codes in sorted(codes_by_year.items()):
        if year in index and set(index[year]["codes"]) == codes:
            chosen[year] = {**index[year], "year_of_file": year, "same_as": None}
            continue
        for file_year, entry in sorted(index.items()):
            if set(entry["codes"]) == codes:
                chosen[year] = {**entry, "year_of_file": file_year, "same_as": file_year}
                break
    return chosen


def context(b: SiteBuilder) -> dict:
    files = boundary_files(b)
    gm = b.data.values.filter((pl.col("region_level") == "gemeente") & pl.col("boundary_year").is_null())
    harmonised = b.data.values.filter(pl.col("boundary_year").is_not_null()
                                         & (pl.col("region_level") == "gemeente"))
    published = {r["indicator_id"]: r for r in b.data.published()}
    selections = []
    geo_used: dict[int, str] = {}
    for (ind_id, period, year), group in gm.group_by(["indicator_id", "period", "year"]):
        if ind_id not in published or year not in files or group["value"].is_null().all():
            continue
        selections.append((ind_id, period, year, None, group))
    for (ind_id, period, byear), group in harmonised.group_by(["indicator_id", "period", "boundary_year"]):
        if ind_id in published and byear in files and not group["value"].is_null().all():
            selections.append((ind_id, period, byear, byear, group))
    order = list(published)
    selections.sort(key=lambda s: (order.index(s[0]), s[1], s[3] or 0))
    names_by_year: dict[int, dict[str, str]] = {}  # boundary year -> gemeente code -> name, for every series
    for year, code, name in b.data.memberships.select("boundary_year", "gemeente_code", "gemeente_name").iter_rows():
        names_by_year.setdefault(year, {})[code] = name
    series = []
    for ind_id, period, year, harmonised_year, group in selections:
        f = files[year]
        geo_used[f["year_of_file"]] = f["file"]
        series.append(map_series(b, published[ind_id], period, year, harmonised_year, group, f,
                                 names_by_year.get(year, {})))
    # The page loads the boundaries and values of the chosen year only, as assets/kaart/<name>.js calling
    # window.kbKaart(name, data): a script tag works from file://, fetch() does not.
    (b.out / "assets" / "kaart").mkdir(parents=True, exist_ok=True)

    def map_script(name: str, data: dict) -> None:
        (b.out / "assets" / "kaart" / f"{name}.js").write_text(
            f"window.kbKaart({json.dumps(name)},{json.dumps(data, separators=(',', ':'))});\n",
            encoding="utf-8")

    for file_year, filename in sorted(geo_used.items()):
        geo = json.loads((b.geo_dir / filename).read_text(encoding="utf-8"))
        for feature in geo["features"]:  # keep only what the map needs
            feature["properties"] = {"statcode": feature["properties"]["statcode"]}
        map_script(f"grenzen-{file_year}", geo)
    indicator_fields = ("indicatorTitle", "unit", "format", "caveat")
    indicators, year_files = {}, {}
    for s in series:
        indicators.setdefault(s["indicator"], {k: s[k] for k in indicator_fields})  # once, not per period
        for k in indicator_fields:
            del s[k]
        s["data"] = f"waarden-{s['period'][:4]}"
        data = year_files.setdefault(s["data"], {"regions": [], "series": {}})
        region = {"codes": s.pop("codes"), "names": s.pop("names")}
        if region not in data["regions"]:  # a year's series share the gemeenten of their boundaries
            data["regions"].append(region)
        data["series"][s["key"]] = {"region": data["regions"].index(region), "values": s.pop("values")}
        for per_row in ("statuses", "labels"):  # only where they differ between gemeenten
            cells = s.pop(per_row)
            if cells is not None:
                data["series"][s["key"]][per_row] = cells
    for name, data in year_files.items():
        map_script(name, data)
    data_years = sorted({int(y) for y in gm["year"].unique() if y is not None})
    missing_years = [y for y in data_years if y not in files]
    default = next((i for i, s in enumerate(series) if s["indicator"] == "jeugdzorg_pct"), 0)
    if series:
        default = max((i for i, s in enumerate(series) if s["indicator"] == series[default]["indicator"]
                       and s["period"].endswith("JJ00")), default=default)
    funnel = funnel_chart(b)
    region_charts = [c for c in (jeugdregio_chart(b, ind) for ind in list(published.values())[:1]) if c]
    return {"title": "Kaart en regio's", "map_series": series, "map_default": default,
            "map_json": script_json({"series": series, "indicators": indicators, "default": default,
                                     "aboveNote": ABOVE_100_NOTE}),
            "missing_years": missing_years, "harmonised": not harmonised.is_empty(),
            "funnel": funnel, "region_charts": region_charts,
            "indicator_options": [(i, published[i]["title"]) for i in dict.fromkeys(s["indicator"] for s in series)]}


def map_series(b: SiteBuilder, ind: dict, period: str, year: int, harmonised_year: int | None, group: pl.DataFrame,
               f: dict, names: dict[str, str]) -> dict:
    """One indicator and period on the map: values per gemeente (``names``: the gemeenten of ``year``), their
    source and caveat, and its CSV."""
    ind_id = ind["indicator_id"]
    rows = sorted(group.iter_rows(named=True),
                  key=lambda r: names.get(r["region_code"], b.data.region_names.get(r["region_code"], "")))
    key = f"{ind_id}-{period}" + (f"-h{harmonised_year}" if harmonised_year else "")
    # The CSV of a selection is made in the browser from the year file the map draws (site.js, kbSourcedCsv):
    # per gemeente its value, status and source, the caveat once. A status or source that is not the same for
    # every gemeente goes per row into the year file.
    statuses = [release_status(r) for r in rows]
    row_labels = [r["source_label"] for r in rows]
    boundary_note = (f"grenzen van 1 januari {year}" if not f["same_as"] else
                     f"grenzen van 1 januari {year} (dezelfde {len(f['codes'])} gemeenten als het "
                     f"grenzenbestand {f['year_of_file']})")
    if harmonised_year:
        boundary_note = f"geharmoniseerd naar de indeling van {harmonised_year}"
    labels = list(dict.fromkeys(r["source_label"] for r in rows if r["source_label"]))
    return {
        "key": key, "indicator": ind_id, "indicatorTitle": ind["title"], "unit": ind["unit"],
        "format": js_number_format(ind["unit"]),
        "period": period, "periodLabel": period_label(period), "geoYear": f["year_of_file"],
        "boundaryNote": boundary_note, "csv": f"kaart-{key}.csv",
        "source": labels[0] if len(labels) == 1 else combined_source_label(labels), "caveat": ind["caveat"] or "",
        "status": statuses[0] if len(set(statuses)) == 1 else None,
        "statuses": statuses if len(set(statuses)) > 1 else None,
        "labels": row_labels if len(set(row_labels)) > 1 else None,
        "above100": [r["region_code"] for r in rows if r["published_above_100"]],
        "codes": [r["region_code"] for r in rows],
        "names": [names.get(r["region_code"], b.data.region_names.get(r["region_code"], r["region_code"]))
                  for r in rows],
        "values": [r["value"] for r in rows],
    }


def funnel_chart(b: SiteBuilder) -> dict:
    """Funnel plot of marts.youth_care_expected with the mart's own control limits (binomial plus the
    between-gemeente variance the model leaves), so the page flags exactly what the mart flags."""
    if ("marts", "youth_care_expected") not in b.data.tables:
        return {"chart": None, "candidates": []}
    frame = b.data.table_frame("marts", "youth_care_expected").filter(
        pl.col("expected").is_not_null() & (pl.col("expected") > 0))
    if frame.is_empty():
        return {"chart": None, "candidates": ["youth_care_expected"]}
    latest = frame["period"].max()
    frame = frame.filter(pl.col("period") == latest)
    care_form = "jeugdhulp" if "jeugdhulp" in frame["care_form"].to_list() else frame["care_form"].min()
    frame = frame.filter(pl.col("care_form") == care_form).sort("expected")
    names = [b.data.region_names.get(c, c) for c in frame["gemeente_code"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=frame["expected"].to_list(), y=frame["ratio"].to_list(), mode="markers",
                             name="gemeente", marker={"color": PALETTE[0], "size": 6},
                             customdata=[[esc(n), nl_number(e, "aantal"), nl_number(r, "r")] for n, e, r in zip(
                                 names, frame["expected"], frame["ratio"])],
                             hovertemplate="%{customdata[0]}: verwacht %{customdata[1]}, verhouding "
                                           "%{customdata[2]}<extra></extra>"))
    for (low, high), dash, name in ((("lower_95", "upper_95"), "dash", "95%-grens"),
                                    (("lower_998", "upper_998"), "dot", "99,8%-grens")):
        for column, show in ((high, True), (low, False)):
            fig.add_trace(go.Scatter(x=frame["expected"].to_list(), y=frame[column].to_list(), mode="lines",
                                     name=name, showlegend=show, hoverinfo="skip",
                                     line={"color": "#3d3d3d", "dash": dash, "width": 1}))
    label = f"{period_label(latest)}, {care_form}"
    fig.update_layout(base_layout(f"Trechterdiagram waargenomen/verwacht {label}",
                                  xaxis={"title": {"text": "verwacht aantal"}, "gridcolor": "#d9d9d9"},
                                  yaxis={"title": {"text": "waargenomen / verwacht"}, "gridcolor": "#d9d9d9"}))
    outside = int(frame["outside_998"].sum())
    records = sorted(zip(names, frame.iter_rows(named=True)), key=lambda nr: (nr[0], nr[1]["gemeente_code"]))
    rows = [[n, r["gemeente_code"], r["observed"], r["expected"], r["ratio"], r["lower_998"], r["upper_998"],
             b.data.input_status([r["outcome_indicator_id"]] + indicator_ids(r["predictors"]), r["year"])]
            for n, r in records]
    summary = (f"Trechterdiagram uit marts.youth_care_expected ({label}): {len(rows)} gemeenten, {outside} "
               "buiten de 99,8%-grenzen. De grenzen tellen toevalsspreiding en de spreiding tussen gemeenten "
               "die het model niet verklaart mee. Samenhang tussen gebieden, geen effect op kinderen.")
    sources = [b.data.row_source(r, MODEL_NOTE) for _n, r in records]
    caveats = [r["caveat"] for _n, r in records]
    chart = b.chart("kaart-trechter", "Waargenomen en verwacht jeugdzorggebruik", summary,
                    ["gemeente", "code", "waargenomen", "verwacht", "verhouding", "ondergrens 99,8%",
                     "bovengrens 99,8%", "status"], rows, figure_dict(fig), sources, caveats,
                    units=[None, None, "aantal", "aantal", None, None, None, None],
                    caveat_notes=b.input_caveats(caveats, sources))
    return {"chart": chart, "table": "youth_care_expected"}

