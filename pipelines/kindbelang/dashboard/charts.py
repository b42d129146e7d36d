"""Plotly helpers: the `Source` of a figure, the `Chart` record (figure, text alternative, table, CSV), the shared
layout and colours."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import plotly.graph_objects as go
import plotly.io as pio

from kindbelang.dashboard.formatting import (
    ABOVE_100_NOTE, display_cell, esc, figure_text, is_missing, nl_number, script_json,
)

# Line colours with at least 3:1 contrast on white (WCAG 2.1 AA 1.4.11, non-text contrast).
PALETTE = ["#0b4f8a", "#b3261e", "#1b6e35", "#6a3d9a", "#7a4f00", "#3d3d3d", "#006570", "#a0306e"]
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "color": "#1a1a1a",
        "size": 14}
ABOVE_100_COLUMN = "boven_100_gepubliceerd"


@dataclass(frozen=True)
class Source:
    """Where a figure comes from: its 'Bron:' line, and what that line stands for (kind 'indicators',
    'publications' or 'tables' with their ids), written on the page as data-<kind> so it can be checked against
    the marts."""

    label: str
    kind: str
    keys: tuple[str, ...]


def merge_sources(sources: list[Source | None]) -> list[Source]:
    """One Source per distinct label, in order of appearance, with the keys of all figures that carry it."""
    merged: dict[str, Source] = {}
    for s in sources:
        if s is None:
            continue
        old = merged.get(s.label)
        keys = tuple(dict.fromkeys((old.keys if old else ()) + s.keys))
        merged[s.label] = Source(s.label, s.kind, keys)
    return list(merged.values())


@dataclass
class Chart:
    """One chart (or, without a figure, a table) with its text alternative, data table and CSV file. Every row has
    its source and the caveat of its figure: the CSV has its `bron` per row and the caveats once below the data
    (SiteBuilder.sourced_csv), the table a `bron` column, and the caveats stand as text beside the chart."""

    id: str
    title: str
    summary: str
    header: list[str]
    rows: list[list]  # raw values; formatted for the table, written as they are to the CSV
    sources: list[Source | None]
    caveats: list[str | None]
    csv_href: str = ""
    figure: dict | None = None
    units: list[str | None] = field(default_factory=list)  # per column, for formatting
    note: str = ""
    caveat_notes: list[str] | None = None  # the caveats as shown below the table; default: the distinct ones

    @property
    def figure_json(self) -> str:
        return script_json(self.figure)

    @property
    def above_100(self) -> bool:
        """Some figure in the table was published by CBS above 100%."""
        if ABOVE_100_COLUMN not in self.header:
            return False
        i = self.header.index(ABOVE_100_COLUMN)
        return any(row[i] for row in self.rows)

    def _shown_columns(self) -> list[int]:
        return [i for i, h in enumerate(self.header) if h != ABOVE_100_COLUMN or self.above_100]

    @property
    def table_header(self) -> list[str]:
        return ["boven 100% gepubliceerd" if self.header[i] == ABOVE_100_COLUMN else self.header[i]
                for i in self._shown_columns()]

    @property
    def table_rows(self) -> list[list[str]]:
        return [[self._cell(row[i], self.units[i] if i < len(self.units) else None) for i in self._shown_columns()]
                for row in self.rows]

    @staticmethod
    def _cell(value, unit: str | None) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not is_missing(value):
            return nl_number(value, unit)
        return display_cell(value)

    @property
    def chart_sources(self) -> list[Source]:
        return merge_sources(self.sources)

    @property
    def notes(self) -> list[str]:
        if self.caveat_notes is not None:
            return self.caveat_notes
        return [c for c in dict.fromkeys(self.caveats) if c]

    @property
    def full_note(self) -> str:
        return " ".join(n for n in (self.note, ABOVE_100_NOTE if self.above_100 else "") if n)


def base_layout(title: str, **extra) -> dict:
    """The shared layout; an axis in `extra` is merged into the default axis. Axis numbers are written out in
    Dutch ('100.000', not '100k')."""
    axis = {"gridcolor": "#d9d9d9", "linecolor": "#595959", "exponentformat": "none", "separatethousands": True}
    layout = {
        "title": {"text": esc(title), "font": {"size": 16}},
        "font": FONT,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "colorway": PALETTE,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 60},
        "separators": ",.",
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": dict(axis),
        "yaxis": {**axis, "rangemode": "tozero"},
    }
    for key, value in extra.items():
        layout[key] = {**layout[key], **value} if key in ("xaxis", "yaxis") else value
    return layout


def hover_texts(rows: list[dict], unit: str | None) -> list[str]:
    """Each figure as the page prints it, for the hover label (customdata)."""
    return [esc(figure_text(r["value"], unit, r["published_wording"])) for r in rows]


SUBPLOT_TEMPLATES = ("polar", "ternary", "scene", "geo")


def figure_dict(fig: go.Figure) -> dict:
    """The figure as plotly.js draws it. Its template keeps only what applies to this figure's trace types and
    subplots: the full template repeats defaults for every trace type in every figure of the page."""
    figure = json.loads(pio.to_json(fig, validate=True, remove_uids=True))
    template = figure.get("layout", {}).get("template")
    if template:
        used = {trace.get("type", "scatter") for trace in figure.get("data", [])}
        template["data"] = {k: v for k, v in template.get("data", {}).items() if k in used}
        template["layout"] = {k: v for k, v in template.get("layout", {}).items()
                              if k not in SUBPLOT_TEMPLATES or k in figure["layout"]}
    return figure
