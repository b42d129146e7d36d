"""Overzicht as answers: per ouderdomein (and first for youth care) one block that answers the questions a policy
researcher asks, each answer with its source, release status and caveat and a link to the page with the detail:

- how many children are exposed (the strongest national figure on children in the domain),
- how much more often those children are in youth care (marts.linkage_national, in the publication's wording),
- where in the country it is highest (provinces and gemeenten, marts.indicator_values),
- the trend and its direction (marts.monitor, Nederland),
- the signals (marts.monitor, gemeenten),
- the blind spots of the domain (marts.indicators, status gap).

Below the blocks the signal tables and the national trend charts, as before."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kindbelang.dashboard import data as queries
from kindbelang.dashboard.charts import Source
from kindbelang.dashboard.formatting import (
    GAP_LIMITS, OUDERDOMEIN_LABELS, PERIOD_TYPE_ORDER, change_text, combined_source_label, figure_text,
    interval_text, nl_number, period_label, trend_per_year, with_unit,
)

if TYPE_CHECKING:
    from kindbelang.dashboard.builder import SiteBuilder

TOP_N = 3
MAX_SIGNAL_NAMES = 5
# The signal rule of marts.monitor (sql/marts/monitor.sql header, README.md), in Dutch for the site.
SIGNAL_RULE = ("Een signaal betekent: de waarde is ten opzichte van dezelfde periode een jaar eerder in de "
               "ongunstige richting (volgens het indicatorregister) veranderd met meer dan het grootste van 5% van "
               "de vorige waarde en, bij percentages, 0,5 procentpunt. Indicatoren zonder voorkeursrichting geven "
               "nooit een signaal. Gemeenten met kleine aantallen (teller nu of in de vorige periode onder 20, of "
               "minder dan 10.000 inwoners) geven geen signaal: door de afronding van CBS (aantallen op vijftallen, "
               "aandelen op één decimaal) zijn kleine veranderingen daar ruis.")


def domain_of(ind: dict) -> str | None:
    if ind["ouderdomein"]:
        return ind["ouderdomein"]
    return "jeugdzorg" if ind["theme"] == "jeugdzorg" else None


def trend_words(m: dict, unit: str | None) -> str:
    return (f"{trend_per_year(m['trend_per_year'], unit)} van {m['trend_first_period']} tot "
            f"{m['latest_period_label']} ({m['trend_periods']} perioden)")


class Overview:
    def __init__(self, b: SiteBuilder):
        self.b = b
        self.d = b.data
        self.national = queries.monitor_national(self.d.con)
        self.signals = queries.monitor_gemeente_signals(self.d.con)
        self.linkage = queries.linkage_national(self.d.con) if self.d.has("marts", "linkage_national") else []

    # -- the answers of one block
    def has_nl(self, ind: dict) -> bool:
        ptype = self.d.main_period_type(ind["indicator_id"])
        return any(r["value"] is not None for r in self.d.series(ind["indicator_id"], "NL01", ptype))

    def has_level(self, ind: dict, level: str) -> bool:
        return self.d.values.filter((self.d.values["indicator_id"] == ind["indicator_id"])
                                    & (self.d.values["region_level"] == level)
                                    & self.d.values["value"].is_not_null()).height > 0

    def exposure(self, inds: list[dict]) -> tuple[dict | None, list[dict]]:
        """The strongest national figure on children in the domain: an indicator about children (kinderen,
        jongeren) before one about adults, a published figure ('available') before a proxy; then the rest."""
        with_nl = [i for i in inds if self.has_nl(i)]

        def key(i: dict) -> tuple:
            about_children = any(w in i["indicator_id"] for w in ("kinderen", "jongeren", "jeugd"))
            return (not about_children, i["status"] != "available", 0)

        ordered = sorted(with_nl, key=key)
        main = ordered[0] if ordered else None
        return (self.b.headline(main) if main else None), [self.b.headline(i) for i in ordered[1:]]

    def overrepresentation(self, dom: str) -> list[dict]:
        """The national over-representation figures of the domain, published ratios first (their own wording),
        largest first; at most two."""
        rows = [r for r in self.linkage if r["ouderdomein"] == dom and r["ratio_low"] is not None]
        rows.sort(key=lambda r: (r["ratio_source"] != "gepubliceerd", -(r["ratio_high"] or r["ratio_low"])))
        out = []
        for r in rows[:2]:
            if r["ratio_source"] == "gepubliceerd":
                wording = r["published_wording"]
            else:
                wording = (f"{nl_number(r['ratio_low'], None, 1)} keer zo vaak (berekend uit "
                           f"{r['published_share_youth_care']}% tegenover {r['published_share_reference']}%)")
            out.append({"measure": r["measure"], "group": r["youth_care_group"], "wording": wording,
                        "period": r["period_label"], "reference": r["reference_group"],
                        "source": self.d.row_source(r), "caveat": r["caveat"], "url": r["source_url"],
                        "section": r["source_section"], "kind": r["ratio_source"]})
        return out

    def highest(self, inds: list[dict]) -> dict | None:
        """Where it is highest: the first indicator of the domain with figures per gemeente, its top provinces
        and gemeenten in the latest period (each with its interval)."""
        ind = next((i for i in inds if self.has_level(i, "gemeente")), None)
        if ind is None:
            return None
        ind_id, unit = ind["indicator_id"], ind["unit"]
        ptype = self.d.main_period_type(ind_id)
        out = {"indicator": ind_id, "title": ind["title"], "caveat": ind["caveat"], "levels": []}
        for level, word in (("provincie", "provincies"), ("gemeente", "gemeenten")):
            rows = queries.top_regions(self.d.con, ind_id, ptype, level, TOP_N)
            if not rows:
                continue
            harmonised = rows[0]["boundary_year"]
            items = []
            for r in rows:
                interval = interval_text(r["value_low"], r["value_high"], unit)
                name = r["region_name"] or r["region_code"]
                items.append({"name": name, "code": r["region_code"],
                              "value": figure_text(r["value"], unit, r["published_wording"]),
                              "interval": interval, "status": r["status"] or "onbekend",
                              "profile": f"gemeenteprofiel.html#{r['region_code']}" if level == "gemeente" else None})
            labels = list(dict.fromkeys(r["source_label"] for r in rows if r["source_label"]))
            out["levels"].append({
                "word": word, "period": period_label(rows[0]["period"]), "regions": items,
                "harmonised": (f"op de gemeentegrenzen van {harmonised} (geharmoniseerd)" if harmonised else ""),
                "statuses": ", ".join(dict.fromkeys(i["status"] for i in items)),
                "source": Source(labels[0] if len(labels) == 1 else "Bron: " + "; ".join(
                    label.removeprefix("Bron: ") for label in labels), "indicators", (ind_id,)) if labels else None})
        return out if out["levels"] else None

    def trend(self, inds: list[dict]) -> dict | None:
        """The national trend of the first CBS series of the domain over at least three periods (marts.monitor;
        separate publications are never joined into a trend)."""
        for ind in inds:
            m = self.national.get((ind["indicator_id"], self.d.main_period_type(ind["indicator_id"])))
            if m and m["source_kind"] == "cbs" and m["trend_per_year"] is not None and (m["trend_periods"] or 0) >= 3:
                unit = ind["unit"]
                change = ""
                if m["change"] is not None and m["previous_period"]:
                    change = (f"{change_text(m['change'], unit)} t.o.v. {period_label(m['previous_period'])}"
                              + (f" ({m['change_direction']})" if m["change_direction"] else ""))
                return {"indicator": ind["indicator_id"], "title": ind["title"], "text": trend_words(m, unit),
                        "latest": figure_text(m["value"], unit), "period": m["latest_period_label"],
                        "change": change, "status": m["release_status"] or "onbekend",
                        "direction": ind["direction"],
                        "source": Source(m["source_label"], "indicators", (ind["indicator_id"],))
                        if m["source_label"] else self.d.indicator_source(ind["indicator_id"]),
                        "caveat": ind["caveat"], "has_chart": self.b.has_series(ind)}
        return None

    def domain_signals(self, inds: list[dict]) -> list[dict]:
        out = []
        for ind in inds:
            ptype = self.d.main_period_type(ind["indicator_id"])
            s = self.signals.get((ind["indicator_id"], ptype))
            nl = self.national.get((ind["indicator_id"], ptype))
            if s is None and nl is None:
                continue
            names = (s or {}).get("names") or []
            out.append({"indicator": ind["indicator_id"], "title": ind["title"],
                        "period": period_label((s or nl)["latest_period"]),
                        "n": (s or {}).get("n_signal") or 0, "assessed": (s or {}).get("n_assessed") or 0,
                        "names": names[:MAX_SIGNAL_NAMES], "more": max(0, len(names) - MAX_SIGNAL_NAMES),
                        "nl": bool(nl and nl["signal"]), "neutral": ind["direction"] == "neutral",
                        "source": self.d.indicator_source(ind["indicator_id"])})
        return out

    def block(self, key: str, label: str, inds: list[dict], gaps: list[dict]) -> dict:
        main, others = self.exposure(inds)
        signals = self.domain_signals(inds)
        sources = [s["source"] for s in signals if s["source"]]
        signals_source = Source(combined_source_label([x.label for x in sources], "bewerking kindbelang: signaalregel "
                                                      "van de monitor"), "indicators",
                                tuple(k for x in sources for k in x.keys)) if sources else None
        anchor = f"ouderdomein-{key}" if key in OUDERDOMEIN_LABELS else "thema-jeugdzorg"
        return {"key": key, "label": label, "exposure": main, "others": others,
                "overrepresentation": self.overrepresentation(key), "highest": self.highest(inds),
                "trend": self.trend(inds), "signals": signals, "signals_source": signals_source,
                "gaps": [{"id": g["indicator_id"], "title": g["title"], "reason": g["gap_reason"],
                          "group": GAP_LIMITS[g["gap_limit"]][0] if g["gap_limit"] else ""} for g in gaps],
                "detail": f"themas.html#{anchor}"}

    def context(self) -> dict:
        published = self.d.published()
        blocks = []
        keys = [("jeugdzorg", "Jeugdzorg")] + list(OUDERDOMEIN_LABELS.items())
        for key, label in keys:
            inds = [i for i in published if domain_of(i) == key]
            gaps = [i for i in self.d.indicators.iter_rows(named=True)
                    if i["status"] == "gap" and domain_of(i) == key]
            if inds:
                blocks.append(self.block(key, label, inds, gaps))
        # figures on several domains at once (stapeling): cards of their own
        across = [self.b.headline(i) for i in published if domain_of(i) is None and self.has_nl(i)]
        by_unit: dict[str, list[dict]] = {}
        for ind in published:
            if self.b.has_series(ind):
                by_unit.setdefault(ind["unit"], []).append(ind)
        charts = []
        for n, (unit, inds) in enumerate(by_unit.items()):
            word = {"%": "aandelen (%)", "aantal": "aantallen"}.get(unit, unit)
            charts.append(self.b.trend_chart(f"overzicht-trend-{n + 1}", f"Nederland: ontwikkeling, {word}", inds))
        return {"title": "Overzicht", "blocks": blocks, "across": across, "charts": charts,
                "signals": monitor_signals(self.b),
                "gap_count": sum(1 for r in self.d.indicators.iter_rows(named=True) if r["status"] == "gap"),
                "domain_labels": [b["label"] for b in blocks]}


def monitor_signals(b: SiteBuilder) -> dict | None:
    """Signals from marts.monitor: Nederland, and per indicator the number of gemeenten with a signal."""
    if not b.data.has("marts", "monitor"):
        return None
    nl = b.data.monitor_national_changes()
    nl_rows = [[t, pt, period_label(lp), with_unit(v, u), with_unit(pv, u), change_text(c, u), cd or "–",
                "ja" if sig else "nee", rs or "onbekend"]
               for _id, t, pt, lp, v, pv, c, u, cd, sig, rs, _s, _c in nl]
    nl_sources = [Source(s, "indicators", (i,)) if s else None for i, *_x, s, _c in nl]
    counts = b.data.monitor_signal_counts()
    counts.sort(key=lambda r: (r[1], PERIOD_TYPE_ORDER.get(r[2], 9)))
    count_rows = [[title, pt, period_label(periode), n, assessed, small, status]
                  for _id, title, pt, periode, n, assessed, small, status in counts]
    count_sources = [b.data.indicator_source(r[0]) for r in counts]
    count_caveats = [b.data.caveat(r[0]) for r in counts]
    csv_href = b.sourced_csv("data/signalen-gemeenten.csv",
                             ["indicator", "soort periode", "laatste periode", "gemeenten met signaal",
                              "gemeenten beoordeeld", "gemeenten met kleine aantallen", "status"], count_rows,
                             count_sources, count_caveats)
    caveats = {t: c for (_i, t, *_x, c) in nl if c}
    caveats.update({r[1]: c for r, c in zip(counts, count_caveats) if c})
    return {"rule": SIGNAL_RULE, "nl_rows": nl_rows, "nl_sources": nl_sources,
            "nl_signals": sum(1 for r in nl if r[9]), "count_rows": count_rows, "count_sources": count_sources,
            "count_csv": csv_href, "caveats": [f"{t}: {c}" for t, c in sorted(caveats.items())]}


def context(b: SiteBuilder) -> dict:
    return Overview(b).context()
