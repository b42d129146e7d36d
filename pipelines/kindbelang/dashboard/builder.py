"""`SiteBuilder` writes the pages into <out>/site/, to open from disk with no internet: plotly.js once in site/assets/,
gemeente boundaries from data/geo/, templates and shared CSS/JS from dashboards/. Tables other assets may not have
built yet are looked up in DuckDB's information schema; a page shows what exists and says what is not there yet.

Every figure on the site carries its own source (`Source`, from the marts' source_label) and the caveat of its
indicator: on the page as a 'Bron:' line and a 'Kanttekening'; in every CSV per row its `bron` and release status,
and in `kanttekening` the key of its caveat, whose text stands once below the data (formatting.sourced_csv_rows).
The CSVs of the map and of the tables of the monitor are made in the browser (site.js) from the compact files the
site holds for them, so the site stays small."""

from __future__ import annotations

import json
import math
import shutil
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import plotly.graph_objects as go
import polars as pl

from kindbelang import settings
from kindbelang.dashboard.charts import ABOVE_100_COLUMN, PALETTE, Chart, Source, base_layout, figure_dict
from kindbelang.dashboard.data import Data, indicator_ids
from kindbelang.dashboard.pages import gemeenteprofiel as gemeenteprofiel_page
from kindbelang.dashboard.pages import overzicht as overzicht_page
from kindbelang.dashboard.pages import themas as themas_page
from kindbelang.dashboard.formatting import (
    ABOVE_100_NOTE, CSV_CAVEAT_KEY, CSV_CAVEAT_LABEL, CSV_LEGEND_LABEL, CSV_LEGEND_TEXT, DIRECTION_LABELS,
    GAP_LIMITS, OUDERDOMEIN_LABELS, PERIOD_TYPE_ORDER, STATUS_LABELS, change_text, combined_source_label,
    compact_column, display_cell, dutch_list, esc, figure_text, js_number_format, literal_wording, nl_number,
    period_label, publication_citation, script_json, with_unit, wrap_text, write_csv, write_sourced_csv,
)

DASHBOARDS_DIR = settings.PROJECT_ROOT / "dashboards"
# The legend of the CSVs made in the browser (site.js kbSourcedCsv), as formatting.sourced_csv_rows writes it.
CSV_LEGEND_JSON = script_json({"label": CSV_LEGEND_LABEL, "text": CSV_LEGEND_TEXT, "key": CSV_CAVEAT_KEY,
                               "caveat": CSV_CAVEAT_LABEL})
GEO_DIR = settings.PROJECT_ROOT / "data" / "geo"

PAGES = [
    ("index.html", "Overzicht"),
    ("themas.html", "Per thema"),
    ("kaart.html", "Kaart en regio's"),
    ("gemeenteprofiel.html", "Gemeenteprofiel"),
    ("blinde-vlekken.html", "Blinde vlekken"),
    ("nieuw.html", "Nieuw in deze release"),
    ("verantwoording.html", "Verantwoording"),
]

SIZE_CLASSES = [(0, 20_000, "minder dan 20.000 inwoners"), (20_000, 50_000, "20.000 tot 50.000 inwoners"),
                (50_000, 100_000, "50.000 tot 100.000 inwoners"), (100_000, 10**9, "100.000 inwoners of meer")]
MAX_CSV_ROWS = 30_000   # above this an extra table's CSV on the site holds its latest year only
# The signal rule of marts.monitor (sql/marts/monitor.sql header, README.md), in Dutch for the site.
SIGNAL_RULE = ("Een signaal betekent: de waarde is ten opzichte van dezelfde periode een jaar eerder in de "
               "ongunstige richting (volgens het indicatorregister) veranderd met meer dan het grootste van 5% van "
               "de vorige waarde en, bij percentages, 0,5 procentpunt. Indicatoren zonder voorkeursrichting geven "
               "nooit een signaal. Gemeenten met kleine aantallen (teller nu of in de vorige periode onder 20, of "
               "minder dan 10.000 inwoners) geven geen signaal: door de afronding van CBS (aantallen op vijftallen, "
               "aandelen op één decimaal) zijn kleine veranderingen daar ruis.")
ASSOCIATION_TEXT = "Samenhang tussen gebieden, geen effect op kinderen (ecologische associatie)"
ASSOCIATION_NOTE = "bewerking kindbelang: samenhang tussen gemeenten"
MODEL_NOTE = "bewerking kindbelang: verwacht gebruik uit een model"
DOMAINS_NOTE = "bewerking kindbelang: verdeling van de verklaarde verschillen tussen gemeenten"
# Mart columns that the page shows as the `bron` column and the caveats below a table, not as raw cells.
SOURCE_COLUMNS = ("source_label", "caveat")


def unit_title(unit: str | None) -> str:
    """A unit as a chart axis names it."""
    return "procent" if unit == "%" else (unit or "waarde")


def same_source(a: dict, b: dict) -> bool:
    """Two figures of a series that may be compared: CBS tables continue each other, separate publications
    (other editions, revised series) do not."""
    publication = "publicatie" in (a["source_kind"], b["source_kind"])
    return not publication or a["source_table"] == b["source_table"]


def release_status(row: dict) -> str:
    """The release status as the source gives it (voorlopig, nader voorlopig, definitief), else onbekend: a
    publication figure carries none, and it is never guessed."""
    return row.get("status") or "onbekend"


def hover_texts(rows: list[dict], unit: str | None) -> list[str]:
    """Each figure as the page prints it, for the hover label (customdata)."""
    return [esc(figure_text(r["value"], unit, r["published_wording"])) for r in rows]


class SiteBuilder:
    def __init__(self, con, site_dir: Path, geo_dir: Path = GEO_DIR, quality: tuple[Path, str] | None = None):
        self.data = Data(con)
        self.site = site_dir
        self.geo_dir = geo_dir
        self.quality = quality  # (quality dir, run id) of the run this release comes from
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(DASHBOARDS_DIR)),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True,
        )
        self.env.filters["nl"] = nl_number
        self.env.filters["period"] = period_label
        self.env.filters["with_unit"] = with_unit
        self.built_at = datetime.now(timezone.utc).astimezone()
        self.pages_written: dict[str, int] = {}
        self.csv_count = 0

    # -- infrastructure
    def build(self) -> dict:
        start = time.perf_counter()
        # site_dir is a fresh directory that kindbelang.release renames into place when the build is complete.
        (self.site / "assets").mkdir(parents=True, exist_ok=True)
        self.out = self.site
        # plotly.js is the vendored partial bundle dashboards/static/plotly-kindbelang.min.js, copied below
        for static in (DASHBOARDS_DIR / "static").iterdir():
            shutil.copyfile(static, self.out / "assets" / static.name)
        self.release = self.release_comparison()
        for filename, _title in PAGES:
            builder = getattr(self, "page_" + filename.removesuffix(".html").replace("-", "_"))
            self.render(filename, builder())
        size = sum(p.stat().st_size for p in self.site.rglob("*") if p.is_file())
        return {"pages": len(self.pages_written), "csv_files": self.csv_count, "bytes": size,
                "seconds": round(time.perf_counter() - start, 2)}

    def render(self, filename: str, context: dict) -> None:
        template = self.env.get_template(filename.replace("-", "_"))
        context.setdefault("uses_plotly", True)
        text = template.render(
            pages=PAGES, current=filename, built_at=self.built_at.strftime("%d-%m-%Y %H:%M"),
            source_tables=self.data.cbs_source_tables, publication_sources=self.data.publication_sources,
            csv_legend=CSV_LEGEND_JSON, **context)
        (self.out / filename).write_text(text, encoding="utf-8")
        self.pages_written[filename] = len(text.encode())

    def csv(self, relpath: str, header: list[str], rows: list[list]) -> str:
        write_csv(self.out / relpath, header, rows)
        self.csv_count += 1
        return relpath

    def sourced_csv(self, relpath: str, header: list[str], rows: list[list], sources: list[Source | None],
                    caveats: list[str | None]) -> str:
        """A CSV of figures: every row ends with its `bron` and the key of its `kanttekening`; the caveats follow the
        data once each (formatting.sourced_csv_rows)."""
        write_sourced_csv(self.out / relpath, header, rows, [s.label if s else None for s in sources], caveats)
        self.csv_count += 1
        return relpath

    def chart(self, id: str, title: str, summary: str, header: list[str], rows: list[list], fig: dict | None,
              sources: list[Source | None], caveats: list[str | None], units: list | None = None, note: str = "",
              caveat_notes: list[str] | None = None) -> Chart:
        href = self.sourced_csv(f"data/{id}.csv", header, rows, sources, caveats)
        return Chart(id=id, title=title, summary=summary, header=header, rows=rows, sources=sources,
                     caveats=caveats, csv_href=href, figure=fig, units=units or [], note=note,
                     caveat_notes=caveat_notes)

    # -- shared pieces
    def indicator_table(self, first: str, records: list[tuple[str, dict]]) -> dict:
        """Header, rows, sources and caveats of a table of marts.indicator_values rows, each with a label (region or
        indicator) in the first column. The published wording and the publication's own note get a column when
        some row has one."""
        rows = [r for _label, r in records]
        wordings = [literal_wording(r["published_wording"], r["value"]) for r in rows]
        notes = [r["source_note"] for r in rows]
        header = [first, "periode", "waarde", "eenheid"]
        table = [[label, period_label(r["period"]), r["value"], r["unit"]] for label, r in records]
        units = [None, None, records[0][1]["unit"] if records else None, None]
        for name, column in (("gepubliceerd als", wordings), ("toelichting bij de bron", notes)):
            if any(column):
                header.append(name)
                units.append(None)
                for row, v in zip(table, column):
                    row.append(v)
        header += ["status", ABOVE_100_COLUMN]
        for row, r in zip(table, rows):
            row += [release_status(r), bool(r["published_above_100"])]
        return {"header": header, "rows": table, "units": units, "sources": [Data.value_source(r) for r in rows],
                "caveats": [r["caveat"] for r in rows]}

    def headline(self, ind: dict) -> dict:
        """The card of one indicator: its latest figure for Nederland, the change, its source and caveat."""
        ind_id, unit = ind["indicator_id"], ind["unit"]
        ptype = self.data.main_period_type(ind_id)
        series = [r for r in self.data.series(ind_id, "NL01", ptype) if r["value"] is not None]
        latest = series[-1] if series else None
        previous = series[-2] if len(series) > 1 else None
        comparable = previous is not None and same_source(latest, previous)
        change = latest["value"] - previous["value"] if comparable else None
        direction = ind["direction"]
        if change is None or abs(change) < 1e-9:
            arrow, tone, word = "→", "neutral", "gelijk gebleven" if change is not None else "geen vergelijking"
        else:
            up = change > 0
            arrow = "▲" if up else "▼"
            word = "gestegen" if up else "gedaald"
            if direction == "neutral":
                tone = "neutral"
            else:
                good = (up and direction == "higher_is_better") or (not up and direction == "lower_is_better")
                tone = "good" if good else "bad"
        tone_word = {"good": "gunstig", "bad": "ongunstig", "neutral": "neutraal"}[tone]
        no_comparison = ("geen vergelijking: het vorige cijfer komt uit een andere publicatie"
                         if previous is not None and not comparable else "geen vergelijking")
        note = latest["source_note"] if latest else None
        wording = literal_wording(latest["published_wording"], latest["value"]) if latest else None
        return {
            "id": ind_id, "title": ind["title"], "unit": unit, "theme": ind["theme"], "period_type": ptype,
            "latest_value": figure_text(latest["value"], unit, latest["published_wording"]) if latest
            else "geen cijfer",
            "latest_period": period_label(latest["period"]) if latest else "–",
            "status": release_status(latest) if latest else "–",
            "previous_period": period_label(previous["period"]) if previous else None,
            "change": change_text(change, unit) if change is not None else "", "no_comparison": no_comparison,
            "arrow": arrow, "tone": tone, "tone_word": tone_word, "word": word,
            "direction": DIRECTION_LABELS.get(direction, direction),
            "source": (Data.value_source(latest) if latest else None) or self.data.indicator_source(ind_id),
            "caveat": ind["caveat"],
            # the publication's own note, unless it only repeats the wording shown as the figure
            "source_note": note if note and note.strip("' ") != wording else None,
            "above_100": ABOVE_100_NOTE if latest and latest["published_above_100"] else None,
        }

    def trend_chart(self, id: str, title: str, indicators: list[dict], region: str = "NL01") -> Chart | None:
        if not indicators:
            return None
        fig = go.Figure()
        records, periods = [], {}
        unit = indicators[0]["unit"]
        for ind in indicators:
            series = self.data.series(ind["indicator_id"], region, self.data.main_period_type(ind["indicator_id"]))
            fig.add_trace(go.Scatter(x=[period_label(r["period"]) for r in series], y=[r["value"] for r in series],
                                     name=esc(ind["title"]), mode="lines+markers",
                                     customdata=hover_texts(series, unit),
                                     hovertemplate="%{x}: %{customdata}<extra>" + esc(ind["title"]) + "</extra>"))
            records += [(ind["title"], r) for r in series]
            periods.update({r["period"]: period_label(r["period"]) for r in series})
        order = [periods[p] for p in sorted(periods)]
        fig.update_layout(base_layout(title, yaxis={"title": {"text": unit_title(unit)}},
                                      xaxis={"categoryorder": "array", "categoryarray": order}))
        latest_bits = []
        for ind in indicators:
            h = self.headline(ind)
            latest_bits.append(f"{ind['title']}: {h['latest_value']} in {h['latest_period']}")
        summary = (f"Lijndiagram van {len(indicators)} indicator(en) voor {self.data.region_names.get(region, region)}, "
                   f"{order[0] if order else ''} tot {order[-1] if order else ''}. " + "; ".join(latest_bits) + ".")
        table = self.indicator_table("indicator", records)
        return self.chart(id, title, summary, table["header"], table["rows"], figure_dict(fig), table["sources"],
                          table["caveats"], units=table["units"],
                          caveat_notes=[f"{ind['title']}: {ind['caveat']}" for ind in indicators if ind["caveat"]])

    def input_caveats(self, caveats: list[str | None], sources: list[Source | None]) -> list[str]:
        """The caveats below a figure computed from indicators: its own, then those of the indicators it uses."""
        ids = dict.fromkeys(k for s in sources if s and s.kind == "indicators" for k in s.keys)
        return ([c for c in dict.fromkeys(caveats) if c]
                + [f"{self.data.by_id[i]['title']}: {self.data.caveat(i)}" for i in ids if self.data.caveat(i)])

    def has_series(self, ind: dict, region: str = "NL01") -> bool:
        """At least two figures over time: a line; a single figure is a card."""
        ptype = self.data.main_period_type(ind["indicator_id"])
        return sum(r["value"] is not None for r in self.data.series(ind["indicator_id"], region, ptype)) > 1

    # -- 1. Overzicht (pages/overzicht.py)
    def page_index(self) -> dict:
        return overzicht_page.context(self)

    def monitor_signals(self) -> dict | None:
        """Signals from marts.monitor: Nederland, and per indicator the number of gemeenten with a signal."""
        if not self.data.has("marts", "monitor"):
            return None
        con = self.data.con
        nl = con.execute(
            "SELECT indicator_id, title, period_type, latest_period, value, previous_value, change, unit, "
            "change_direction, signal, release_status, source_label, caveat FROM marts.monitor "
            "WHERE region_level = 'land' AND previous_value IS NOT NULL "
            "ORDER BY ouderdomein_or_theme, title, period_type").fetchall()
        nl_rows = [[t, pt, period_label(lp), with_unit(v, u), with_unit(pv, u), change_text(c, u), cd or "–",
                    "ja" if sig else "nee", rs or "onbekend"]
                   for _id, t, pt, lp, v, pv, c, u, cd, sig, rs, _s, _c in nl]
        nl_sources = [Source(s, "indicators", (i,)) if s else None for i, *_x, s, _c in nl]
        # small_number rows never signal (rule in the SQL); they are also left out of the count of assessed ones.
        counts = con.execute(
            "SELECT indicator_id, title, period_type, max(latest_period) AS periode, "
            "count(*) FILTER (WHERE signal AND NOT small_number) AS met_signaal, "
            "count(*) FILTER (WHERE NOT small_number AND change IS NOT NULL) AS beoordeeld, "
            "count(*) FILTER (WHERE small_number) AS klein, "
            "string_agg(DISTINCT coalesce(release_status, 'onbekend'), ', ' ORDER BY coalesce(release_status, "
            "'onbekend')) AS status "
            "FROM marts.monitor WHERE region_level = 'gemeente' GROUP BY ALL").fetchall()
        counts.sort(key=lambda r: (r[1], PERIOD_TYPE_ORDER.get(r[2], 9)))
        count_rows = [[title, pt, period_label(periode), n, assessed, small, status]
                      for _id, title, pt, periode, n, assessed, small, status in counts]
        count_sources = [self.data.indicator_source(r[0]) for r in counts]
        count_caveats = [self.data.caveat(r[0]) for r in counts]
        csv_href = self.sourced_csv("data/signalen-gemeenten.csv",
                                    ["indicator", "soort periode", "laatste periode", "gemeenten met signaal",
                                     "gemeenten beoordeeld", "gemeenten met kleine aantallen", "status"], count_rows,
                                    count_sources, count_caveats)
        caveats = {t: c for (_i, t, *_x, c) in nl if c}
        caveats.update({r[1]: c for r, c in zip(counts, count_caveats) if c})
        return {"rule": SIGNAL_RULE, "nl_rows": nl_rows, "nl_sources": nl_sources,
                "nl_signals": sum(1 for r in nl if r[9]), "count_rows": count_rows, "count_sources": count_sources,
                "count_csv": csv_href, "caveats": [f"{t}: {c}" for t, c in sorted(caveats.items())]}

    # -- 2. Per thema (pages/themas.py)
    def page_themas(self) -> dict:
        return themas_page.context(self)

    def theme_chart(self, ind: dict) -> Chart | None:
        charts = themas_page.theme_charts(self, ind)
        return charts[0] if charts else None

    def extra_table(self, table: str) -> dict:
        """A mart beside the key figures: its first 100 rows on the page and a CSV, each row with its source."""
        frame = self.data.table_frame("marts", table)
        download, download_year = frame, None
        # A site that opens from a USB stick: big tables get their latest year as CSV; all rows are in the
        # Parquet export and the database.
        if frame.height > MAX_CSV_ROWS and "year" in frame.columns:
            download_year = frame["year"].max()
            download = frame.filter(pl.col("year") == download_year)
        rows = list(download.iter_rows(named=True))
        href = self.table_download(table, download.columns, rows)
        shown_columns = [c for c in frame.columns if c not in SOURCE_COLUMNS]
        shown = list(frame.head(100).iter_rows(named=True))
        return {"name": table, "columns": shown_columns, "total": frame.height, "csv_href": href,
                "rows": [[display_cell(r[c]) for c in shown_columns] for r in shown],
                "sources": [self.data.row_source(r) for r in shown],
                "caveats": [c for c in dict.fromkeys(self.data.row_caveat(r) for r in shown) if c],
                "csv_rows": download.height, "csv_year": download_year, "comment": self.con_comment("marts", table)}

    def table_download(self, table: str, columns: list[str], rows: list[dict]) -> str:
        """The CSV of a mart table, made in the browser: assets/tabellen/<table>.js holds the columns compactly
        (formatting.compact_column) and site.js writes them as a CSV of the site (formatting.sourced_csv_rows),
        every row with its `bron`, the caveats once. The mart's own `caveat` column is that row's kanttekening and
        its `source_label` its bron where they are the same, so they are not repeated as columns. A mart without a
        release status of its own gets a column `status` (Data.row_status)."""
        labels = [s.label if s else None for s in (self.data.row_source(r) for r in rows)]
        caveats = [self.data.row_caveat(r) for r in rows]
        repeated = {"caveat": caveats, "source_label": labels}
        header = [c for c in columns if not (c in repeated and all(r[c] == x for r, x in zip(rows, repeated[c])))]
        cells = [[r[c] for r in rows] for c in header]
        if not {"status", "release_status"} & set(columns):  # a computed mart: the status of what it uses
            header.append("status")
            cells.append([self.data.row_status(r) for r in rows])
        data = {"header": header, "n": len(rows), "file": f"tabel-{table}.csv",
                "columns": [compact_column(c) for c in cells],
                "labels": compact_column(labels), "caveats": compact_column(caveats)}
        (self.out / "assets" / "tabellen").mkdir(parents=True, exist_ok=True)
        (self.out / "assets" / "tabellen" / f"{table}.js").write_text(
            f"window.kbTabel({json.dumps(table)},{json.dumps(data, ensure_ascii=False, separators=(',', ':'))});\n",
            encoding="utf-8")
        return f"tabel-{table}.csv"

    def ouderdomein_linkage(self) -> list[dict]:
        """Per ouderdomein: national over-representation (marts.linkage_national) and association (marts.association)."""
        con = self.data.con
        titles = dict(self.data.indicators.select("indicator_id", "title").iter_rows())
        domain_of = dict(self.data.indicators.select("indicator_id", "ouderdomein").iter_rows())
        linkage = (con.sql("SELECT * FROM marts.linkage_national").pl()
                   if self.data.has("marts", "linkage_national") else None)
        assoc = None
        if self.data.has("marts", "association"):
            assoc = con.sql("SELECT * FROM marts.association QUALIFY year = max(year) OVER "
                            "(PARTITION BY parental_indicator_id, youth_care_indicator_id) "
                            "ORDER BY parental_indicator_id, youth_care_indicator_id").pl()
        names = [d for d in dict.fromkeys(self.data.indicators["ouderdomein"].to_list()) if d]
        domains = []
        for dom in names:
            label = OUDERDOMEIN_LABELS.get(dom, dom)
            item = {"id": dom, "label": label, "linkage": None, "association": None}
            if linkage is not None:
                rows = linkage.filter(pl.col("ouderdomein") == dom)
                if rows.height:
                    item["linkage"] = self.linkage_chart(dom, label, rows)
            if assoc is not None:
                rows = assoc.filter(pl.col("parental_indicator_id").replace_strict(domain_of, default=None) == dom)
                if rows.height:
                    item["association"] = self.association_chart(dom, label, rows, titles)
            household = dom == "relaties_scheiding"
            item["household"] = self.household_position_chart() if household else None
            item["household_by_form"] = self.household_by_care_form_chart() if household else None
            item["overrepresentation"] = self.overrepresentation_chart() if household else None
            domains.append(item)
        return domains

    def mart_frame(self, table: str, query: str) -> pl.DataFrame | None:
        """The rows a chart draws from marts.<table>, or None when the mart is absent or the query finds none."""
        if not self.data.has("marts", table):
            return None
        frame = self.data.con.sql(query).pl()
        return None if frame.is_empty() else frame

    def domain_variance_chart(self) -> dict | None:
        """Which parental domains account most for the differences between gemeenten in each form of youth care
        (marts.association_domains). Per form the latest year with the most domains (a later year with fewer
        domains explains less only because a domain is missing), as one bar: the R² of the model with all domains,
        split into the domains' Shapley shares, which add up to it. Each row's source is that of every indicator in
        the form's model: a Shapley share depends on all of them."""
        frame = self.mart_frame("association_domains",
                                "SELECT * FROM marts.association_domains ORDER BY youth_care_indicator_id, year, rank")
        if frame is None:
            return None
        titles = dict(self.data.indicators.select("indicator_id", "title").iter_rows())
        forms = [i for i in self.data.indicators["indicator_id"] if i in set(frame["youth_care_indicator_id"])]
        registry_order = {i: n for n, i in enumerate(self.data.indicators["indicator_id"])}

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
        absent = [label(d) for d in dict.fromkeys(self.data.indicators["ouderdomein"].drop_nulls())
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
            source = self.data.derived_source(model, DOMAINS_NOTE)
            for r in c.iter_rows(named=True):
                data.append([titles.get(form, form), str(year), label(r["ouderdomein"]), r["rank"], r["r2_alone"],
                             r["shapley_r2"], share(r),
                             r["full_model_r2"], r["n_gemeenten"],
                             ", ".join(titles.get(i, i) for i in r["indicators"].split(", ")),
                             ", ".join(titles.get(i, i) for i in (r["left_out"] or "").split(", ") if i) or None,
                             self.data.input_status(model, year)])
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
        chart = self.chart("ouderdomeinen-verklaring", "Welke ouderdomeinen verklaren de verschillen tussen gemeenten "
                           "het meest?", summary, header, data, figure_dict(fig), sources, caveats,
                           units=[None, None, None, None, "r", "r", "%", "r", "aantal", None, None, None],
                           note=f"{ASSOCIATION_TEXT}. De stukken van een staaf tellen op tot de R² van alle domeinen "
                                "samen; een domein dat vaak samen met een ander hoog is, deelt zijn aandeel met dat "
                                "domein.",
                           caveat_notes=self.input_caveats(caveats, sources))
        # The method per form: weighted by the youth population where CBS gives the percentage's denominator.
        methods: dict[str, list[str]] = {}
        for form, _year, c in shown:
            methods.setdefault(c["method"][0], []).append(titles.get(form, form))
        method = ("; ".join(m if len(methods) == 1 else f"{dutch_list(ts)}: {m}" for m, ts in methods.items()))
        return {"chart": chart, "why": why, "absent": absent, "method": method}

    def household_by_care_form_chart(self) -> Chart | None:
        """Nederland, latest year of marts.household_position_by_care_form: the one-parent share per form of care
        with its 95% interval, beside the share among all youth with youth care."""
        frame = self.mart_frame("household_position_by_care_form",
            "SELECT * FROM marts.household_position_by_care_form WHERE region_code = 'NL01' AND period_type = 'jaar' "
            "AND one_parent_share IS NOT NULL QUALIFY year = max(year) OVER ()")
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
        return self.chart("huishoudenspositie-per-vorm", "Huishoudenspositie per vorm van jeugdzorg (Nederland)",
                          summary, header, rows, figure_dict(fig), [self.data.row_source(r) for r in forms],
                          [r["caveat"] for r in forms], units=[None, "aantal", "aantal", "%", "%", "%", None, None],
                          note="Rode stippellijn: alle jongeren met jeugdzorg in natura. Jeugdregio's en "
                               "provincies: marts.household_position_by_care_form hieronder.")

    def household_position_chart(self) -> Chart | None:
        """Funnel of the one-parent share among youth with youth care per gemeente (marts.household_position),
        latest period. The limits are the score test around the national share, the same test as the mart's
        'hoger/lager' (its 99.8% Wilson interval), so the page flags exactly what the mart flags."""
        frame = self.mart_frame("household_position",
            "SELECT * FROM marts.household_position WHERE region_level = 'gemeente' AND one_parent_share IS NOT NULL "
            "QUALIFY period_key = max(period_key) OVER () ORDER BY region_name")
        if frame is None:
            return None
        period, table = period_label(frame["period_key"][0]), frame["source_table"][0]
        p0 = frame["national_share"][0] / 100
        sizes = [10 ** (math.log10(frame["youth_with_youth_care"].min()) + i / 40 * math.log10(
            frame["youth_with_youth_care"].max() / frame["youth_with_youth_care"].min())) for i in range(41)]
        fig = go.Figure()
        groups = (("hoger dan landelijk", PALETTE[1], "triangle-up"), ("lager dan landelijk", PALETTE[0], "triangle-down"),
                  ("niet te onderscheiden van landelijk", "#8c8c8c", "circle"))
        for group, colour, symbol in groups:
            part = frame.filter(pl.col("compared_with_national") == group)
            fig.add_trace(go.Scatter(
                x=part["youth_with_youth_care"].to_list(), y=part["one_parent_share"].to_list(), mode="markers",
                name=group, marker={"color": colour, "symbol": symbol, "size": 7},
                customdata=[[esc(n), with_unit(s, "%"), with_unit(y, "aantal")] for n, s, y in part.select(
                    "region_name", "one_parent_share", "youth_with_youth_care").iter_rows()],
                hovertemplate="%{customdata[0]}: %{customdata[1]} van %{customdata[2]} jongeren met jeugdzorg"
                              "<extra></extra>"))
        for z, dash, name in ((1.96, "dash", "95%-grens"), (3.09, "dot", "99,8%-grens")):
            for sign, show in ((1, True), (-1, False)):
                fig.add_trace(go.Scatter(
                    x=sizes, y=[100 * (p0 + sign * z * math.sqrt(p0 * (1 - p0) / n)) for n in sizes], mode="lines",
                    name=name, showlegend=show, hoverinfo="skip", line={"color": "#3d3d3d", "dash": dash, "width": 1}))
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
        counts = {g: int((frame["compared_with_national"] == g).sum()) for g, _c, _s in groups}
        summary = (f"Trechterdiagram uit marts.household_position ({period}, CBS {table}): {frame.height} gemeenten; "
                   f"landelijk woont {with_unit(100 * p0, '%')} van de jongeren met jeugdzorg als kind in een "
                   f"eenouderhuishouden. {counts['hoger dan landelijk']} gemeenten liggen boven en "
                   f"{counts['lager dan landelijk']} onder de 99,8%-grens; de rest is niet te onderscheiden van "
                   "landelijk. Een hoog aandeel kan ook betekenen dat er meer eenoudergezinnen wonen: de vergelijking "
                   "met het aandeel eenouderhuishoudens in de gemeente zelf staat in de volgende grafiek (2016-2018). "
                   "Samenhang tussen gebieden en huishoudenspositie, geen effect van een scheiding op kinderen.")
        return self.chart("huishoudenspositie", "Huishoudenspositie van jongeren met jeugdzorg per gemeente", summary,
                          header, rows, figure_dict(fig), [self.data.row_source(r) for r in records],
                          [r["caveat"] for r in records],
                          units=[None, None, "aantal", "aantal", "%", "%", "%", "%", None, None],
                          note="Per wijk: download marts.household_position hieronder of in de Parquet-export.")

    def overrepresentation_chart(self) -> Chart | None:
        """Per gemeente, latest year with a population base: the one-parent share among youth with youth care at
        home divided by the one-parent share among households with children, with the mart's 99.8% interval."""
        frame = self.mart_frame("household_position",
            "SELECT * FROM marts.household_position WHERE region_level = 'gemeente' "
            "AND overrepresentation_ratio IS NOT NULL QUALIFY year = max(year) OVER () ORDER BY region_name")
        if frame is None:
            return None
        year, table, base_table = frame["year"][0], frame["source_table"][0], frame["population_source_table"][0]
        fig = go.Figure()
        groups = (("oververtegenwoordigd", PALETTE[1], "triangle-up"),
                  ("ondervertegenwoordigd", PALETTE[0], "triangle-down"),
                  ("niet te onderscheiden", "#8c8c8c", "circle"))
        for group, colour, symbol in groups:
            part = frame.filter(pl.col("overrepresentation") == group)
            fig.add_trace(go.Scatter(
                x=part["youth_at_home"].to_list(), y=part["overrepresentation_ratio"].to_list(), mode="markers",
                name=group, marker={"color": colour, "symbol": symbol, "size": 7},
                error_y={"type": "data", "symmetric": False, "thickness": 1, "width": 0,
                         "array": (part["overrepresentation_high"] - part["overrepresentation_ratio"]).to_list(),
                         "arrayminus": (part["overrepresentation_ratio"] - part["overrepresentation_low"]).to_list()},
                customdata=[[esc(n), with_unit(r, None)] for n, r in part.select(
                    "region_name", "overrepresentation_ratio").iter_rows()],
                hovertemplate="%{customdata[0]}: %{customdata[1]} keer het aandeel eenouderhuishoudens"
                              "<extra></extra>"))
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
        counts = {g: int((frame["overrepresentation"] == g).sum()) for g, _c, _s in groups}
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
        return self.chart("oververtegenwoordiging-eenouder", "Oververtegenwoordiging van eenouderhuishoudens per gemeente",
                          summary, header, rows, figure_dict(fig), sources, [r["caveat"] for r in records],
                          units=[None, None, "aantal", "aantal", "%", "%", None, None, None, None, None],
                          note=f"Bron aandeel eenouderhuishoudens: CBS, {base_table} (Maatstaven gemeentefonds). "
                               "Andere jaren (2016-2017) en Nederland: marts.household_position.")

    def linkage_chart(self, dom: str, label: str, rows: pl.DataFrame) -> Chart:
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
        sources = [self.data.row_source(r) for r in records]
        caveats = [r["caveat"] for r in records]
        if not plotted:
            return self.chart(f"oververtegenwoordiging-{dom}", f"{label}: landelijke oververtegenwoordiging",
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
        return self.chart(f"oververtegenwoordiging-{dom}", f"{label}: landelijke oververtegenwoordiging", summary,
                          header, data, figure_dict(fig), sources, caveats,
                          note="Verhouding 1 = even vaak als in de referentiegroep (rode stippellijn).")

    def association_chart(self, dom: str, label: str, rows: pl.DataFrame, titles: dict) -> Chart:
        header = ["indicator ouderdomein", "indicator jeugdzorg", "jaar", "gemeenten", "r",
                  "95%-interval ondergrens", "95%-interval bovengrens", "methode", "status"]
        records = list(rows.iter_rows(named=True))
        data = [[titles.get(r["parental_indicator_id"], r["parental_indicator_id"]),
                 titles.get(r["youth_care_indicator_id"], r["youth_care_indicator_id"]), str(r["year"]),
                 r["n_gemeenten"],
                 r["pearson_r"], r["ci95_lower"], r["ci95_upper"], r["method"],
                 self.data.input_status([r["parental_indicator_id"], r["youth_care_indicator_id"]], r["year"])]
                for r in records]
        sources = [self.data.row_source(r, ASSOCIATION_NOTE) for r in records]
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
        return self.chart(f"samenhang-{dom}", f"{label}: samenhang tussen gemeenten", summary, header, data,
                          figure_dict(fig), sources, caveats,
                          units=[None, None, None, "aantal", "r", "r", "r", None, None],
                          note=ASSOCIATION_TEXT + ".", caveat_notes=self.input_caveats(caveats, sources))

    def con_comment(self, schema: str, table: str) -> str:
        rows = self.data.con.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                                     [schema, table]).fetchall()
        return (rows[0][0] or "") if rows else ""

    def region_bars(self, ind: dict, level: str) -> dict | None:
        return themas_page.region_bars(self, ind, level)

    def region_chart(self, ind: dict, level: str, id: str, left_margin: int) -> Chart | None:
        return themas_page.region_chart(self, ind, level, id, left_margin)

    def province_chart(self, ind: dict) -> Chart | None:
        return themas_page.province_chart(self, ind)

    # -- 3. Kaart en regio's
    def boundary_files(self) -> dict[int, dict]:
        """Per data year the boundary file to draw: the year's own, or one with exactly the same gemeenten."""
        index_path = self.geo_dir / "index.json"
        if not index_path.exists():
            return {}
        index = {int(y): v for y, v in json.loads(index_path.read_text(encoding="utf-8")).items()}
        codes_by_year = {y: set(g["gemeente_code"].to_list())
                         for (y,), g in self.data.memberships.group_by("boundary_year")}
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

    def page_kaart(self) -> dict:
        files = self.boundary_files()
        gm = self.data.values.filter((pl.col("region_level") == "gemeente") & pl.col("boundary_year").is_null())
        harmonised = self.data.values.filter(pl.col("boundary_year").is_not_null()
                                             & (pl.col("region_level") == "gemeente"))
        published = {r["indicator_id"]: r for r in self.data.published()}
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
        series = []
        for ind_id, period, year, harmonised_year, group in selections:
            f = files[year]
            geo_used[f["year_of_file"]] = f["file"]
            series.append(self.map_series(published[ind_id], period, year, harmonised_year, group, f))
        # The page loads the boundaries and values of the chosen year only, as assets/kaart/<name>.js calling
        # window.kbKaart(name, data): a script tag works from file://, fetch() does not.
        (self.out / "assets" / "kaart").mkdir(parents=True, exist_ok=True)

        def map_script(name: str, data: dict) -> None:
            (self.out / "assets" / "kaart" / f"{name}.js").write_text(
                f"window.kbKaart({json.dumps(name)},{json.dumps(data, separators=(',', ':'))});\n",
                encoding="utf-8")

        for file_year, filename in sorted(geo_used.items()):
            geo = json.loads((self.geo_dir / filename).read_text(encoding="utf-8"))
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
        funnel = self.funnel_chart()
        region_charts = [c for c in (self.jeugdregio_chart(ind) for ind in list(published.values())[:1]) if c]
        return {"title": "Kaart en regio's", "map_series": series, "map_default": default,
                "map_json": script_json({"series": series, "indicators": indicators, "default": default,
                                         "aboveNote": ABOVE_100_NOTE}),
                "missing_years": missing_years, "harmonised": not harmonised.is_empty(),
                "funnel": funnel, "region_charts": region_charts,
                "indicator_options": [(i, published[i]["title"]) for i in dict.fromkeys(s["indicator"] for s in series)]}

    def map_series(self, ind: dict, period: str, year: int, harmonised_year: int | None, group: pl.DataFrame,
                   f: dict) -> dict:
        """One indicator and period on the map: values per gemeente, their source and caveat, and its CSV."""
        ind_id = ind["indicator_id"]
        names = {r["gemeente_code"]: r["gemeente_name"] for r in self.data.memberships.filter(
            pl.col("boundary_year") == year).iter_rows(named=True)}
        rows = sorted(group.iter_rows(named=True),
                      key=lambda r: names.get(r["region_code"], self.data.region_names.get(r["region_code"], "")))
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
            "names": [names.get(r["region_code"], self.data.region_names.get(r["region_code"], r["region_code"]))
                      for r in rows],
            "values": [r["value"] for r in rows],
        }

    def jeugdregio_chart(self, ind: dict) -> Chart | None:
        return themas_page.jeugdregio_chart(self, ind)

    def funnel_chart(self) -> dict:
        """Funnel plot of marts.youth_care_expected with the mart's own control limits (binomial plus the
        between-gemeente variance the model leaves), so the page flags exactly what the mart flags."""
        if ("marts", "youth_care_expected") not in self.data.tables:
            return {"chart": None, "candidates": []}
        frame = self.data.table_frame("marts", "youth_care_expected").filter(
            pl.col("expected").is_not_null() & (pl.col("expected") > 0))
        if frame.is_empty():
            return {"chart": None, "candidates": ["youth_care_expected"]}
        latest = frame["period"].max()
        frame = frame.filter(pl.col("period") == latest)
        care_form = "jeugdhulp" if "jeugdhulp" in frame["care_form"].to_list() else frame["care_form"].min()
        frame = frame.filter(pl.col("care_form") == care_form).sort("expected")
        names = [self.data.region_names.get(c, c) for c in frame["gemeente_code"]]
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
                 self.data.input_status([r["outcome_indicator_id"]] + indicator_ids(r["predictors"]), r["year"])]
                for n, r in records]
        summary = (f"Trechterdiagram uit marts.youth_care_expected ({label}): {len(rows)} gemeenten, {outside} "
                   "buiten de 99,8%-grenzen. De grenzen tellen toevalsspreiding en de spreiding tussen gemeenten "
                   "die het model niet verklaart mee. Samenhang tussen gebieden, geen effect op kinderen.")
        sources = [self.data.row_source(r, MODEL_NOTE) for _n, r in records]
        caveats = [r["caveat"] for _n, r in records]
        chart = self.chart("kaart-trechter", "Waargenomen en verwacht jeugdzorggebruik", summary,
                           ["gemeente", "code", "waargenomen", "verwacht", "verhouding", "ondergrens 99,8%",
                            "bovengrens 99,8%", "status"], rows, figure_dict(fig), sources, caveats,
                           units=[None, None, "aantal", "aantal", None, None, None, None],
                           caveat_notes=self.input_caveats(caveats, sources))
        return {"chart": chart, "table": "youth_care_expected"}

    # -- 4. Gemeenteprofiel (pages/gemeenteprofiel.py)
    def page_gemeenteprofiel(self) -> dict:
        return gemeenteprofiel_page.context(self)

    # -- 5. Blinde vlekken
    def page_blinde_vlekken(self) -> dict:
        gaps, proxies = [], []
        for ind in self.data.indicators.iter_rows(named=True):
            item = {**ind, "source": self.data.indicator_source(ind["indicator_id"]),
                    "status_label": STATUS_LABELS.get(ind["status"], ind["status"])}
            if ind["status"] == "gap":
                gaps.append(item)
            elif ind["status"] == "proxy":
                proxies.append(item)
        # Two groups, as the registry classifies each gap (gap_limit): what no open publication has, and what the
        # snapshot lacks although CBS publishes it.
        groups = [{"limit": limit, "heading": heading, "text": text,
                   "gaps": [g for g in gaps if g["gap_limit"] == limit]}
                  for limit, (heading, text) in GAP_LIMITS.items()]
        return {"title": "Blinde vlekken", "gaps": gaps, "gap_groups": groups, "proxies": proxies,
                "uses_plotly": False}

    # -- 6. Nieuw in deze release
    def release_comparison(self) -> dict:
        """What this release changes against the publication readers saw before (marts.release_changes)."""
        comparison, changes = self.data.release_comparison, self.data.release_changes
        revised = (changes.filter(pl.col("change") == "herzien")
                   .rename({"value_previous": "value_oud", "status_previous": "status_oud"}))
        return {"previous": comparison["previous_release"], "previous_made_at": comparison["previous_made_at"],
                "new_periods": changes.filter(pl.col("change") == "nieuwe periode")
                .select("source_table", "period").rows(),
                "revisions": revised.rows(named=True), "revision_count": comparison["revised"],
                "status_changes": comparison["status_changed"], "dropped": comparison["gone"]}

    def page_nieuw(self) -> dict:
        v = self.data.values.filter(pl.col("source_table").is_not_null())
        per_table = []
        for (table, ptype), g in v.group_by(["source_table", "period_type"]):
            info = self.data.cbs_tables.get(table, {})
            pub = self.data.publications.get(table)
            with_values = g.filter(pl.col("value").is_not_null())
            statuses = ", ".join(f"{s}: {n}" for s, n in sorted(
                with_values.select("period", "status").unique().group_by("status").len().rows()))
            caveats = [self.data.caveat(i) for i in sorted(g["indicator_id"].unique())]
            per_table.append({"table": table, "period_type": ptype,
                              "title": info.get("title") or (pub["publication_title"] if pub else ""),
                              "modified": info.get("modified") or ("publicatie" if pub else None),
                              "first": period_label(g["period"].min()),
                              "last": period_label(with_values["period"].max() if with_values.height else None),
                              "periods": g["period"].n_unique(), "statuses": statuses or "–",
                              "source": self.data.table_source(table),
                              "caveat": " / ".join(dict.fromkeys(c for c in caveats if c)) or None})
        per_table.sort(key=lambda r: (r["table"], r["period_type"]))
        rel = self.release
        revision_rows, revision_sources, revision_caveats = self.revision_rows(rel["revisions"])
        revisions_csv = None
        if rel["previous"]:
            revisions_csv = self.sourced_csv("data/revisies.csv", ["indicator", "regio", "code", "periode", "tabel",
                                                                  "oude waarde", "nieuwe waarde", "eenheid",
                                                                  "oude status", "nieuwe status"],
                                             revision_rows, revision_sources, revision_caveats)
        tables_csv = self.sourced_csv(
            "data/perioden-per-tabel.csv",
            ["tabel", "titel", "Modified", "soort periode", "eerste", "laatste", "perioden", "status"],
            [[r["table"], r["title"], r["modified"], r["period_type"], r["first"], r["last"], r["periods"],
              r["statuses"]] for r in per_table], [r["source"] for r in per_table], [r["caveat"] for r in per_table])
        signals = ["marts.monitor"] if self.data.has("marts", "monitor") else []
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

    def revision_rows(self, revisions: list[dict]) -> tuple[list[list], list[Source | None], list[str | None]]:
        """The revised figures with their current source and caveat."""
        keys = ["indicator_id", "region_code", "period", "source_table"]
        labels = {}
        if revisions:
            changed = pl.DataFrame([{k: r[k] for k in keys} for r in revisions])
            own = (self.data.values.sort("boundary_year", nulls_last=False).unique(subset=keys, keep="first")
                   .join(changed, on=keys).select(*keys, "source_label"))
            labels = {tuple(r[:4]): r[4] for r in own.rows()}
        rows, sources, caveats = [], [], []
        for r in revisions:
            ind = self.data.by_id.get(r["indicator_id"], {})
            label = labels.get(tuple(r[k] for k in keys))
            rows.append([ind.get("title", r["indicator_id"]),
                         self.data.region_names.get(r["region_code"], r["region_code"]), r["region_code"],
                         period_label(r["period"]), r["source_table"], r.get("value_oud"), r["value"],
                         ind.get("unit"), r.get("status_oud"), r["status"]])
            sources.append(Source(label, "indicators", (r["indicator_id"],)) if label
                           else self.data.indicator_source(r["indicator_id"]))
            caveats.append(ind.get("caveat"))
        return rows, sources, caveats

    # -- 7. Verantwoording
    def source_rows(self, ind: dict) -> list[list[str]]:
        """The sources of an indicator as a table: CBS tables with their columns, publications with their figure."""
        rows = []
        for s in ind["sources"] or []:
            if s["table"]:
                info = self.data.cbs_tables.get(s["table"], {})
                rows.append([f"CBS, {s['table']}", info.get("title") or "–", s["column"] or "–",
                             s["care_form"] or "–", info.get("modified") or "onbekend (niet in de momentopname)"])
            else:
                pub = self.data.publications.get(s["publication"])
                rows.append([pub["organisation"] if pub else s["publication"],
                             publication_citation(pub["publication_title"], pub["publication_year"], pub["via"])
                             if pub else "–", s["publication_indicator"] or "–", s["publication_group"] or "–",
                             "niet van toepassing (publicatie)"])
        return rows

    def page_verantwoording(self) -> dict:
        items = []
        status_by_ind = {ind: ", ".join(f"{s} ({n} perioden)" for s, n in sorted(g.select("period", "status").unique()
                                                                               .group_by("status").len().rows()))
                         for (ind,), g in self.data.values.filter(pl.col("value").is_not_null())
                         .group_by("indicator_id")}
        for ind in self.data.indicators.iter_rows(named=True):
            items.append({**ind, "source_rows": self.source_rows(ind),
                          "source": self.data.indicator_source(ind["indicator_id"]),
                          "release_status": status_by_ind.get(ind["indicator_id"]),
                          "status_label": STATUS_LABELS.get(ind["status"], ind["status"]),
                          "gap_group": GAP_LIMITS[ind["gap_limit"]][0] if ind["gap_limit"] else None,
                          "direction_label": DIRECTION_LABELS.get(ind["direction"], ind["direction"])})
        quality = []
        for schema, table in sorted(self.data.tables):
            if any(w in table for w in ("quality", "gate", "check", "validation", "expectation")) \
                    and schema not in ("raw",):
                frame = self.data.table_frame(schema, table, 200)
                quality.append({"name": f"{schema}.{table}", "columns": frame.columns,
                                "rows": [[display_cell(c) for c in row] for row in frame.rows()]})
        gate_reports, gate_run = [], None
        if self.quality is not None:  # the check results behind this release, as quality/latest will hold them
            from kindbelang.quality import reports_after

            gate_run = self.quality[1]
            for path in reports_after(*self.quality):
                try:
                    r = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                gate_reports.append([display_cell(c) for c in (
                    r.get("table"), r.get("suite"), r.get("rows"), len(r.get("expectations", [])),
                    "geslaagd" if r.get("success") else "niet geslaagd", r.get("critical_failed"),
                    r.get("warnings_failed"))])
        return {"title": "Verantwoording", "items": items, "quality": quality, "uses_plotly": False,
                "gate_reports": gate_reports, "gate_run": gate_run, "dictionary": self.data_dictionary(),
                # <out>/site and <out>/quality are siblings once this release is published
                "quality_report": "../quality/latest/index.html" if self.quality is not None else None}

    def data_dictionary(self) -> list[dict]:
        """Every marts table and column with its comment (duckdb_tables()/duckdb_columns())."""
        con = self.data.con
        tables = con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts' "
                             "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'marts' "
                             "ORDER BY 1").fetchall()
        columns = con.execute("SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
                              "WHERE schema_name = 'marts' ORDER BY table_name, column_index").fetchall()
        out = []
        for table, comment in tables:
            cols = [[c, t, cm or "geen toelichting"] for tb, c, t, cm in columns if tb == table]
            out.append({"name": table, "comment": comment or "", "columns": cols})
        rows = [[t["name"], c, ty, cm] for t in out for c, ty, cm in t["columns"]]
        href = self.csv("data/gegevenswoordenboek.csv", ["tabel", "kolom", "type", "toelichting"], rows)
        for t in out:
            t["csv_href"] = href
        return out



def build_site(con, site_dir: Path, geo_dir: Path = GEO_DIR,
               quality: tuple[Path, str] | None = None) -> dict:
    return SiteBuilder(con, site_dir, geo_dir, quality).build()
