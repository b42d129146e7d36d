"""Gemeenteprofiel: every indicator of every domain for one gemeente at a glance, as a factsheet.

The page itself (gemeenteprofiel.html) holds what is the same for every gemeente: the list of gemeenten, the
indicators with their titles, domains and caveats. Per gemeente a small script file
(data/gemeenteprofiel/<code>.js, loaded by a script tag, so it works from file:// without a server) holds its
figures, already formatted in Dutch here, and the sparklines as SVG paths; the page's script makes the CSV of
exactly the rows it shows, each with its source, the caveats once below the data (site.js kbSourcedCsv). Every figure comes from the marts through `kindbelang.dashboard.data` (ranks and medians included)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import polars as pl

from kindbelang.dashboard import data as queries
from kindbelang.dashboard.charts import Source
from kindbelang.dashboard.formatting import (
    ABOVE_100_NOTE, OUDERDOMEIN_LABELS, change_text, combined_source_label, figure_text, interval_text,
    is_missing, nl_number, period_label, script_json, trend_per_year, unit_suffix, with_unit,
)

if TYPE_CHECKING:
    from kindbelang.dashboard.builder import SiteBuilder

DATA_DIR = "data/gemeenteprofiel"
DEFAULT_GEMEENTE = "GM0363"
SIZE_CLASSES = [(0, 20_000, "minder dan 20.000 inwoners"), (20_000, 50_000, "20.000 tot 50.000 inwoners"),
                (50_000, 100_000, "50.000 tot 100.000 inwoners"), (100_000, 10**9, "100.000 inwoners of meer")]
# The sections of the profile: youth care first, then the parental domains of the registry.
GROUPS = [("jeugdzorg", "Jeugdzorg")] + list(OUDERDOMEIN_LABELS.items())
ASSOCIATION = "ecologische associatie: samenhang tussen gemeenten, geen effect op kinderen"
MODEL_NOTE = "bewerking kindbelang: verwacht gebruik uit een model"
CUMULATION_NOTE = "bewerking kindbelang: stapeling tussen gebieden"
# The CSV of one gemeente (made in the browser from the rows the page shows, see gemeenteprofiel.html): the figures
# as printed, with a decimal comma; site.js adds `bron` and `kanttekening` (a key into the caveats below the data),
# like every CSV of the site.
CSV_HEADER = [
    "onderdeel", "indicator", "periode", "waarde", "eenheid", "soort interval", "interval ondergrens",
    "interval bovengrens", "Nederland", "provincie", "provincie: waarde", "provincie: indeling", "jeugdregio",
    "jeugdregio: waarde", "jeugdregio: indeling", "vergelijkbare gemeenten", "vergelijkbare gemeenten: mediaan",
    "vergelijkbare gemeenten: aantal", "plaats (1 = hoogste waarde)", "gemeenten met een cijfer", "vergelijking",
    "verandering", "trend", "reeks", "signaal of oordeel", "status", "boven_100_gepubliceerd",
]
SPARK_W, SPARK_H, SPARK_PAD = 120, 30, 3
# A gemeente's data file holds its rows as lists in this order (the page's script reads them by name).
ROW_FIELDS = ["id", "period", "value", "low", "high", "nl", "provincie", "provincieH", "jeugdregio", "jeugdregioH",
              "median", "sizeN", "sizeClass", "rank", "ranked", "trend", "reeks", "spark", "signal", "change", "status",
              "source", "above"]
EXTRA_FIELDS = ["section", "measure", "period", "value", "low", "high", "intervalKind", "comparison", "verdict",
                "tone", "status", "source", "sourceKind", "sourceKeys", "caveat"]


def group_of(ind: dict) -> str:
    return ind["ouderdomein"] or ("jeugdzorg" if ind["theme"] == "jeugdzorg" else "overig")


def series_text(points: list[tuple[str, float | None]], unit: str | None, flagged: set[str]) -> str:
    """The sparkline in words: '2015: 7,9; 2016: 12,3 (boven 100% gepubliceerd); ...'."""
    return "; ".join(f"{period_label(p)}: {nl_number(v, unit)}" + (" (boven 100% gepubliceerd)" if p in flagged else "")
                     for p, v in points if not is_missing(v))


def sparkline(periods: list[str], own: dict[str, float], nl: dict[str, float]) -> dict:
    """SVG paths (viewBox 0 0 SPARK_W SPARK_H) of the gemeente's series and Nederland's on one scale; a gap where
    a period has no figure; the last point of the gemeente as a dot."""
    values = [v for v in list(own.values()) + list(nl.values()) if not is_missing(v)]
    if not periods or not values:
        return []
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0
    step = (SPARK_W - 2 * SPARK_PAD) / max(1, len(periods) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = SPARK_PAD + i * step if len(periods) > 1 else SPARK_W / 2
        y = SPARK_H - SPARK_PAD - (v - lo) / span * (SPARK_H - 2 * SPARK_PAD)
        return round(x), round(y)

    def path(series: dict[str, float]) -> str:
        parts, pen = [], False
        for i, p in enumerate(periods):
            v = series.get(p)
            if is_missing(v):
                pen = False
                continue
            x, y = xy(i, v)
            parts.append(f"{'L' if pen else 'M'}{x} {y}")
            pen = True
        return "".join(parts)

    last = [(i, own[p]) for i, p in enumerate(periods) if not is_missing(own.get(p))]
    dot = xy(*last[-1]) if last else None
    return [path(own), path(nl)] + (list(dot) if dot else [])


def signal_text(r: dict, unit: str | None) -> tuple[str, str, str]:
    """(signal wording, the change it rests on, tone) from marts.monitor."""
    change = ""
    if not is_missing(r["change"]) and r["previous_period"]:
        change = f"{change_text(r['change'], unit)} t.o.v. {period_label(r['previous_period'])}" + (
            f" ({r['change_direction']})" if r["change_direction"] else "")
    if r["signal"]:
        return "signaal: ongunstige verandering", change, "bad"
    if r["small_number"]:
        return "niet beoordeeld: kleine aantallen", change, "neutral"
    if r["monitor_direction"] == "neutral":
        return "geen signaal: geen voorkeursrichting", change, "neutral"
    if is_missing(r["change"]):
        return "geen vergelijking: geen cijfer een jaar eerder", change, "neutral"
    return "geen signaal", change, "neutral"


def trend_text(r: dict, unit: str | None) -> str:
    """The least-squares trend of marts.monitor in words, over at least three periods."""
    t = r["trend_per_year"]
    if is_missing(t) or (r["trend_periods"] or 0) < 3:
        return "geen trend (minder dan drie perioden)"
    return f"{trend_per_year(t, unit)} ({r['trend_first_period']}-{period_label(r['period'])})"


class ProfilePage:
    def __init__(self, b: SiteBuilder):
        self.b = b
        self.data = b.data
        self.con = b.data.con

    # -- the context of gemeenteprofiel.html
    def context(self) -> dict:
        d = self.data
        main_types = {i: d.main_period_type(i) for i in d.by_id}
        latest = queries.profile_latest(self.con, main_types, [lo for lo, _hi, _n in SIZE_CLASSES])
        by_gemeente: dict[str, dict[str, dict]] = {}
        for r in latest:
            by_gemeente.setdefault(r["gemeente_code"], {})[r["indicator_id"]] = r
        self.series = self.load_series(main_types)
        # texts many rows share, once on the page: the rows refer to them by position
        self.sources: dict[str, int] = {}
        self.signals: dict[str, int] = {}
        self.statuses: dict[str, int] = {}
        self.caveats: dict[str, int] = {}
        household = queries.profile_household(self.con) if d.has("marts", "household_position") else {}
        expected = queries.profile_expected(self.con) if d.has("marts", "youth_care_expected") else {}
        cumulation = queries.profile_cumulation(self.con) if d.has("marts", "parental_cumulation") else {}

        order = [i for i in d.by_id if any(i in rows for rows in by_gemeente.values())]
        indicators = {i: {"title": d.by_id[i]["title"], "unit": d.by_id[i]["unit"], "group": group_of(d.by_id[i]),
                          "caveat": d.by_id[i]["caveat"] or "", "suffix": unit_suffix(d.by_id[i]["unit"])}
                      for i in order}
        groups = []
        for key, label in GROUPS + [("overig", "Overig")]:
            members = [i for i in order if indicators[i]["group"] == key]
            national = [ind for ind in d.indicators.iter_rows(named=True)
                        if group_of(ind) == key and ind["indicator_id"] not in indicators]
            if members or national:
                groups.append({"key": key, "label": label, "indicators": members,
                               "caveats": [(i, indicators[i]["title"], indicators[i]["caveat"]) for i in members
                                           if indicators[i]["caveat"]],
                               "national": [(n["indicator_id"], n["title"],
                                             "blinde vlek" if n["status"] == "gap" else "alleen landelijk")
                                            for n in national]})

        members = self.data.memberships.sort("boundary_year").group_by("gemeente_code").last()
        last_year = self.data.memberships["boundary_year"].max()
        gemeenten = []
        for m in members.sort("gemeente_name").iter_rows(named=True):
            code = m["gemeente_code"]
            if code not in by_gemeente:
                continue
            label = m["gemeente_name"] + ("" if m["boundary_year"] == last_year else f" (tot {m['boundary_year'] + 1})")
            gemeenten.append([code, label])
            record = self.gemeente(m, label, by_gemeente[code], order, household.get(code), expected.get(code),
                                   cumulation.get(code) if m["boundary_year"] == last_year else None)
            self.write(code, record)
        default = DEFAULT_GEMEENTE if any(c == DEFAULT_GEMEENTE for c, _l in gemeenten) else (
            gemeenten[0][0] if gemeenten else None)
        meta = {"gemeenten": gemeenten, "indicators": indicators, "default": default, "dataDir": DATA_DIR,
                "rowFields": ROW_FIELDS, "extraFields": EXTRA_FIELDS, "sources": list(self.sources),
                "signals": list(self.signals), "statuses": list(self.statuses), "caveats": list(self.caveats),
                "sizeClasses": [n for _lo, _hi, n in SIZE_CLASSES], "groupLabels": dict(GROUPS + [("overig", "Overig")]),
                "csvHeader": CSV_HEADER,
                "aboveNote": ABOVE_100_NOTE}
        return {"title": "Gemeenteprofiel", "gemeenten": gemeenten, "default": default, "groups": groups,
                "indicators": indicators, "profile_meta": script_json(meta), "association": ASSOCIATION,
                "size_classes": [n for _lo, _hi, n in SIZE_CLASSES], "uses_plotly": False,
                }

    def load_series(self, main_types: dict[str, str]) -> dict[tuple[str, str], list[tuple[str, float | None]]]:
        """Per (indicator, region) the figures of its main period type in the boundaries of their period, for the
        sparklines: the gemeenten and Nederland."""
        kinds = pl.DataFrame({"indicator_id": list(main_types), "period_type": list(main_types.values())})
        frame = (self.data.values.filter(pl.col("boundary_year").is_null()
                                         & pl.col("region_level").is_in(["gemeente", "land"]))
                 .join(kinds, on=["indicator_id", "period_type"])
                 .select("indicator_id", "region_code", "period", "value", "published_above_100")
                 .sort("indicator_id", "region_code", "period"))
        out: dict[tuple[str, str], list] = {}
        self.flagged: dict[tuple[str, str], set[str]] = {}
        for ind, region, period, value, above in frame.iter_rows():
            out.setdefault((ind, region), []).append((period, value))
            if above:
                self.flagged.setdefault((ind, region), set()).add(period)
        return out

    # -- one gemeente
    def index(self, table: dict[str, int], text: str | None) -> int | None:
        """A text that many rows share (a source line, a signal wording, a status, a caveat), once on the page."""
        return table.setdefault(text, len(table)) if text else None

    def gemeente(self, m: dict, label: str, latest: dict[str, dict], order: list[str], household: dict | None,
                 expected: list[dict] | None, cumulation: dict | None) -> dict:
        code = m["gemeente_code"]
        rows = []
        for ind_id in order:
            r = latest.get(ind_id)
            if r is None:
                continue
            ind = self.data.by_id[ind_id]
            unit = ind["unit"]
            suffix = unit_suffix(unit)
            own = dict(self.series.get((ind_id, code), []))
            nl = dict(self.series.get((ind_id, "NL01"), []))
            periods = sorted(set(own) | set(p for p in nl if own and min(own) <= p <= max(own)))
            flagged = self.flagged.get((ind_id, code), set())
            signal, change, tone = signal_text(r, unit)
            labels = [r["source_label"]] + [r[k] for k in ("provincie_harmonised_label", "jeugdregio_harmonised_label")
                                            if r[k]]
            source = (r["source_label"] if len(set(labels)) == 1 else combined_source_label(labels)) \
                if r["source_label"] else (self.data.indicator_source(ind_id).label
                                           if self.data.indicator_source(ind_id) else None)
            value = figure_text(r["value"], unit, r["published_wording"])
            low, high = (interval_text(r["value_low"], r["value_high"], unit).split(" tot ")
                         if not is_missing(r["value_low"]) else ("", ""))

            def number(v) -> str:
                return "" if is_missing(v) else nl_number(v, unit)

            # numbers as the page prints them, without their unit (the page adds it: meta.indicators[id].suffix)
            rows.append({
                "id": ind_id, "period": period_label(r["period"]),
                "value": value.removesuffix(suffix) if suffix and value.endswith(suffix) else value,
                "low": low, "high": high, "nl": number(r["nl_value"]),
                "provincie": number(r["provincie_value"]), "provincieH": r["provincie_harmonised"] or 0,
                "jeugdregio": number(r["jeugdregio_value"]), "jeugdregioH": r["jeugdregio_harmonised"] or 0,
                "median": number(r["size_median"]) if r["size_class"] is not None else "",
                "sizeN": r["size_n"] if r["size_class"] is not None else 0,
                "sizeClass": r["size_class"] if r["size_class"] is not None else -1,
                "rank": r["rank_high"] or 0, "ranked": r["n_ranked"] or 0,
                "trend": trend_text(r, unit),
                "reeks": series_text([(p, own.get(p)) for p in periods], unit, flagged),
                "spark": sparkline(periods, own, nl),
                "signal": self.index(self.signals, f"{tone}|{signal}"), "change": change,
                "status": self.index(self.statuses, r["status"] or "onbekend"),
                "source": self.index(self.sources, source), "above": 1 if r["published_above_100"] else 0,
            })
        extra = []
        for item in self.household_rows(household) + self.expected_rows(expected) + self.cumulation_rows(cumulation):
            item["caveat"] = self.index(self.caveats, item["caveat"])
            item["status"] = self.index(self.statuses, item["status"])
            extra.append([item[k] for k in EXTRA_FIELDS])
        inhabitants = m["inhabitants"]
        return {
            "code": code, "name": m["gemeente_name"], "label": label,
            "provincie": m["provincie_name"], "jeugdregio": m["jeugdregio_name"],
            "inhabitants": (f"{nl_number(inhabitants, 'aantal')} inwoners op 1 januari {m['boundary_year']}"
                            if inhabitants else ""),
            "size": next((n for lo, hi, n in SIZE_CLASSES if inhabitants is not None and lo <= inhabitants < hi),
                         ""),
            "rows": [[row[k] for k in ROW_FIELDS] for row in rows], "extra": extra,
        }

    def write(self, code: str, record: dict) -> None:
        path = self.b.out / DATA_DIR / f"{code}.js"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
        path.write_text(f"window.KB_GP=window.KB_GP||{{}};window.KB_GP[{json.dumps(code)}]={text};\n",
                        encoding="utf-8")

    # -- the linkage marts of one gemeente, as rows of the profile and its CSV
    def extra_row(self, section: str, measure: str, period: str, value_text: str, interval_kind: str | None,
                  low, high, unit, comparison: str, verdict: str, status: str, source: Source | None,
                  caveat: str | None, tone: str = "neutral") -> dict:
        lo, hi = interval_text(low, high, unit).split(" tot ") if interval_kind and not is_missing(low) else ("", "")
        return {"section": section, "measure": measure, "period": period, "value": value_text,
                "low": lo, "high": hi, "intervalKind": interval_kind or "", "comparison": comparison,
                "verdict": verdict, "tone": tone, "status": status, "source": source.label if source else "",
                "sourceKind": source.kind if source else "", "sourceKeys": " ".join(source.keys) if source else "",
                "caveat": caveat or ""}

    def household_rows(self, h: dict | None) -> list[dict]:
        if not h:
            return []
        out = []
        if h.get("one_parent_share") is not None:
            verdict = h["compared_with_national"] or "–"
            out.append(self.extra_row(
                "Huishoudenspositie", "Jongeren met jeugdzorg die in een eenouderhuishouden wonen",
                period_label(h["period_key"]), with_unit(h["one_parent_share"], "%"),
                "95%-interval", h["one_parent_share_low"], h["one_parent_share_high"], "%",
                f"Nederland {with_unit(h['national_share'], '%')}; {nl_number(h['youth_with_youth_care'], 'aantal')} "
                "jongeren met jeugdzorg", verdict + (" (kleine aantallen)" if h["small_numbers"] else ""),
                h["status"] or "onbekend", self.data.table_source(h["source_table"]), h["caveat"],
                tone="bad" if verdict.startswith("hoger") else "neutral"))
        o = h.get("over")
        if o:
            source = Source(f"Bron: CBS, {o['source_table']}; CBS, {o['population_source_table']}", "tables",
                            (o["source_table"], o["population_source_table"]))
            out.append(self.extra_row(
                "Huishoudenspositie", "Oververtegenwoordiging van eenouderhuishoudens bij jeugdzorg (verhouding)",
                str(o["year"]), f"{nl_number(o['overrepresentation_ratio'], None, 2)} keer", "99,8%-interval",
                o["overrepresentation_low"], o["overrepresentation_high"], None,
                f"{with_unit(o['one_parent_share_at_home'], '%')} van de thuiswonende jongeren met jeugdzorg tegenover "
                f"{with_unit(o['one_parent_households_share'], '%')} van de huishoudens met kinderen",
                o["overrepresentation"] or "–", o["status"] or "onbekend", source, o["caveat"],
                tone="bad" if o["overrepresentation"] == "oververtegenwoordigd" else "neutral"))
        return out

    def expected_rows(self, rows: list[dict] | None) -> list[dict]:
        out = []
        for r in rows or []:
            source = self.data.row_source(r, MODEL_NOTE)
            verdict = r["signal"] or "binnen de 99,8%-grenzen"
            out.append(self.extra_row(
                "Waargenomen en verwacht", f"{r['care_form'].capitalize()}: waargenomen gedeeld door verwacht "
                f"({ASSOCIATION})", period_label(r["period"]), nl_number(r["ratio"], None, 2),
                "99,8%-controlegrenzen", r["lower_998"], r["upper_998"], None,
                f"waargenomen {nl_number(r['observed'], 'aantal')}, verwacht {nl_number(r['expected'], 'aantal')} "
                f"jongeren (model over {r['n_gemeenten']} gemeenten, R² {nl_number(r['model_r2'], 'r')})",
                verdict, "onbekend", source, r["caveat"], tone="bad" if r["signal"] == "hoger dan verwacht"
                else "neutral"))
        return out

    def cumulation_rows(self, c: dict | None) -> list[dict]:
        if not c or not c["domains_with_data"]:
            return []
        names = [OUDERDOMEIN_LABELS.get(x, x) for x in (c["worst_fifth_domains"] or [])]
        with_data = [OUDERDOMEIN_LABELS.get(x, x) for x in (c["data_domains"] or [])]
        return [self.extra_row(
            "Stapeling", "Ouderdomeinen waarop de gemeente bij het ongunstigste vijfde hoort", str(c["year"]),
            f"{c['domains_in_worst_fifth']} van {c['domains_with_data']} domeinen met cijfers", None, None, None,
            None,
            f"bij het ongunstigste vijfde: {', '.join(names) or 'geen'}; domeinen met cijfers: {', '.join(with_data)}",
            "stapeling tussen gebieden, niet binnen gezinnen", "onbekend", self.data.row_source(c, CUMULATION_NOTE),
            c["caveat"])]


def context(b: SiteBuilder) -> dict:
    return ProfilePage(b).context()
