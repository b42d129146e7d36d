"""Per thema: per theme the provinces and jeugdregio's side by side in the latest period, national series, single
figures as cards, and the blind spots; the other marts as tables to download; then per ouderdomein the linkage
charts (over-representation, association, household position) and which domains explain the differences between
gemeenten.

Where CBS published no provincial or jeugdregio figures on the boundaries of the period itself, the chart uses the
harmonised values of marts.indicator_values (boundary_year set: the parts summed onto the gemeenten of that year)
and says so beside the chart."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl

from kindbelang.dashboard.charts import PALETTE, Chart, Source, base_layout, figure_dict, hover_texts
from kindbelang.dashboard.formatting import (
    GAP_LIMITS, OUDERDOMEIN_LABELS, compact_column, display_cell, dutch_list, esc, nl_number, period_label,
    release_status, with_unit, wrap_text,
)

if TYPE_CHECKING:
    from kindbelang.dashboard.builder import SiteBuilder

LEVEL_WORDS = {"provincie": ("Provinciecijfers", "provincies", "provincie"),
               "jeugdregio": ("Jeugdregiocijfers", "jeugdregio's", "jeugdregio")}
MAX_NAMED_MISSING = 12
MAX_CSV_ROWS = 30_000   # above this an extra table's CSV on the site holds its latest year only
# Mart columns that the page shows as the `bron` column and the caveats below a table, not as raw cells.
SOURCE_COLUMNS = ("source_label", "caveat")
ASSOCIATION_TEXT = "Samenhang tussen gebieden, geen effect op kinderen (ecologische associatie)"
ASSOCIATION_NOTE = "bewerking kindbelang: samenhang tussen gemeenten"
DOMAINS_NOTE = "bewerking kindbelang: verdeling van de verklaarde verschillen tussen gemeenten"


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
    # The layout given to the constructor: update_layout on an existing figure takes twice as long, 61 times here.
    fig = go.Figure(go.Bar(x=values, y=[esc(n) for n in names], orientation="h", marker_color=PALETTE[0],
                           customdata=hover_texts(rows, unit), hovertemplate="%{y}: %{customdata}<extra></extra>",
                           name=level),
                    layout=base_layout(f"{ind['title']} per {level}, {when}", showlegend=False,
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


def extra_table(b: SiteBuilder, table: str) -> dict:
    """A mart beside the key figures: its first 100 rows on the page and a CSV, each row with its source."""
    frame = b.data.table_frame("marts", table)
    download, download_year = frame, None
    # A site that opens from a USB stick: big tables get their latest year as CSV; all rows are in the
    # Parquet export and the database.
    if frame.height > MAX_CSV_ROWS and "year" in frame.columns:
        download_year = frame["year"].max()
        download = frame.filter(pl.col("year") == download_year)
    rows = list(download.iter_rows(named=True))
    href = table_download(b, table, download.columns, rows)
    shown_columns = [c for c in frame.columns if c not in SOURCE_COLUMNS]
    shown = list(frame.head(100).iter_rows(named=True))
    return {"name": table, "columns": shown_columns, "total": frame.height, "csv_href": href,
            "rows": [[display_cell(r[c]) for c in shown_columns] for r in shown],
            "sources": [b.data.row_source(r) for r in shown],
            "caveats": [c for c in dict.fromkeys(b.data.row_caveat(r) for r in shown) if c],
            "csv_rows": download.height, "csv_year": download_year,
            "comment": b.data.table_comment("marts", table)}


def table_download(b: SiteBuilder, table: str, columns: list[str], rows: list[dict]) -> str:
    """The CSV of a mart table, made in the browser: assets/tabellen/<table>.js holds the columns compactly
    (formatting.compact_column) and site.js writes them as a CSV of the site (formatting.sourced_csv_rows),
    every row with its `bron`, the caveats once. The mart's own `caveat` column is that row's kanttekening and
    its `source_label` its bron where they are the same, so they are not repeated as columns. A mart without a
    release status of its own gets a column `status` (Data.row_status)."""
    labels = [s.label if s else None for s in (b.data.row_source(r) for r in rows)]
    caveats = [b.data.row_caveat(r) for r in rows]
    repeated = {"caveat": caveats, "source_label": labels}
    header = [c for c in columns if not (c in repeated and all(r[c] == x for r, x in zip(rows, repeated[c])))]
    cells = [[r[c] for r in rows] for c in header]
    if not {"status", "release_status"} & set(columns):  # a computed mart: the status of what it uses
        header.append("status")
        cells.append([b.data.row_status(r) for r in rows])
    data = {"header": header, "n": len(rows), "file": f"tabel-{table}.csv",
            "columns": [compact_column(c) for c in cells],
            "labels": compact_column(labels), "caveats": compact_column(caveats)}
    (b.out / "assets" / "tabellen").mkdir(parents=True, exist_ok=True)
    (b.out / "assets" / "tabellen" / f"{table}.js").write_text(
        f"window.kbTabel({json.dumps(table)},{json.dumps(data, ensure_ascii=False, separators=(',', ':'))});\n",
        encoding="utf-8")
    return f"tabel-{table}.csv"


def ouderdomein_linkage(b: SiteBuilder) -> list[dict]:
    """Per ouderdomein: national over-representation (marts.linkage_national) and association (marts.association)."""
    titles = dict(b.data.indicators.select("indicator_id", "title").iter_rows())
    domain_of = dict(b.data.indicators.select("indicator_id", "ouderdomein").iter_rows())
    linkage, assoc = b.data.linkage_frame(), b.data.latest_associations()
    names = [d for d in dict.fromkeys(b.data.indicators["ouderdomein"].to_list()) if d]
    domains = []
    for dom in names:
        label = OUDERDOMEIN_LABELS.get(dom, dom)
        item = {"id": dom, "label": label, "linkage": None, "association": None}
        if linkage is not None:
            rows = linkage.filter(pl.col("ouderdomein") == dom)
            if rows.height:
                item["linkage"] = linkage_chart(b, dom, label, rows)
        if assoc is not None:
            rows = assoc.filter(pl.col("parental_indicator_id").replace_strict(domain_of, default=None) == dom)
            if rows.height:
                item["association"] = association_chart(b, dom, label, rows, titles)
        household = dom == "relaties_scheiding"
        item["household"] = household_position_chart(b) if household else None
        item["household_by_form"] = household_by_care_form_chart(b) if household else None
        item["overrepresentation"] = overrepresentation_chart(b) if household else None
        domains.append(item)
    return domains


def domain_variance_chart(b: SiteBuilder) -> dict | None:
    """Which parental domains account most for the differences between gemeenten in each form of youth care
    (marts.association_domains). Per form the latest year with the most domains (a later year with fewer
    domains explains less only because a domain is missing), as one bar: the R² of the model with all domains,
    split into the domains' Shapley shares, which add up to it. Each row's source is that of every indicator in
    the form's model: a Shapley share depends on all of them."""
    frame = b.data.association_domains()
    if frame is None:
        return None
    titles = dict(b.data.indicators.select("indicator_id", "title").iter_rows())
    forms = [i for i in b.data.indicators["indicator_id"] if i in set(frame["youth_care_indicator_id"])]
    registry_order = {i: n for n, i in enumerate(b.data.indicators["indicator_id"])}

    def label(domain: str) -> str:
        return OUDERDOMEIN_LABELS.get(domain, domain)

    shown, choices = [], []
    for form in forms:
        rows = frame.filter(pl.col("youth_care_indicator_id") == form)
        most = rows["n_domains"].max()
        year = rows.filter(pl.col("n_domains") == most)["year"].max()
        chosen = rows.filter(pl.col("year") == year).sort("rank")
        shown.append((form, year, chosen))
        latest = rows["year"].max()
        if latest > year:
            later = set(rows.filter(pl.col("year") == latest)["ouderdomein"])
            missing = [label(d) for d in chosen["ouderdomein"] if d not in later]
            choices.append((year, latest, int(most), int(rows.filter(pl.col("year") == latest)["n_domains"][0]),
                            tuple(missing), titles.get(form, form)))
    # Why these years, once per distinct reason: "2022: in 2023 ontbreekt Ggz en gezondheid (3 domeinen)".
    by_reason: dict[tuple, list[str]] = {}
    for year, latest, most, fewer, missing, title in choices:
        by_reason.setdefault((year, latest, most, fewer, missing), []).append(title)
    everyone = len(by_reason) == 1 and len(choices) == len(shown)
    why = [f"{'voor alle vormen' if everyone else dutch_list(ts)} {year}, met {most} domeinen; in {latest}, het "
           f"laatste jaar, {'ontbreekt' if len(missing) == 1 else 'ontbreken'} {dutch_list(missing)} en zijn er "
           f"{fewer} domeinen" for (year, latest, most, fewer, missing), ts in by_reason.items()]
    # Domains of the registry that no model of the chosen year has.
    in_model = {d for _f, _y, c in shown for d in c["ouderdomein"]}
    absent = [label(d) for d in dict.fromkeys(b.data.indicators["ouderdomein"].drop_nulls())
              if d not in in_model]

    fig = go.Figure()
    ylabels = {form: "<br>".join(wrap_text(esc(f"{titles.get(form, form)} ({year}, {c['n_gemeenten'][0]} "
                                               "gemeenten)"), 34)) for form, year, c in shown}
    domains = list(dict.fromkeys(d for _f, _y, c in shown for d in c["ouderdomein"]))
    for k, dom in enumerate(sorted(domains, key=lambda d: list(OUDERDOMEIN_LABELS).index(d)
                                   if d in OUDERDOMEIN_LABELS else 99)):
        parts = [(form, r) for form, _y, c in shown for r in c.iter_rows(named=True) if r["ouderdomein"] == dom]
        fig.add_trace(go.Bar(
            y=[ylabels[f] for f, _r in parts], x=[r["shapley_r2"] for _f, r in parts], orientation="h",
            name=esc(label(dom)), marker_color=PALETTE[k % len(PALETTE)],
            customdata=[[nl_number(r["shapley_r2"], "r"), nl_number(r["r2_alone"], "r"),
                         with_unit(100 * r["share_of_explained"], "%") if r["share_of_explained"] is not None
                         else "–"] for _f, r in parts],
            hovertemplate=esc(label(dom)) + ": %{customdata[0]} van de R² (%{customdata[2]} van het verklaarde "
                          "deel); alleen dit domein: R² %{customdata[1]}<extra>%{y}</extra>"))
    for form, _year, c in shown:
        fig.add_annotation(x=c["full_model_r2"][0], y=ylabels[form], xanchor="left", showarrow=False,
                           text=esc(f" R² {nl_number(c['full_model_r2'][0], 'r')}"), font={"size": 12})
    fig.update_layout(base_layout(
        "Verschillen tussen gemeenten: deel per ouderdomein (R²)",
        barmode="stack", height=max(340, 90 * len(shown) + 160), margin={"l": 260, "r": 70, "t": 50, "b": 90},
        yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": 12}},
        xaxis={"title": {"text": "R²: deel van de verschillen tussen gemeenten (0 tot 1)"}, "rangemode": "tozero",
               "range": [0, min(1.0, max(c["full_model_r2"][0] for _f, _y, c in shown) * 1.25)]}))

    header = ["vorm van jeugdzorg", "jaar", "ouderdomein", "rang", "R² van het domein alleen",
              "Shapley-aandeel in de R²", "aandeel van het verklaarde deel (%)", "R² van alle domeinen samen",
              "gemeenten", "indicatoren van het domein", "niet meegenomen (te weinig gemeenten)", "status"]
    data, sources, caveats = [], [], []
    def share(r: dict) -> float | None:
        return None if r["share_of_explained"] is None else 100 * r["share_of_explained"]

    for form, year, c in shown:
        # In registry order, so that forms whose models read the same tables share one 'Bron:' line.
        model = [form] + sorted({i for inds in c["indicators"] for i in inds.split(", ")},
                                key=lambda i: registry_order.get(i, len(registry_order)))
        source = b.data.derived_source(model, DOMAINS_NOTE)
        for r in c.iter_rows(named=True):
            data.append([titles.get(form, form), str(year), label(r["ouderdomein"]), r["rank"], r["r2_alone"],
                         r["shapley_r2"], share(r),
                         r["full_model_r2"], r["n_gemeenten"],
                         ", ".join(titles.get(i, i) for i in r["indicators"].split(", ")),
                         ", ".join(titles.get(i, i) for i in (r["left_out"] or "").split(", ") if i) or None,
                         b.data.input_status(model, year)])
            sources.append(source)
            caveats.append(r["caveat"])
    summary = ("Gestapeld staafdiagram uit marts.association_domains: per vorm van jeugdzorg het laatste jaar met "
               "de meeste ouderdomeinen. "
               + " ".join(f"{titles.get(form, form)} ({year}, {c['n_gemeenten'][0]} gemeenten): alle domeinen "
                          f"samen R² {nl_number(c['full_model_r2'][0], 'r')}; "
                          + "; ".join(f"{label(r['ouderdomein'])} {nl_number(r['shapley_r2'], 'r')}"
                                      + (f" ({with_unit(share(r), '%')} van het verklaarde deel)"
                                         if share(r) is not None else "")
                                      for r in c.iter_rows(named=True)) + "."
                          for form, year, c in shown)
               + f" {ASSOCIATION_TEXT}.")
    chart = b.chart("ouderdomeinen-verklaring", "Welke ouderdomeinen verklaren de verschillen tussen gemeenten "
                    "het meest?", summary, header, data, figure_dict(fig), sources, caveats,
                    units=[None, None, None, None, "r", "r", "%", "r", "aantal", None, None, None],
                    note=f"{ASSOCIATION_TEXT}. De stukken van een staaf tellen op tot de R² van alle domeinen "
                         "samen; een domein dat vaak samen met een ander hoog is, deelt zijn aandeel met dat "
                         "domein.",
                    caveat_notes=b.input_caveats(caveats, sources))
    # The method per form: weighted by the youth population where CBS gives the percentage's denominator.
    methods: dict[str, list[str]] = {}
    for form, _year, c in shown:
        methods.setdefault(c["method"][0], []).append(titles.get(form, form))
    method = ("; ".join(m if len(methods) == 1 else f"{dutch_list(ts)}: {m}" for m, ts in methods.items()))
    return {"chart": chart, "why": why, "absent": absent, "method": method}


def household_by_care_form_chart(b: SiteBuilder) -> Chart | None:
    """Nederland, latest year of marts.household_position_by_care_form: the one-parent share per form of care
    with its 95% interval, beside the share among all youth with youth care."""
    frame = b.data.household_by_care_form_latest()
    if frame is None:
        return None
    year, table = frame["year"][0], frame["source_table"][0]
    forms = [r for r in frame.iter_rows(named=True)]
    fig = go.Figure(go.Bar(
        x=[r["one_parent_share"] for r in forms], y=[esc(r["care_form"]) for r in forms], orientation="h",
        marker_color=PALETTE[0],
        error_x={"type": "data", "symmetric": False,
                 "array": [r["one_parent_share_high"] - r["one_parent_share"] for r in forms],
                 "arrayminus": [r["one_parent_share"] - r["one_parent_share_low"] for r in forms],
                 "color": "#1a1a1a"},
        customdata=[esc(with_unit(r["one_parent_share"], "%")) for r in forms],
        hovertemplate="%{y}: %{customdata}<extra></extra>"))
    fig.update_layout(base_layout(f"Jongeren met jeugdzorg in een eenouderhuishouden per vorm, Nederland {year}",
                                  height=360, showlegend=False, margin={"l": 220, "r": 30, "t": 50, "b": 50},
                                  yaxis={"autorange": "reversed"},
                                  xaxis={"title": {"text": "% in een eenouderhuishouden"}, "rangemode": "tozero",
                                         "gridcolor": "#d9d9d9"}))
    fig.add_vline(x=forms[0]["all_youth_care_share"], line={"color": "#b3261e", "dash": "dash", "width": 1})
    header = ["vorm van jeugdzorg", "jongeren", "in eenouderhuishouden", "aandeel (%)", "95%-interval ondergrens",
              "95%-interval bovengrens", "verhouding tot alle jeugdzorg", "status"]
    rows = [[r["care_form"], r["youth_with_care_form"], r["one_parent"], r["one_parent_share"],
             r["one_parent_share_low"], r["one_parent_share_high"], r["ratio_to_all_youth_care"],
             release_status(r)] for r in forms]
    summary = (f"Staafdiagram uit marts.household_position_by_care_form (Nederland {year}, CBS {table}): "
               + "; ".join(f"{r['care_form']} {with_unit(r['one_parent_share'], '%')}" for r in forms)
               + ". De vormen overlappen. Samenhang in registers, geen effect van een scheiding op kinderen.")
    return b.chart("huishoudenspositie-per-vorm", "Huishoudenspositie per vorm van jeugdzorg (Nederland)",
                   summary, header, rows, figure_dict(fig), [b.data.row_source(r) for r in forms],
                   [r["caveat"] for r in forms], units=[None, "aantal", "aantal", "%", "%", "%", None, None],
                   note="Rode stippellijn: alle jongeren met jeugdzorg in natura. Jeugdregio's en "
                        "provincies: marts.household_position_by_care_form hieronder.")


# Markers of a verdict against a comparison: higher, lower, not distinguishable; the same on every chart.
VERDICT_STYLES = ((PALETTE[1], "triangle-up"), (PALETTE[0], "triangle-down"), ("#8c8c8c", "circle"))


def verdict_markers(fig: go.Figure, frame: pl.DataFrame, verdict: str, labels: tuple[str, str, str], x: str, y: str,
                    customdata, hovertemplate: str, interval: tuple[str, str] | None = None) -> None:
    """One marker trace per verdict (``labels``: higher, lower, not distinguishable); ``customdata(part)`` gives
    the hover fields of each point, ``interval`` the columns of its error bar (low, high)."""
    for label, (colour, symbol) in zip(labels, VERDICT_STYLES):
        part = frame.filter(pl.col(verdict) == label)
        error = {} if interval is None else {"error_y": {
            "type": "data", "symmetric": False, "thickness": 1, "width": 0,
            "array": (part[interval[1]] - part[y]).to_list(), "arrayminus": (part[y] - part[interval[0]]).to_list()}}
        fig.add_trace(go.Scatter(x=part[x].to_list(), y=part[y].to_list(), mode="markers", name=label,
                                 marker={"color": colour, "symbol": symbol, "size": 7}, customdata=customdata(part),
                                 hovertemplate=hovertemplate, **error))


def household_position_chart(b: SiteBuilder) -> Chart | None:
    """Funnel of the one-parent share among youth with youth care per gemeente (marts.household_position),
    latest period, with the limits of marts.household_position_funnel: the same score test as the mart's
    'hoger/lager' (its 99.8% Wilson interval), so the page flags exactly what the mart flags."""
    frame = b.data.household_position_latest()
    if frame is None:
        return None
    period, table = period_label(frame["period_key"][0]), frame["source_table"][0]
    limits = b.data.household_position_funnel(table, frame["period_key"][0])
    p0 = frame["national_share"][0] / 100
    fig = go.Figure()
    labels = ("hoger dan landelijk", "lager dan landelijk", "niet te onderscheiden van landelijk")
    verdict_markers(fig, frame, "compared_with_national", labels, "youth_with_youth_care", "one_parent_share",
                    lambda part: [[esc(n), with_unit(s, "%"), with_unit(y, "aantal")] for n, s, y in part.select(
                        "region_name", "one_parent_share", "youth_with_youth_care").iter_rows()],
                    "%{customdata[0]}: %{customdata[1]} van %{customdata[2]} jongeren met jeugdzorg<extra></extra>")
    for confidence, dash in (("95%", "dash"), ("99,8%", "dot")):
        band = limits.filter(pl.col("confidence") == confidence) if limits is not None else None
        if band is None or band.is_empty():
            continue
        for column, show in (("limit_high", True), ("limit_low", False)):
            fig.add_trace(go.Scatter(
                x=band["youth_with_youth_care"].to_list(), y=band[column].to_list(), mode="lines",
                name=f"{confidence}-grens", showlegend=show, hoverinfo="skip",
                line={"color": "#3d3d3d", "dash": dash, "width": 1}))
    fig.add_hline(y=100 * p0, line={"color": "#1a1a1a", "width": 1})
    fig.update_layout(base_layout(
        f"Jongeren met jeugdzorg in een eenouderhuishouden per gemeente, {period}",
        xaxis={"title": {"text": "jongeren met jeugdzorg (logaritmische schaal)"}, "type": "log",
               "gridcolor": "#d9d9d9"},
        yaxis={"title": {"text": "% in een eenouderhuishouden"}, "gridcolor": "#d9d9d9"}))
    header = ["gemeente", "code", "jongeren met jeugdzorg", "in eenouderhuishouden", "aandeel (%)",
              "95%-interval ondergrens", "95%-interval bovengrens", "landelijk (%)", "vergeleken met landelijk",
              "status"]
    records = list(frame.iter_rows(named=True))
    rows = [[r["region_name"], r["region_code"], r["youth_with_youth_care"], r["one_parent"],
             r["one_parent_share"], r["one_parent_share_low"], r["one_parent_share_high"], r["national_share"],
             r["compared_with_national"], release_status(r)] for r in records]
    counts = {g: int((frame["compared_with_national"] == g).sum()) for g in labels}
    summary = (f"Trechterdiagram uit marts.household_position ({period}, CBS {table}): {frame.height} gemeenten; "
               f"landelijk woont {with_unit(100 * p0, '%')} van de jongeren met jeugdzorg als kind in een "
               f"eenouderhuishouden. {counts['hoger dan landelijk']} gemeenten liggen boven en "
               f"{counts['lager dan landelijk']} onder de 99,8%-grens; de rest is niet te onderscheiden van "
               "landelijk. Een hoog aandeel kan ook betekenen dat er meer eenoudergezinnen wonen: de vergelijking "
               "met het aandeel eenouderhuishoudens in de gemeente zelf staat in de volgende grafiek (2016-2018). "
               "Samenhang tussen gebieden en huishoudenspositie, geen effect van een scheiding op kinderen.")
    return b.chart("huishoudenspositie", "Huishoudenspositie van jongeren met jeugdzorg per gemeente", summary,
                   header, rows, figure_dict(fig), [b.data.row_source(r) for r in records],
                   [r["caveat"] for r in records],
                   units=[None, None, "aantal", "aantal", "%", "%", "%", "%", None, None],
                   note="Per wijk: download marts.household_position hieronder of in de Parquet-export.")


def overrepresentation_chart(b: SiteBuilder) -> Chart | None:
    """Per gemeente, latest year with a population base: the one-parent share among youth with youth care at
    home divided by the one-parent share among households with children, with the mart's 99.8% interval."""
    frame = b.data.household_overrepresentation_latest()
    if frame is None:
        return None
    year, table, base_table = frame["year"][0], frame["source_table"][0], frame["population_source_table"][0]
    fig = go.Figure()
    labels = ("oververtegenwoordigd", "ondervertegenwoordigd", "niet te onderscheiden")
    verdict_markers(fig, frame, "overrepresentation", labels, "youth_at_home", "overrepresentation_ratio",
                    lambda part: [[esc(n), with_unit(r, None)] for n, r in part.select(
                        "region_name", "overrepresentation_ratio").iter_rows()],
                    "%{customdata[0]}: %{customdata[1]} keer het aandeel eenouderhuishoudens<extra></extra>",
                    interval=("overrepresentation_low", "overrepresentation_high"))
    fig.add_hline(y=1, line={"color": "#1a1a1a", "width": 1})
    fig.update_layout(base_layout(
        f"Eenouderhuishoudens: jongeren met jeugdzorg tegenover alle huishoudens met kinderen, {year}",
        xaxis={"title": {"text": "thuiswonende jongeren met jeugdzorg (logaritmische schaal)"}, "type": "log",
               "gridcolor": "#d9d9d9"},
        yaxis={"title": {"text": "verhouding (1 = even vaak)"}, "gridcolor": "#d9d9d9"}))
    header = ["gemeente", "code", "thuiswonende jongeren met jeugdzorg", "in eenouderhuishouden",
              "aandeel onder jongeren met jeugdzorg (%)", "aandeel eenouderhuishoudens (%)", "verhouding",
              "99,8%-interval ondergrens", "99,8%-interval bovengrens", "oordeel", "status"]
    records = list(frame.iter_rows(named=True))
    rows = [[r["region_name"], r["region_code"], r["youth_at_home"], r["one_parent"],
             r["one_parent_share_at_home"], r["one_parent_households_share"], r["overrepresentation_ratio"],
             r["overrepresentation_low"], r["overrepresentation_high"], r["overrepresentation"],
             release_status(r)] for r in records]
    counts = {g: int((frame["overrepresentation"] == g).sum()) for g in labels}
    summary = (f"Spreidingsdiagram uit marts.household_position ({year}; jeugdzorg CBS {table}, huishoudens CBS "
               f"{base_table}): {frame.height} gemeenten. In {counts['oververtegenwoordigd']} gemeenten wonen "
               "thuiswonende jongeren met jeugdzorg aantoonbaar vaker in een eenouderhuishouden dan het aandeel "
               "eenouderhuishoudens onder de huishoudens met kinderen (99,8%-interval boven 1), in "
               f"{counts['ondervertegenwoordigd']} aantoonbaar minder vaak; de rest is niet te onderscheiden. "
               "De vergelijkingsbasis telt huishoudens, geen kinderen, dus de verhouding valt eerder te laag uit. "
               "Samenhang tussen gebieden en huishoudenspositie, geen effect van een scheiding op kinderen.")
    # Two CBS tables make each ratio: the jeugdzorg wijken table and the gemeentefonds edition.
    sources = [Source(f"Bron: CBS, {r['source_table']}; CBS, {r['population_source_table']}", "tables",
                      (r["source_table"], r["population_source_table"])) for r in records]
    return b.chart("oververtegenwoordiging-eenouder", "Oververtegenwoordiging van eenouderhuishoudens per gemeente",
                   summary, header, rows, figure_dict(fig), sources, [r["caveat"] for r in records],
                   units=[None, None, "aantal", "aantal", "%", "%", None, None, None, None, None],
                   note=f"Bron aandeel eenouderhuishoudens: CBS, {base_table} (Maatstaven gemeentefonds). "
                        "Andere jaren (2016-2017) en Nederland: marts.household_position.")


def linkage_chart(b: SiteBuilder, dom: str, label: str, rows: pl.DataFrame) -> Chart:
    """The published national figures on over-representation of an ouderdomein among youth with youth care;
    a bar chart of the ratios where there are any, else the table alone."""
    header = ["maat", "jeugdzorggroep", "periode", "aandeel met jeugdzorg (gepubliceerd)", "referentiegroep",
              "aandeel referentie (gepubliceerd)", "verhouding", "gepubliceerde formulering", "verhouding is",
              "onderdeel van de bron", "link naar de bron", "status"]
    records = list(rows.iter_rows(named=True))
    data, plotted = [], []
    for r in records:
        lo, hi = r["ratio_low"], r["ratio_high"]
        ratio = None if lo is None else (nl_number(lo, None, 1) if hi is None or abs(hi - lo) < 1e-9
                                         else f"{nl_number(lo, None, 1)} tot {nl_number(hi, None, 1)}")
        wording = r["published_wording"] if r["ratio_source"] == "gepubliceerd" else (
            f"{r['published_share_youth_care']} tegenover {r['published_share_reference']} ({r['unit']})"
            if r["published_share_reference"] else (r["published_wording"] or "–"))
        data.append([r["measure"], r["youth_care_group"], r["period_label"], r["published_share_youth_care"],
                     r["reference_group"], r["published_share_reference"], ratio or "geen verhouding",
                     wording, r["ratio_source"] or "–", r["source_section"], r["source_url"], release_status(r)])
        if lo is not None:
            plotted.append((r, lo, hi if hi is not None else lo, wording, ratio))
    sources = [b.data.row_source(r) for r in records]
    caveats = [r["caveat"] for r in records]
    if not plotted:
        return b.chart(f"oververtegenwoordiging-{dom}", f"{label}: landelijke oververtegenwoordiging",
                       "", header, data, None, sources, caveats)
    labels = [esc(f"{r['youth_care_group']}: {r['measure']}") for r, *_ in plotted]
    labels = ["<br>".join(wrap_text(t, 45)) for t in labels]
    fig = go.Figure(go.Bar(
        x=[lo for _r, lo, _hi, _w, _t in plotted], y=labels, orientation="h", marker_color=PALETTE[0],
        error_x={"type": "data", "symmetric": False, "array": [hi - lo for _r, lo, hi, _w, _t in plotted],
                 "arrayminus": [0] * len(plotted), "color": "#1a1a1a"},
        text=[esc(f"{t} keer" + (" (gepubliceerd)" if r["ratio_source"] == "gepubliceerd" else " (berekend)"))
              for r, _lo, _hi, _w, t in plotted], textposition="outside", cliponaxis=False,
        customdata=[[esc(t), esc(w)] for *_x, w, t in plotted],
        hovertemplate="%{y}: %{customdata[0]} keer (%{customdata[1]})<extra></extra>"))
    fig.update_layout(base_layout(f"{label}: oververtegenwoordiging bij jeugdzorg (landelijk)",
                                  height=max(320, 70 * len(plotted) + 120), showlegend=False,
                                  margin={"l": 320, "r": 190, "t": 50, "b": 50},
                                  yaxis={"automargin": True, "tickfont": {"size": 11}},
                                  xaxis={"title": {"text": "verhouding (keer zo vaak als in de referentiegroep)"},
                                         "gridcolor": "#d9d9d9", "rangemode": "tozero"}))
    fig.add_vline(x=1, line={"color": "#b3261e", "dash": "dash", "width": 1})
    summary = (f"Staafdiagram: {len(plotted)} landelijke verhoudingen voor {label}, "
               + "; ".join(f"{r['youth_care_group']} ({r['measure']}): {t} keer, gepubliceerd als {w}"
                         for r, _lo, _hi, w, t in plotted)
               + ". Een bandbreedte staat als foutbalk. Nationaal verband in registraties, geen effect op kinderen.")
    return b.chart(f"oververtegenwoordiging-{dom}", f"{label}: landelijke oververtegenwoordiging", summary,
                   header, data, figure_dict(fig), sources, caveats,
                   note="Verhouding 1 = even vaak als in de referentiegroep (rode stippellijn).")


def association_chart(b: SiteBuilder, dom: str, label: str, rows: pl.DataFrame, titles: dict) -> Chart:
    header = ["indicator ouderdomein", "indicator jeugdzorg", "jaar", "gemeenten", "r",
              "95%-interval ondergrens", "95%-interval bovengrens", "methode", "status"]
    records = list(rows.iter_rows(named=True))
    data = [[titles.get(r["parental_indicator_id"], r["parental_indicator_id"]),
             titles.get(r["youth_care_indicator_id"], r["youth_care_indicator_id"]), str(r["year"]),
             r["n_gemeenten"],
             r["pearson_r"], r["ci95_lower"], r["ci95_upper"], r["method"],
             b.data.input_status([r["parental_indicator_id"], r["youth_care_indicator_id"]], r["year"])]
            for r in records]
    sources = [b.data.row_source(r, ASSOCIATION_NOTE) for r in records]
    labels = ["<br>".join(wrap_text(esc(f"{a} × {b}"), 45)) for a, b, *_ in data]
    fig = go.Figure(go.Scatter(
        x=[d[4] for d in data], y=labels, mode="markers", marker={"color": PALETTE[0], "size": 9},
        error_x={"type": "data", "symmetric": False, "array": [d[6] - d[4] for d in data],
                 "arrayminus": [d[4] - d[5] for d in data], "color": "#1a1a1a"},
        customdata=[nl_number(d[4], "r") for d in data],
        hovertemplate="%{y}: r = %{customdata}<extra></extra>"))
    fig.update_layout(base_layout(f"{label}: samenhang tussen gemeenten, {max(int(d[2]) for d in data)}",
                                  height=max(320, 50 * len(data) + 120), showlegend=False,
                                  margin={"l": 320, "r": 30, "t": 50, "b": 50},
                                  yaxis={"automargin": True, "tickfont": {"size": 11}},
                                  xaxis={"title": {"text": "Pearson r met 95%-betrouwbaarheidsinterval"},
                                         "range": [-1, 1], "gridcolor": "#d9d9d9", "zeroline": True}))
    summary = (f"Puntdiagram: correlatie r over gemeenten met 95%-interval voor {label}, laatste jaar: "
               + "; ".join(f"{a} en {b}: r = {nl_number(r_, 'r')} ({nl_number(lo, 'r')} tot "
                           f"{nl_number(hi, 'r')})" for a, b, _y, _n, r_, lo, hi, _m, _s in data)
               + f". {ASSOCIATION_TEXT}.")
    caveats = [r["caveat"] for r in records]
    return b.chart(f"samenhang-{dom}", f"{label}: samenhang tussen gemeenten", summary, header, data,
                   figure_dict(fig), sources, caveats,
                   units=[None, None, None, "aantal", "r", "r", "r", None, None],
                   note=ASSOCIATION_TEXT + ".", caveat_notes=b.input_caveats(caveats, sources))


def context(b: SiteBuilder) -> dict:
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
            "extra_tables": [extra_table(b, t) for t in b.data.extra_marts()],
            "domains": ouderdomein_linkage(b), "association_text": ASSOCIATION_TEXT,
            "domain_variance": domain_variance_chart(b)}
