"""Per thema: per theme the provinces and jeugdregio's side by side in the latest period, national series, single
figures as cards, and the blind spots; then per ouderdomein the linkage charts (built by the SiteBuilder).

Where CBS published no provincial or jeugdregio figures on the boundaries of the period itself, the chart uses the
harmonised values of marts.indicator_values (boundary_year set: the parts summed onto the gemeenten of that year)
and says so beside the chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl

from kindbelang.dashboard.charts import PALETTE, Chart, base_layout, figure_dict
from kindbelang.dashboard.formatting import GAP_LIMITS, dutch_list, esc, figure_text, period_label, with_unit

if TYPE_CHECKING:
    from kindbelang.dashboard.builder import SiteBuilder

LEVEL_WORDS = {"provincie": ("Provinciecijfers", "provincies", "provincie"),
               "jeugdregio": ("Jeugdregiocijfers", "jeugdregio's", "jeugdregio")}
MAX_NAMED_MISSING = 12


def hover_texts(rows: list[dict], unit: str | None) -> list[str]:
    return [esc(figure_text(r["value"], unit, r["published_wording"])) for r in rows]


def region_bars(b: SiteBuilder, ind: dict, level: str) -> dict | None:
    """The latest period of an indicator at one region level, lowest value first, with Nederland: in the
    boundaries of the time, else (where a level exists only there) in the harmonised boundaries of the latest
    boundary year. Also the regions of that level that have no figure in that period (secret or, harmonised,
    incomplete)."""
    ptype = b.data.main_period_type(ind["indicator_id"])
    values = b.data.values.filter((pl.col("indicator_id") == ind["indicator_id"]) & (pl.col("period_type") == ptype))
    for own in (True, False):
        view = values.filter(pl.col("boundary_year").is_null() if own else pl.col("boundary_year").is_not_null())
        if not own and view.height:
            view = view.filter(pl.col("boundary_year") == view["boundary_year"].max())
        regions = view.filter((pl.col("region_level") == level) & pl.col("value").is_not_null())
        if regions.height:
            latest = regions["period"].max()
            missing = view.filter((pl.col("region_level") == level) & (pl.col("period") == latest)
                                  & pl.col("value").is_null())["region_code"].to_list()
            return {"period": latest, "boundary_year": None if own else view["boundary_year"][0],
                    "rows": list(regions.filter(pl.col("period") == latest).sort("value").iter_rows(named=True)),
                    "missing": sorted(b.data.region_names.get(c, c) for c in missing),
                    "nl": list(view.filter((pl.col("region_code") == "NL01") & (pl.col("period") == latest)
                                           & pl.col("value").is_not_null()).iter_rows(named=True))}
    return None


def harmonised_note(level: str, period: str, boundary_year: int | None, missing: list[str]) -> str:
    """Beside the chart: which boundaries, and which regions have no figure."""
    word, plural, _one = LEVEL_WORDS.get(level, (level, level, level))
    parts = []
    if boundary_year:
        parts.append(f"{word} op de gemeentegrenzen van {boundary_year} (geharmoniseerd): CBS publiceerde voor "
                     f"{period_label(period)} geen {plural} op de indeling van die periode; kindbelang telde de "
                     f"gemeentecijfers op naar de {plural} van {boundary_year}.")
    if missing:
        why = ("een deel van de gemeenten is geheim of ontbreekt, dan blijft het totaal leeg" if boundary_year
               else "geheim of niet gepubliceerd")
        named = dutch_list(missing) if len(missing) <= MAX_NAMED_MISSING else f"{len(missing)} {plural}"
        parts.append(f"Geen cijfer ({why}): {named}.")
    return " ".join(parts)


def region_chart(b: SiteBuilder, ind: dict, level: str, id: str, left_margin: int) -> Chart | None:
    """The regions of one level side by side in the latest period, with Nederland as a dashed line."""
    bars = region_bars(b, ind, level)
    if bars is None:
        return None
    unit, rows, nl = ind["unit"], bars["rows"], bars["nl"]
    when = period_label(bars["period"]) + (f", geharmoniseerd naar de gemeentelijke indeling van "
                                           f"{bars['boundary_year']}" if bars["boundary_year"] else "")
    names = [b.data.region_names.get(r["region_code"], r["region_code"]) for r in rows]
    values = [r["value"] for r in rows]
    fig = go.Figure(go.Bar(x=values, y=[esc(n) for n in names], orientation="h", marker_color=PALETTE[0],
                           customdata=hover_texts(rows, unit), hovertemplate="%{y}: %{customdata}<extra></extra>",
                           name=level))
    fig.update_layout(base_layout(f"{ind['title']} per {level}, {when}", showlegend=False,
                                  height=max(440, 16 * len(names) + 100),
                                  margin={"l": left_margin, "r": 20, "t": 50, "b": 50},
                                  xaxis={"title": {"text": "procent" if unit == "%" else (unit or "waarde")},
                                         "rangemode": "tozero"},
                                  yaxis={"tickfont": {"size": 11}, "automargin": True}))
    if nl:
        fig.add_vline(x=nl[0]["value"], line={"color": "#b3261e", "width": 2, "dash": "dash"},
                      annotation_text="Nederland", annotation_position="top", annotation_font_color="#b3261e")
    table = b.indicator_table(level, list(zip(names, rows)) + [("Nederland", r) for r in nl])
    lowest = f"van {names[0]} ({with_unit(values[0], unit)}) tot {names[-1]} ({with_unit(values[-1], unit)})" \
        if len(names) > 1 else f"alleen {names[0]} ({with_unit(values[0], unit)})"
    summary = (f"Staafdiagram: {ind['title']} in {len(names)} regio's ({level}) in {when}, {lowest}"
               + (f"; Nederland: {with_unit(nl[0]['value'], unit)}." if nl else "."))
    note = " ".join(n for n in ("Rode stippellijn: Nederland." if nl else "",
                                harmonised_note(level, bars["period"], bars["boundary_year"], bars["missing"])) if n)
    chart = b.chart(id, f"{ind['title']} per {level}", summary, table["header"], table["rows"], figure_dict(fig),
                    table["sources"], table["caveats"], units=table["units"], note=note)
    chart.harmonised = (f"{LEVEL_WORDS.get(level, (level,))[0]} op de gemeentegrenzen van {bars['boundary_year']} "
                        "(geharmoniseerd)") if bars["boundary_year"] else ""
    return chart


def province_chart(b: SiteBuilder, ind: dict) -> Chart | None:
    return region_chart(b, ind, "provincie", f"thema-{ind['indicator_id']}", left_margin=140)


def jeugdregio_chart(b: SiteBuilder, ind: dict, id: str | None = None) -> Chart | None:
    return region_chart(b, ind, "jeugdregio", id or f"regio-{ind['indicator_id']}", left_margin=230)


def theme_charts(b: SiteBuilder, ind: dict) -> list[Chart]:
    """The provinces and the jeugdregio's side by side; for an indicator with only national figures its series;
    a single figure gets no chart (it is shown as a card)."""
    charts = [c for c in (province_chart(b, ind),
                          jeugdregio_chart(b, ind, f"thema-{ind['indicator_id']}-jeugdregio")) if c]
    if not charts and b.has_series(ind):
        charts = [b.trend_chart(f"thema-{ind['indicator_id']}", f"{ind['title']}: ontwikkeling", [ind])]
    return charts


def context(b: SiteBuilder) -> dict:
    from kindbelang.dashboard.builder import ASSOCIATION_TEXT

    themes: dict[str, dict] = {}
    for ind in b.data.indicators.iter_rows(named=True):
        theme = themes.setdefault(ind["theme"], {"name": ind["theme"], "charts": [], "cards": [], "gaps": [],
                                                 "proxies": []})
        if ind["status"] == "gap":
            theme["gaps"].append({**ind, "gap_group": GAP_LIMITS[ind["gap_limit"]][0]})
            continue
        if ind["status"] == "proxy":
            theme["proxies"].append(ind)
        charts = theme_charts(b, ind)
        if charts:
            theme["charts"] += charts
        else:
            theme["cards"].append(b.headline(ind))
    return {"title": "Per thema", "themes": list(themes.values()),
            "extra_tables": [b.extra_table(t) for t in b.data.extra_marts()],
            "domains": b.ouderdomein_linkage(), "association_text": ASSOCIATION_TEXT,
            "domain_variance": b.domain_variance_chart()}
