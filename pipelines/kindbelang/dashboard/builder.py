"""`SiteBuilder` writes the pages into <out>/site/, to open from disk with no internet: plotly.js once in site/assets/,
gemeente boundaries from data/geo/, templates and shared CSS/JS from dashboards/. Tables other assets may not have
built yet are looked up in DuckDB's information schema; a page shows what exists and says what is not there yet.

Every figure on the site carries its own source (`Source`, from the marts' source_label) and the caveat of its
indicator: on the page as a 'Bron:' line and a 'Kanttekening'; in every CSV per row its `bron` and release status,
and in `kanttekening` the key of its caveat, whose text stands once below the data (formatting.sourced_csv_rows).
The CSVs of the map and of the tables of the monitor are made in the browser (site.js) from the compact files the
site holds for them, so the site stays small."""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import plotly.graph_objects as go

from kindbelang import settings
from kindbelang.dashboard.charts import ABOVE_100_COLUMN, Chart, Source, base_layout, figure_dict, hover_texts
from kindbelang.dashboard.data import Data
from kindbelang.dashboard.formatting import (
    ABOVE_100_NOTE, CSV_CAVEAT_KEY, CSV_CAVEAT_LABEL, CSV_LEGEND_LABEL, CSV_LEGEND_TEXT, DIRECTION_LABELS,
    change_text, esc, figure_text, literal_wording, nl_number, period_label, release_status, script_json, with_unit,
    write_csv, write_sourced_csv,
)
from kindbelang.dashboard.pages import (
    blinde_vlekken, gemeenteprofiel, kaart, nieuw, overzicht, themas, verantwoording,
)
from kindbelang.dashboard.pages.themas import MAX_CSV_ROWS  # noqa: F401 (tests read the limit from here)
from kindbelang.second_process import second_process

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
# The slowest page, about as long as all the others together: with more than one core it is built in a second
# process beside them, from the same read-only database (no file of the site is written by two pages).
SEPARATE_PAGES = ("themas.html",)
# The module under pages/ whose context(builder) fills each page's template.
PAGE_MODULES = {"index.html": overzicht, "themas.html": themas, "kaart.html": kaart,
                "gemeenteprofiel.html": gemeenteprofiel, "blinde-vlekken.html": blinde_vlekken,
                "nieuw.html": nieuw, "verantwoording.html": verantwoording}


def unit_title(unit: str | None) -> str:
    """A unit as a chart axis names it."""
    return "procent" if unit == "%" else (unit or "waarde")


def same_source(a: dict, b: dict) -> bool:
    """Two figures of a series that may be compared: CBS tables continue each other, separate publications
    (other editions, revised series) do not."""
    publication = "publicatie" in (a["source_kind"], b["source_kind"])
    return not publication or a["source_table"] == b["source_table"]


class SiteBuilder:
    def __init__(self, con, site_dir: Path, geo_dir: Path = GEO_DIR, quality: tuple[Path, str] | None = None,
                 built_at: datetime | None = None):
        self.con = con
        self.data = Data(con)
        self.out = site_dir
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
        self.built_at = built_at or datetime.now(timezone.utc).astimezone()
        self.pages_written: dict[str, int] = {}
        self.csv_count = 0

    # -- infrastructure
    def build(self) -> dict:
        start = time.perf_counter()
        # site_dir is a fresh directory that kindbelang.release renames into place when the build is complete.
        (self.out / "assets").mkdir(parents=True, exist_ok=True)
        # plotly.js is the vendored partial bundle dashboards/static/plotly-kindbelang.min.js, copied below
        for static in (DASHBOARDS_DIR / "static").iterdir():
            shutil.copyfile(static, self.out / "assets" / static.name)
        database = self.con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database() "
                                    "AND readonly").fetchone()
        separate = [f for f, _ in PAGES if f in SEPARATE_PAGES] if database and (os.cpu_count() or 1) > 1 else []
        with second_process() as second:
            elsewhere = second.submit(build_pages, database[0], self.out, self.geo_dir, self.quality, self.built_at,
                                      separate) if separate else None
            self.render_pages([f for f, _ in PAGES if f not in separate])
            if elsewhere is not None:
                pages, csv_count = elsewhere.result()
                self.pages_written.update(pages)
                self.csv_count += csv_count
        size = sum(p.stat().st_size for p in self.out.rglob("*") if p.is_file())
        return {"pages": len(self.pages_written), "csv_files": self.csv_count, "bytes": size,
                "seconds": round(time.perf_counter() - start, 2)}

    def render_pages(self, filenames: list[str]) -> None:
        for filename in filenames:
            self.render(filename, PAGE_MODULES[filename].context(self))

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
        traces, records, periods = [], [], {}
        unit = indicators[0]["unit"]
        for ind in indicators:
            series = self.data.series(ind["indicator_id"], region, self.data.main_period_type(ind["indicator_id"]))
            traces.append(go.Scatter(x=[period_label(r["period"]) for r in series], y=[r["value"] for r in series],
                                     name=esc(ind["title"]), mode="lines+markers",
                                     customdata=hover_texts(series, unit),
                                     hovertemplate="%{x}: %{customdata}<extra>" + esc(ind["title"]) + "</extra>"))
            records += [(ind["title"], r) for r in series]
            periods.update({r["period"]: period_label(r["period"]) for r in series})
        order = [periods[p] for p in sorted(periods)]
        # The layout given to the constructor: update_layout on an existing figure takes twice as long.
        fig = go.Figure(traces, layout=base_layout(title, yaxis={"title": {"text": unit_title(unit)}},
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


def build_pages(database: str, site_dir: Path, geo_dir: Path, quality: tuple[Path, str] | None, built_at: datetime,
                filenames: list[str]) -> tuple[dict[str, int], int]:
    """Some pages of the site, in a process of their own: (bytes per page, CSV files written)."""
    import duckdb

    with duckdb.connect(database, read_only=True) as con:
        builder = SiteBuilder(con, site_dir, geo_dir, quality, built_at)
        builder.render_pages(filenames)
        return builder.pages_written, builder.csv_count


def build_site(con, site_dir: Path, geo_dir: Path = GEO_DIR,
               quality: tuple[Path, str] | None = None) -> dict:
    return SiteBuilder(con, site_dir, geo_dir, quality).build()
