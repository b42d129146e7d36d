"""`SiteBuilder` writes the pages into <out>/site/, to open from disk with no internet: plotly.js once in site/assets/,
gemeente boundaries from data/geo/, templates and shared CSS/JS from dashboards/. Tables other assets may not have
built yet are looked up in DuckDB's information schema; a page shows what exists and says what is not there yet."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import plotly.graph_objects as go
import plotly.offline
import polars as pl

from kindbelang import settings
from kindbelang.dashboard.charts import PALETTE, Chart, base_layout, figure_dict
from kindbelang.dashboard.data import Data
from kindbelang.dashboard.formatting import (
    DIRECTION_LABELS, OUDERDOMEIN_LABELS, PERIOD_TYPE_ORDER, STATUS_LABELS, esc, nl_number, period_label,
    script_json, with_unit, wrap_text, write_csv,
)

DASHBOARDS_DIR = settings.PROJECT_ROOT / "dashboards"
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


class SiteBuilder:
    def __init__(self, con, site_dir: Path, geo_dir: Path = GEO_DIR, state_dir: Path | None = None):
        self.data = Data(con)
        self.site = site_dir
        self.geo_dir = geo_dir
        self.state_dir = state_dir or site_dir.parent / "site_state"
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
        tmp = self.site.with_name(self.site.name + ".tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        (tmp / "assets").mkdir(parents=True)
        self.out = tmp
        (tmp / "assets" / "plotly.min.js").write_text(plotly.offline.get_plotlyjs(), encoding="utf-8")
        for static in (DASHBOARDS_DIR / "static").iterdir():
            shutil.copyfile(static, tmp / "assets" / static.name)
        self.release = self.release_comparison()
        for filename, _title in PAGES:
            builder = getattr(self, "page_" + filename.removesuffix(".html").replace("-", "_"))
            self.render(filename, builder())
        if self.site.exists():
            shutil.rmtree(self.site)
        tmp.rename(self.site)
        self.commit_release_state()
        size = sum(p.stat().st_size for p in self.site.rglob("*") if p.is_file())
        return {"pages": len(self.pages_written), "csv_files": self.csv_count, "bytes": size,
                "seconds": round(time.perf_counter() - start, 2)}

    def render(self, filename: str, context: dict) -> None:
        template = self.env.get_template(filename.replace("-", "_"))
        context.setdefault("uses_plotly", True)
        text = template.render(
            pages=PAGES, current=filename, built_at=self.built_at.strftime("%d-%m-%Y %H:%M"),
            source_tables=self.data.cbs_source_tables, publication_sources=self.data.publication_sources,
            **context)
        (self.out / filename).write_text(text, encoding="utf-8")
        self.pages_written[filename] = len(text.encode())

    def csv(self, relpath: str, header: list[str], rows: list[list]) -> str:
        write_csv(self.out / relpath, header, rows)
        self.csv_count += 1
        return relpath

    def chart(self, id: str, title: str, summary: str, header: list[str], rows: list[list], fig: dict | None,
              units: list | None = None, note: str = "") -> Chart:
        href = self.csv(f"data/{id}.csv", header, rows)
        return Chart(id=id, title=title, summary=summary, header=header, rows=rows, csv_href=href,
                     figure=fig, units=units or [], note=note)

    # -- shared pieces
    def headline(self, ind: dict) -> dict:
        ptype = self.data.main_period_type(ind["indicator_id"])
        series = [s for s in self.data.series(ind["indicator_id"], "NL01", ptype) if s[1] is not None]
        latest = series[-1] if series else None
        previous = series[-2] if len(series) > 1 else None
        change = (latest[1] - previous[1]) if latest and previous else None
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
        change_text = ""
        if change is not None:
            sign = "+" if change > 0 else ("−" if change < 0 else "±")
            amount = nl_number(abs(change), ind["unit"])
            change_text = f"{sign}{amount} {'procentpunt' if ind['unit'] == '%' else ''}".strip()
        return {
            "id": ind["indicator_id"], "title": ind["title"], "unit": ind["unit"], "theme": ind["theme"],
            "period_type": ptype, "series": series,
            "latest_value": with_unit(latest[1], ind["unit"]) if latest else "geen cijfer",
            "latest_period": period_label(latest[0]) if latest else "–",
            "status": latest[2] if latest else "–",
            "previous_period": period_label(previous[0]) if previous else None,
            "change": change_text, "arrow": arrow, "tone": tone, "tone_word": tone_word, "word": word,
            "direction": DIRECTION_LABELS.get(direction, direction),
        }

    def trend_chart(self, id: str, title: str, indicators: list[dict], region: str = "NL01") -> Chart | None:
        if not indicators:
            return None
        fig = go.Figure()
        rows = []
        periods_seen = []
        unit = indicators[0]["unit"]
        for ind in indicators:
            ptype = self.data.main_period_type(ind["indicator_id"])
            series = self.data.series(ind["indicator_id"], region, ptype)
            x = [period_label(p) for p, _v, _s in series]
            y = [v for _p, v, _s in series]
            fig.add_trace(go.Scatter(x=x, y=y, name=esc(ind["title"]), mode="lines+markers",
                                     hovertemplate="%{x}: %{y:.1f}<extra>" + esc(ind["title"]) + "</extra>"))
            for p, v, s in series:
                rows.append([ind["title"], period_label(p), v, ind["unit"], s])
                periods_seen.append(p)
        ytitle = "procent" if unit == "%" else "aantal jongeren"
        fig.update_layout(base_layout(title, yaxis={"title": {"text": ytitle}, "gridcolor": "#d9d9d9",
                                                    "rangemode": "tozero"}))
        latest_bits = []
        for ind in indicators:
            h = self.headline(ind)
            latest_bits.append(f"{ind['title']}: {h['latest_value']} in {h['latest_period']}")
        summary = (f"Lijndiagram van {len(indicators)} indicator(en) voor {self.data.region_names.get(region, region)}, "
                   f"{period_label(min(periods_seen)) if periods_seen else ''} tot "
                   f"{period_label(max(periods_seen)) if periods_seen else ''}. " + "; ".join(latest_bits) + ".")
        return self.chart(id, title, summary, ["indicator", "periode", "waarde", "eenheid", "status"], rows,
                          figure_dict(fig), units=[None, None, unit, None, None])

    # -- 1. Overzicht
    def page_index(self) -> dict:
        published = self.data.published()
        headlines = [self.headline(ind) for ind in published]
        charts = []
        by_unit: dict[str, list[dict]] = {}
        for ind in published:
            by_unit.setdefault(ind["unit"], []).append(ind)
        for n, (unit, inds) in enumerate(by_unit.items()):
            label = "aandelen (%)" if unit == "%" else "aantallen"
            charts.append(self.trend_chart(f"overzicht-trend-{n + 1}", f"Nederland: ontwikkeling, {label}", inds))
        return {"title": "Overzicht", "headlines": headlines, "charts": charts, "signals": self.monitor_signals(),
                "gap_count": sum(1 for r in self.data.indicators.iter_rows(named=True) if r["status"] == "gap")}

    def monitor_signals(self) -> dict | None:
        """Signals from marts.monitor: Nederland, and per indicator the number of gemeenten with a signal."""
        if not self.data.has("marts", "monitor"):
            return None
        con = self.data.con
        nl = con.execute(
            "SELECT title, period_type, latest_period_label, value, previous_value, change, unit, change_direction, "
            "signal, release_status FROM marts.monitor WHERE region_level = 'land' AND previous_value IS NOT NULL "
            "ORDER BY ouderdomein_or_theme, title, period_type").fetchall()
        nl_rows = [[t, pt, lp, with_unit(v, u), with_unit(pv, u),
                    (nl_number(c, u) + (" procentpunt" if u == "%" else "")) if c is not None else "–",
                    cd or "–", "ja" if sig else "nee", rs or "onbekend"]
                   for t, pt, lp, v, pv, c, u, cd, sig, rs in nl]
        # small_number rows never signal (rule in the SQL); they are also left out of the count of assessed ones.
        counts = con.execute(
            "SELECT indicator_id, title, period_type, max(latest_period_label) AS periode, "
            "count(*) FILTER (WHERE signal AND NOT small_number) AS met_signaal, "
            "count(*) FILTER (WHERE NOT small_number AND change IS NOT NULL) AS beoordeeld, "
            "count(*) FILTER (WHERE small_number) AS klein "
            "FROM marts.monitor WHERE region_level = 'gemeente' GROUP BY ALL").fetchall()
        counts.sort(key=lambda r: (r[1], PERIOD_TYPE_ORDER.get(r[2], 9)))
        count_rows = [[title, pt, periode, n, assessed, small] for _id, title, pt, periode, n, assessed, small in counts]
        csv_href = self.csv("data/signalen-gemeenten.csv",
                            ["indicator", "soort periode", "laatste periode", "gemeenten met signaal",
                             "gemeenten beoordeeld", "gemeenten met kleine aantallen"], count_rows)
        return {"rule": SIGNAL_RULE, "nl_rows": nl_rows, "nl_signals": sum(1 for r in nl if r[8]),
                "count_rows": count_rows, "count_csv": csv_href}

    # -- 2. Per thema
    def page_themas(self) -> dict:
        themes: dict[str, dict] = {}
        for ind in self.data.indicators.iter_rows(named=True):
            theme = themes.setdefault(ind["theme"], {"name": ind["theme"], "charts": [], "gaps": [], "proxies": []})
            if ind["status"] == "gap":
                theme["gaps"].append(ind)
                continue
            if ind["status"] == "proxy":
                theme["proxies"].append(ind)
            chart = self.province_chart(ind)
            if chart:
                theme["charts"].append(chart)
        extra = []
        for table in self.data.extra_marts():
            frame = self.data.table_frame("marts", table)
            download, download_year = frame, None
            # A site that opens from a USB stick: big tables get their latest year as CSV; all rows are in the
            # Parquet export and the database.
            if frame.height > MAX_CSV_ROWS and "year" in frame.columns:
                download_year = frame["year"].max()
                download = frame.filter(pl.col("year") == download_year)
            href = self.csv(f"data/tabel-{table}.csv", download.columns, [list(r) for r in download.rows()])
            comment = self.con_comment("marts", table)
            extra.append({"name": table, "columns": frame.columns, "rows": frame.head(100).rows(),
                          "total": frame.height, "csv_href": href, "csv_rows": download.height,
                          "csv_year": download_year, "comment": comment})
        return {"title": "Per thema", "themes": list(themes.values()), "extra_tables": extra,
                "domains": self.ouderdomein_linkage(), "association_text": ASSOCIATION_TEXT}

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
            item = {"id": dom, "label": label, "linkage": None, "linkage_table": None, "caveats": [],
                    "association": None}
            if linkage is not None:
                rows = linkage.filter(pl.col("ouderdomein") == dom)
                if rows.height:
                    item["linkage"], item["linkage_table"] = self.linkage_chart(dom, label, rows)
                    item["caveats"] = list(dict.fromkeys(rows["caveat"].to_list()))
            if assoc is not None:
                rows = assoc.filter(pl.col("parental_indicator_id").replace_strict(domain_of, default=None) == dom)
                if rows.height:
                    item["association"] = self.association_chart(dom, label, rows, titles)
            household = dom == "relaties_scheiding"
            item["household"] = self.household_position_chart() if household else None
            item["household_by_form"] = self.household_by_care_form_chart() if household else None
            domains.append(item)
        return domains

    def household_by_care_form_chart(self) -> Chart | None:
        """Nederland, latest year of marts.household_position_by_care_form: the one-parent share per form of care
        with its 95% interval, beside the share among all youth with youth care."""
        if not self.data.has("marts", "household_position_by_care_form"):
            return None
        frame = self.data.con.sql(
            "SELECT * FROM marts.household_position_by_care_form WHERE region_code = 'NL01' AND period_type = 'jaar' "
            "AND one_parent_share IS NOT NULL QUALIFY year = max(year) OVER ()").pl()
        if frame.is_empty():
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
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>"))
        fig.update_layout(base_layout(f"Jongeren met jeugdzorg in een eenouderhuishouden per vorm, Nederland {year}",
                                      height=360, showlegend=False, margin={"l": 220, "r": 30, "t": 50, "b": 50},
                                      yaxis={"autorange": "reversed"},
                                      xaxis={"title": {"text": "% in een eenouderhuishouden"}, "rangemode": "tozero",
                                             "gridcolor": "#d9d9d9"}))
        fig.add_vline(x=forms[0]["all_youth_care_share"], line={"color": "#b3261e", "dash": "dash", "width": 1})
        header = ["vorm van jeugdzorg", "jongeren", "in eenouderhuishouden", "aandeel (%)", "95%-interval ondergrens",
                  "95%-interval bovengrens", "verhouding tot alle jeugdzorg"]
        rows = [[r["care_form"], r["youth_with_care_form"], r["one_parent"], r["one_parent_share"],
                 r["one_parent_share_low"], r["one_parent_share_high"], r["ratio_to_all_youth_care"]] for r in forms]
        summary = (f"Staafdiagram uit marts.household_position_by_care_form (Nederland {year}, CBS {table}): "
                   + "; ".join(f"{r['care_form']} {nl_number(r['one_parent_share'], '%', 1)}" for r in forms)
                   + ". De vormen overlappen. Samenhang in registers, geen effect van een scheiding op kinderen.")
        return self.chart("huishoudenspositie-per-vorm", "Huishoudenspositie per vorm van jeugdzorg (Nederland)",
                          summary, header, rows, figure_dict(fig),
                          units=[None, "aantal", "aantal", "%", "%", "%", None],
                          note="Rode stippellijn: alle jongeren met jeugdzorg in natura. Jeugdregio's en "
                               "provincies: marts.household_position_by_care_form hieronder.")

    def household_position_chart(self) -> Chart | None:
        """Funnel of the one-parent share among youth with youth care per gemeente (marts.household_position),
        latest period. The limits are the score test around the national share, the same test as the mart's
        'hoger/lager' (its 99.8% Wilson interval), so the page flags exactly what the mart flags."""
        if not self.data.has("marts", "household_position"):
            return None
        frame = self.data.con.sql(
            "SELECT * FROM marts.household_position WHERE region_level = 'gemeente' AND one_parent_share IS NOT NULL "
            "QUALIFY period_key = max(period_key) OVER () ORDER BY region_name").pl()
        if frame.is_empty():
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
                name=group, text=[esc(n) for n in part["region_name"]],
                marker={"color": colour, "symbol": symbol, "size": 7},
                hovertemplate="%{text}: %{y:.1f}% van %{x:.0f} jongeren met jeugdzorg<extra></extra>"))
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
                  "95%-interval ondergrens", "95%-interval bovengrens", "landelijk (%)", "vergeleken met landelijk"]
        rows = [[r["region_name"], r["region_code"], r["youth_with_youth_care"], r["one_parent"],
                 r["one_parent_share"], r["one_parent_share_low"], r["one_parent_share_high"], r["national_share"],
                 r["compared_with_national"]] for r in frame.iter_rows(named=True)]
        counts = {g: int((frame["compared_with_national"] == g).sum()) for g, _c, _s in groups}
        summary = (f"Trechterdiagram uit marts.household_position ({period}, CBS {table}): {frame.height} gemeenten; "
                   f"landelijk woont {nl_number(100 * p0, '%', 1)} van de jongeren met jeugdzorg als kind in een "
                   f"eenouderhuishouden. {counts['hoger dan landelijk']} gemeenten liggen boven en "
                   f"{counts['lager dan landelijk']} onder de 99,8%-grens; de rest is niet te onderscheiden van "
                   "landelijk. Het aandeel eenouderhuishoudens in de hele bevolking per gemeente ontbreekt in de open "
                   "data, dus een hoog aandeel kan ook betekenen dat er meer eenoudergezinnen wonen. Samenhang tussen "
                   "gebieden en huishoudenspositie, geen effect van een scheiding op kinderen.")
        return self.chart("huishoudenspositie", "Huishoudenspositie van jongeren met jeugdzorg per gemeente", summary,
                          header, rows, figure_dict(fig),
                          units=[None, None, "aantal", "aantal", "%", "%", "%", "%", None],
                          note="Per wijk: download marts.household_position hieronder of in de Parquet-export.")

    def linkage_chart(self, dom: str, label: str, rows: pl.DataFrame) -> tuple[Chart | None, dict]:
        header = ["maat", "jeugdzorggroep", "periode", "aandeel met jeugdzorg (gepubliceerd)", "referentiegroep",
                  "aandeel referentie (gepubliceerd)", "verhouding", "gepubliceerde formulering", "verhouding is",
                  "bron", "link naar de bron", "kanttekening"]
        data, plotted = [], []
        for r in rows.iter_rows(named=True):
            lo, hi = r["ratio_low"], r["ratio_high"]
            ratio = None if lo is None else (nl_number(lo, None, 1) if hi is None or abs(hi - lo) < 1e-9
                                             else f"{nl_number(lo, None, 1)} tot {nl_number(hi, None, 1)}")
            wording = r["published_wording"] if r["ratio_source"] == "gepubliceerd" else (
                f"{r['published_share_youth_care']} tegenover {r['published_share_reference']} ({r['unit']})"
                if r["published_share_reference"] else (r["published_wording"] or "–"))
            data.append([r["measure"], r["youth_care_group"], r["period_label"], r["published_share_youth_care"],
                         r["reference_group"], r["published_share_reference"], ratio or "geen verhouding",
                         wording, r["ratio_source"] or "–", r["source"], r["source_url"], r["caveat"]])
            if lo is not None:
                plotted.append((r, lo, hi if hi is not None else lo, wording, ratio))
        table_rows = [[("–" if c is None else str(c)) for c in row] for row in data]
        table = {"id": f"oververtegenwoordiging-{dom}-tabel", "header": header, "rows": table_rows}
        if not plotted:
            table["csv_href"] = self.csv(f"data/oververtegenwoordiging-{dom}.csv", header, data)
            return None, table
        labels = [esc(f"{r['youth_care_group']}: {r['measure']}") for r, *_ in plotted]
        labels = ["<br>".join(wrap_text(t, 45)) for t in labels]
        fig = go.Figure(go.Bar(
            x=[lo for _r, lo, _hi, _w, _t in plotted], y=labels, orientation="h", marker_color=PALETTE[0],
            error_x={"type": "data", "symmetric": False, "array": [hi - lo for _r, lo, hi, _w, _t in plotted],
                     "arrayminus": [0] * len(plotted), "color": "#1a1a1a"},
            text=[esc(f"{t} keer" + (" (gepubliceerd)" if r["ratio_source"] == "gepubliceerd" else " (berekend)"))
                  for r, _lo, _hi, _w, t in plotted], textposition="outside", cliponaxis=False,
            customdata=[esc(w) for *_x, w, _t in plotted],
            hovertemplate="%{y}: %{x:.1f} keer (%{customdata})<extra></extra>"))
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
        chart = self.chart(f"oververtegenwoordiging-{dom}", f"{label}: landelijke oververtegenwoordiging", summary,
                           header, data, figure_dict(fig),
                           note="Verhouding 1 = even vaak als in de referentiegroep (rode stippellijn).")
        return chart, table

    def association_chart(self, dom: str, label: str, rows: pl.DataFrame, titles: dict) -> Chart:
        header = ["indicator ouderdomein", "indicator jeugdzorg", "jaar", "gemeenten", "r",
                  "95%-interval ondergrens", "95%-interval bovengrens", "methode"]
        data = [[titles.get(r["parental_indicator_id"], r["parental_indicator_id"]),
                 titles.get(r["youth_care_indicator_id"], r["youth_care_indicator_id"]), str(r["year"]),
                 r["n_gemeenten"],
                 r["pearson_r"], r["ci95_lower"], r["ci95_upper"], r["method"]]
                for r in rows.iter_rows(named=True)]
        labels = ["<br>".join(wrap_text(esc(f"{a} × {b}"), 45)) for a, b, *_ in data]
        fig = go.Figure(go.Scatter(
            x=[d[4] for d in data], y=labels, mode="markers", marker={"color": PALETTE[0], "size": 9},
            error_x={"type": "data", "symmetric": False, "array": [d[6] - d[4] for d in data],
                     "arrayminus": [d[4] - d[5] for d in data], "color": "#1a1a1a"},
            hovertemplate="%{y}: r = %{x:.2f}<extra></extra>"))
        fig.update_layout(base_layout(f"{label}: samenhang tussen gemeenten, {max(int(d[2]) for d in data)}",
                                      height=max(320, 50 * len(data) + 120), showlegend=False,
                                      margin={"l": 320, "r": 30, "t": 50, "b": 50},
                                      yaxis={"automargin": True, "tickfont": {"size": 11}},
                                      xaxis={"title": {"text": "Pearson r met 95%-betrouwbaarheidsinterval"},
                                             "range": [-1, 1], "gridcolor": "#d9d9d9", "zeroline": True}))
        summary = (f"Puntdiagram: correlatie r over gemeenten met 95%-interval voor {label}, laatste jaar: "
                   + "; ".join(f"{a} en {b}: r = {nl_number(r_, None, 2)} ({nl_number(lo, None, 2)} tot "
                               f"{nl_number(hi, None, 2)})" for a, b, _y, _n, r_, lo, hi, _m in data)
                   + f". {ASSOCIATION_TEXT}.")
        return self.chart(f"samenhang-{dom}", f"{label}: samenhang tussen gemeenten", summary, header, data,
                          figure_dict(fig), units=[None, None, None, "aantal", "r", "r", "r", None],
                          note=ASSOCIATION_TEXT + ".")

    def con_comment(self, schema: str, table: str) -> str:
        rows = self.data.con.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                                     [schema, table]).fetchall()
        return (rows[0][0] or "") if rows else ""

    def province_chart(self, ind: dict) -> Chart | None:
        ptype = self.data.main_period_type(ind["indicator_id"])
        frame = self.data.values.filter(
            (pl.col("indicator_id") == ind["indicator_id"]) & (pl.col("period_type") == ptype)
            & pl.col("region_level").is_in(["provincie", "land"]) & pl.col("value").is_not_null()
            & pl.col("boundary_year").is_null())
        if frame.is_empty():
            return None
        latest = frame.filter(pl.col("region_level") == "provincie")["period"].max() or frame["period"].max()
        frame = frame.filter(pl.col("period") == latest)
        nl = frame.filter(pl.col("region_level") == "land")["value"].to_list()
        prov = frame.filter(pl.col("region_level") == "provincie").with_columns(
            pl.col("region_code").replace_strict(self.data.region_names, default=pl.col("region_code")).alias("name")
        ).sort("value")
        names = prov["name"].to_list()
        values = prov["value"].to_list()
        fig = go.Figure(go.Bar(x=values, y=[esc(n) for n in names], orientation="h", marker_color=PALETTE[0],
                               hovertemplate="%{y}: %{x:.1f}<extra></extra>", name="provincie"))
        layout = base_layout(f"{ind['title']}, per provincie, {period_label(latest)}",
                             margin={"l": 140, "r": 20, "t": 50, "b": 50}, height=440, showlegend=False,
                             xaxis={"title": {"text": "procent" if ind["unit"] == "%" else "aantal"},
                                    "gridcolor": "#d9d9d9", "rangemode": "tozero"})
        if nl:
            layout["shapes"] = [{"type": "line", "x0": nl[0], "x1": nl[0], "yref": "paper", "y0": 0, "y1": 1,
                                 "line": {"color": "#b3261e", "width": 2, "dash": "dash"}}]
            layout["annotations"] = [{"x": nl[0], "yref": "paper", "y": 1.02, "text": "Nederland",
                                      "showarrow": False, "font": {"color": "#b3261e"}}]
        fig.update_layout(layout)
        rows = [[n, v, period_label(latest)] for n, v in zip(names, values)] + \
               ([["Nederland", nl[0], period_label(latest)]] if nl else [])
        summary = (f"Staafdiagram: {ind['title']} per provincie in {period_label(latest)}. "
                   + (f"Hoogste: {names[-1]} ({with_unit(values[-1], ind['unit'])}); laagste: {names[0]} "
                      f"({with_unit(values[0], ind['unit'])})" if names else "Geen provinciecijfers")
                   + (f"; Nederland: {with_unit(nl[0], ind['unit'])}." if nl else "."))
        return self.chart(f"thema-{ind['indicator_id']}", f"{ind['title']} per provincie", summary,
                          ["provincie", "waarde", "periode"], rows, figure_dict(fig),
                          units=[None, ind["unit"], None])

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
            ind = published[ind_id]
            names = {r["gemeente_code"]: r["gemeente_name"] for r in self.data.memberships.filter(
                pl.col("boundary_year") == year).iter_rows(named=True)}
            rows = sorted(([names.get(c, self.data.region_names.get(c, c)), c, v]
                           for c, v in group.select("region_code", "value").iter_rows()),
                          key=lambda r: r[0])
            key = f"{ind_id}-{period}" + (f"-h{harmonised_year}" if harmonised_year else "")
            href = self.csv(f"data/kaart/{key}.csv", ["gemeente", "code", "waarde", "eenheid", "periode"],
                            [[n, c, v, ind["unit"], period_label(period)] for n, c, v in rows])
            boundary_note = (f"grenzen van 1 januari {year}" if not f["same_as"] else
                             f"grenzen van 1 januari {year} (dezelfde {len(f['codes'])} gemeenten als het "
                             f"grenzenbestand {f['year_of_file']})")
            if harmonised_year:
                boundary_note = f"geharmoniseerd naar de indeling van {harmonised_year}"
            series.append({
                "key": key, "indicator": ind_id, "indicatorTitle": ind["title"], "unit": ind["unit"],
                "period": period, "periodLabel": period_label(period), "geoYear": f["year_of_file"],
                "boundaryNote": boundary_note, "csv": href,
                "codes": [r[1] for r in rows], "names": [r[0] for r in rows], "values": [r[2] for r in rows],
            })
        geo_scripts = []
        for file_year, filename in sorted(geo_used.items()):
            geo = json.loads((self.geo_dir / filename).read_text(encoding="utf-8"))
            for feature in geo["features"]:  # keep only what the map needs
                feature["properties"] = {"statcode": feature["properties"]["statcode"]}
            rel = f"assets/grenzen-{file_year}.js"
            (self.out / rel).write_text(
                "window.KB_GEO = window.KB_GEO || {};\nwindow.KB_GEO[" + str(file_year) + "] = "
                + json.dumps(geo, separators=(",", ":")) + ";\n", encoding="utf-8")
            geo_scripts.append(rel)
        data_years = sorted({int(y) for y in gm["year"].unique() if y is not None})
        missing_years = [y for y in data_years if y not in files]
        default = next((i for i, s in enumerate(series) if s["indicator"] == "jeugdzorg_pct"), 0)
        if series:
            default = max((i for i, s in enumerate(series) if s["indicator"] == series[default]["indicator"]
                           and s["period"].endswith("JJ00")), default=default)
        funnel = self.funnel_chart()
        region_charts = [c for c in (self.jeugdregio_chart(ind) for ind in list(published.values())[:1]) if c]
        return {"title": "Kaart en regio's", "map_series": series, "map_default": default,
                "map_json": script_json({"series": series, "default": default}),
                "geo_scripts": geo_scripts, "missing_years": missing_years, "harmonised": not harmonised.is_empty(),
                "funnel": funnel, "region_charts": region_charts,
                "indicator_options": [(i, published[i]["title"]) for i in dict.fromkeys(s["indicator"] for s in series)]}

    def jeugdregio_chart(self, ind: dict) -> Chart | None:
        ptype = self.data.main_period_type(ind["indicator_id"])
        frame = self.data.values.filter(
            (pl.col("indicator_id") == ind["indicator_id"]) & (pl.col("period_type") == ptype)
            & (pl.col("region_level") == "jeugdregio") & pl.col("value").is_not_null()
            & pl.col("boundary_year").is_null())
        if frame.is_empty():
            return None
        latest = frame["period"].max()
        frame = frame.filter(pl.col("period") == latest).with_columns(
            pl.col("region_code").replace_strict(self.data.region_names, default=pl.col("region_code")).alias("name")
        ).sort("value")
        names, values = frame["name"].to_list(), frame["value"].to_list()
        fig = go.Figure(go.Bar(x=values, y=[esc(n) for n in names], orientation="h", marker_color=PALETTE[0],
                               hovertemplate="%{y}: %{x:.1f}<extra></extra>"))
        fig.update_layout(base_layout(f"{ind['title']} per jeugdregio, {period_label(latest)}",
                                      height=max(400, 16 * len(names) + 100), showlegend=False,
                                      margin={"l": 230, "r": 20, "t": 50, "b": 50},
                                      yaxis={"tickfont": {"size": 11}, "automargin": True},
                                      xaxis={"title": {"text": "procent" if ind["unit"] == "%" else "aantal"},
                                             "gridcolor": "#d9d9d9", "rangemode": "tozero"}))
        rows = [[n, v, period_label(latest)] for n, v in zip(names, values)]
        summary = (f"Staafdiagram: {ind['title']} in {len(names)} jeugdregio's in {period_label(latest)}, van "
                   f"{names[0]} ({with_unit(values[0], ind['unit'])}) tot {names[-1]} "
                   f"({with_unit(values[-1], ind['unit'])}).")
        return self.chart(f"regio-{ind['indicator_id']}", f"{ind['title']} per jeugdregio", summary,
                          ["jeugdregio", "waarde", "periode"], rows, figure_dict(fig), units=[None, ind["unit"], None])

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
                                 name="gemeente", text=[esc(n) for n in names],
                                 marker={"color": PALETTE[0], "size": 6},
                                 hovertemplate="%{text}: verwacht %{x:.0f}, verhouding %{y:.2f}<extra></extra>"))
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
        rows = sorted([n, c, o, e, r, lo, hi] for n, c, o, e, r, lo, hi in zip(
            names, frame["gemeente_code"], frame["observed"], frame["expected"], frame["ratio"],
            frame["lower_998"], frame["upper_998"]))
        summary = (f"Trechterdiagram uit marts.youth_care_expected ({label}): {len(rows)} gemeenten, {outside} "
                   "buiten de 99,8%-grenzen. De grenzen tellen toevalsspreiding en de spreiding tussen gemeenten "
                   "die het model niet verklaart mee. Samenhang tussen gebieden, geen effect op kinderen.")
        chart = self.chart("kaart-trechter", "Waargenomen en verwacht jeugdzorggebruik", summary,
                           ["gemeente", "code", "waargenomen", "verwacht", "verhouding", "ondergrens 99,8%",
                            "bovengrens 99,8%"], rows, figure_dict(fig),
                           units=[None, None, "aantal", "aantal", None, None, None])
        return {"chart": chart, "table": "youth_care_expected"}

    # -- 4. Gemeenteprofiel
    def page_gemeenteprofiel(self) -> dict:
        published = self.data.published()
        values = self.data.values.filter(pl.col("boundary_year").is_null())
        latest_membership = (self.data.memberships.sort("boundary_year")
                             .group_by("gemeente_code").last())
        size_of = {}
        for r in self.data.memberships.iter_rows(named=True):
            inh = r["inhabitants"] or 0
            size_of[(r["boundary_year"], r["gemeente_code"])] = next(
                i for i, (lo, hi, _n) in enumerate(SIZE_CLASSES) if lo <= inh < hi)
        indicators = []
        for ind in published:
            ptype = self.data.main_period_type(ind["indicator_id"])
            v = values.filter((pl.col("indicator_id") == ind["indicator_id"]) & (pl.col("period_type") == ptype))
            periods = sorted(v["period"].unique().to_list())
            pos = {p: i for i, p in enumerate(periods)}
            by_region: dict[str, list] = {}
            bounds: dict[str, list] = {}   # 95% interval of a gemeente's rate: [low, high] per period
            class_values: dict[int, list[list[float]]] = {i: [[] for _ in periods] for i in range(len(SIZE_CLASSES))}
            for code, level, period, year, value, low, high in v.select(
                    "region_code", "region_level", "period", "year", "value", "value_low", "value_high").iter_rows():
                by_region.setdefault(code, [None] * len(periods))[pos[period]] = value
                if level == "gemeente" and low is not None:
                    bounds.setdefault(code, [None] * len(periods))[pos[period]] = [round(low, 3), round(high, 3)]
                if level == "gemeente" and value is not None and (year, code) in size_of:
                    class_values[size_of[(year, code)]][pos[period]].append(value)
            for i, lists in class_values.items():
                by_region[f"SIZE{i}"] = [round(statistics.median(x), 2) if x else None for x in lists]
            indicators.append({"id": ind["indicator_id"], "title": ind["title"], "unit": ind["unit"],
                               "periods": periods, "labels": [period_label(p) for p in periods],
                               "values": by_region, "bounds": bounds})
        gemeenten = []
        for r in latest_membership.sort("gemeente_name").iter_rows(named=True):
            code = r["gemeente_code"]
            if not any(code in ind["values"] for ind in indicators):
                continue
            last_year = r["boundary_year"]
            size = size_of[(last_year, code)]
            gemeenten.append({
                "code": code, "name": r["gemeente_name"],
                "label": r["gemeente_name"] + ("" if last_year == self.data.memberships["boundary_year"].max()
                                               else f" (tot {last_year + 1})"),
                "jeugdregio": [r["jeugdregio_code"], r["jeugdregio_name"]],
                "provincie": [r["provincie_code"], r["provincie_name"]],
                "size": [f"SIZE{size}", f"gemeenten met {SIZE_CLASSES[size][2]} (mediaan)"],
                "csv": f"data/gemeenteprofiel/{code}.csv",
            })
        for g in gemeenten:
            rows = []
            regions = [(g["code"], g["name"]), tuple(g["jeugdregio"]), tuple(g["provincie"]), tuple(g["size"]),
                       ("NL01", "Nederland")]
            for ind in indicators:
                own_bounds = ind["bounds"].get(g["code"], [None] * len(ind["periods"]))
                for i, label in enumerate(ind["labels"]):
                    rows.append([ind["title"], ind["unit"], label] +
                                [ind["values"].get(code, [None] * len(ind["periods"]))[i] for code, _n in regions] +
                                (own_bounds[i] or [None, None]))
            self.csv(g["csv"], ["indicator", "eenheid", "periode"] + [f"{n} ({c})" if not c.startswith("SIZE") else n
                                                                     for c, n in regions]
                     + [f"{g['name']}: 95%-interval ondergrens", f"{g['name']}: 95%-interval bovengrens"], rows)
        default = next((i for i, g in enumerate(gemeenten) if g["code"] == "GM0363"), 0)
        return {"title": "Gemeenteprofiel", "gemeenten": gemeenten, "profile_indicators": indicators,
                "profile_json": script_json({"gemeenten": gemeenten, "indicators": indicators, "default": default}),
                "default": default}

    # -- 5. Blinde vlekken
    def page_blinde_vlekken(self) -> dict:
        gaps, proxies = [], []
        for ind in self.data.indicators.iter_rows(named=True):
            full = self.data.registry.get(ind["indicator_id"], {})
            extra = {k: v for k, v in full.items() if k not in {
                "id", "title", "definition", "theme", "unit", "denominator", "direction", "levels", "frequency",
                "ivrk_articles", "status", "sources"} and isinstance(v, (str, int, float, list))}
            item = {**ind, "extra": extra}
            if ind["status"] == "gap":
                gaps.append(item)
            elif ind["status"] == "proxy":
                proxies.append(item)
        return {"title": "Blinde vlekken", "gaps": gaps, "proxies": proxies, "uses_plotly": False}

    # -- 6. Nieuw in deze release
    def release_frame(self) -> pl.DataFrame:
        return self.data.values.select("indicator_id", "region_code", "period", "value", "status", "source_table")

    def release_comparison(self) -> dict:
        current = self.release_frame()
        fingerprint = hashlib.sha256(current.sort(["indicator_id", "region_code", "period", "source_table"])
                                     .write_csv().encode()).hexdigest()[:16]
        self.fingerprint = fingerprint
        state = self.state_dir
        meta_path = state / "release.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        if meta.get("fingerprint") == fingerprint:
            previous_path = state / "values_previous.parquet"
            previous_meta = meta.get("previous")
        else:
            previous_path = state / "values_current.parquet"
            previous_meta = {k: meta[k] for k in ("fingerprint", "built_at") if k in meta} or None
        result = {"previous": None, "new_periods": [], "revisions": [], "status_changes": 0, "revision_count": 0,
                  "dropped": 0}
        if previous_meta and previous_path.exists():
            prev = pl.read_parquet(previous_path)
            keys = ["indicator_id", "region_code", "period", "source_table"]
            joined = current.join(prev, on=keys, how="inner", suffix="_oud")
            new_periods = (current.select("source_table", "period").unique()
                           .join(prev.select("source_table", "period").unique(), on=["source_table", "period"],
                                 how="anti").sort(["source_table", "period"]))
            dropped = prev.join(current, on=keys, how="anti").height
            changed = joined.filter(
                (pl.col("value").ne_missing(pl.col("value_oud"))) | (pl.col("status").ne_missing(pl.col("status_oud")))
            ).sort(keys)
            result.update({"previous": previous_meta, "new_periods": new_periods.rows(),
                           "revision_count": changed.height, "dropped": dropped,
                           "status_changes": changed.filter(pl.col("status").ne_missing(pl.col("status_oud"))).height,
                           "revisions": changed.rows(named=True)})
        return result

    def commit_release_state(self) -> None:
        state = self.state_dir
        state.mkdir(parents=True, exist_ok=True)
        meta_path = state / "release.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        if meta.get("fingerprint") == self.fingerprint:
            return
        if (state / "values_current.parquet").exists():
            shutil.copyfile(state / "values_current.parquet", state / "values_previous.parquet")
        self.release_frame().write_parquet(state / "values_current.parquet")
        previous = {k: meta[k] for k in ("fingerprint", "built_at") if k in meta} or None
        meta_path.write_text(json.dumps({"fingerprint": self.fingerprint, "built_at": self.built_at.isoformat(),
                                         "previous": previous}, indent=1), encoding="utf-8")

    def page_nieuw(self) -> dict:
        v = self.data.values
        per_table = []
        for (table, ptype), g in v.group_by(["source_table", "period_type"]):
            info = self.data.cbs_tables.get(table, {})
            with_values = g.filter(pl.col("value").is_not_null())
            statuses = ", ".join(f"{s}: {n}" for s, n in sorted(
                with_values.select("period", "status").unique().group_by("status").len().rows()))
            per_table.append({"table": table, "title": info.get("title") or "", "modified": info.get("modified"),
                              "period_type": ptype, "first": period_label(g["period"].min()),
                              "last": period_label(with_values["period"].max() if with_values.height else None),
                              "periods": g["period"].n_unique(), "statuses": statuses})
        per_table.sort(key=lambda r: (r["table"], r["period_type"]))
        rel = self.release
        revision_rows = []
        for r in rel["revisions"]:
            revision_rows.append([r["indicator_id"], self.data.region_names.get(r["region_code"], r["region_code"]),
                                  r["region_code"], period_label(r["period"]), r["source_table"],
                                  r.get("value_oud"), r["value"], r.get("status_oud"), r["status"]])
        revisions_csv = None
        if rel["previous"]:
            revisions_csv = self.csv("data/revisies.csv", ["indicator", "regio", "code", "periode", "tabel",
                                                          "oude waarde", "nieuwe waarde", "oude status",
                                                          "nieuwe status"], revision_rows)
        tables_csv = self.csv("data/perioden-per-tabel.csv",
                              ["tabel", "titel", "Modified", "soort periode", "eerste", "laatste", "perioden", "status"],
                              [[r["table"], r["title"], r["modified"], r["period_type"], r["first"], r["last"],
                                r["periods"], r["statuses"]] for r in per_table])
        signals = ["marts.monitor"] if self.data.has("marts", "monitor") else []
        return {"title": "Nieuw in deze release", "per_table": per_table, "tables_csv": tables_csv,
                "release": rel, "revisions_csv": revisions_csv,
                "revision_rows": [[c if i < 5 or i > 6 else nl_number(c) for i, c in enumerate(r)]
                                  for r in revision_rows[:200]],
                "previous_built": (datetime.fromisoformat(rel["previous"]["built_at"]).strftime("%d-%m-%Y %H:%M")
                                   if rel["previous"] and rel["previous"].get("built_at") else "onbekend"),
                "new_periods": [(t, period_label(p)) for t, p in rel["new_periods"]],
                "signal_tables": signals, "fingerprint": self.fingerprint, "uses_plotly": False}

    # -- 7. Verantwoording
    def page_verantwoording(self) -> dict:
        items = []
        status_by_ind = {ind: ", ".join(f"{s} ({n} perioden)" for s, n in sorted(g.select("period", "status").unique()
                                                                               .group_by("status").len().rows()))
                         for (ind,), g in self.data.values.filter(pl.col("value").is_not_null())
                         .group_by("indicator_id")}
        for ind in self.data.indicators.iter_rows(named=True):
            sources = []
            for s in ind["sources"] or []:
                info = self.data.cbs_tables.get(s["table"], {})
                sources.append({"table": s["table"], "column": s["column"], "care_form": s["care_form"],
                                "title": info.get("title") or "", "modified": info.get("modified"),
                                "mode": info.get("source_mode")})
            items.append({**ind, "sources_info": sources, "release_status": status_by_ind.get(ind["indicator_id"]),
                          "status_label": STATUS_LABELS.get(ind["status"], ind["status"]),
                          "direction_label": DIRECTION_LABELS.get(ind["direction"], ind["direction"])})
        quality = []
        for schema, table in sorted(self.data.tables):
            if any(w in table for w in ("quality", "gate", "check", "validation", "expectation")) \
                    and schema not in ("raw",):
                frame = self.data.table_frame(schema, table, 200)
                quality.append({"name": f"{schema}.{table}", "columns": frame.columns, "rows": frame.rows()})
        gate_reports, gate_run = [], None
        latest = self.site.parent / "quality" / "latest"  # written by kindbelang.quality, if it ran
        if latest.is_dir():
            gate_run = (latest / "RUN_ID").read_text(encoding="utf-8").strip() if (latest / "RUN_ID").exists() else None
            for path in sorted(latest.glob("*__*.json")):
                try:
                    r = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                gate_reports.append([r.get("table"), r.get("suite"), r.get("rows"), len(r.get("expectations", [])),
                                     "geslaagd" if r.get("success") else "niet geslaagd",
                                     r.get("critical_failed"), r.get("warnings_failed")])
        report = self.site.parent / "quality" / "latest" / "index.html"
        return {"title": "Verantwoording", "items": items, "quality": quality, "uses_plotly": False,
                "gate_reports": gate_reports, "gate_run": gate_run, "dictionary": self.data_dictionary(),
                "quality_report": "../quality/latest/index.html" if report.exists() else None,
                "tables": sorted(self.data.cbs_tables.values(), key=lambda r: r["table_id"])}


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



def build_site(con, site_dir: Path, geo_dir: Path = GEO_DIR) -> dict:
    return SiteBuilder(con, site_dir, geo_dir).build()
