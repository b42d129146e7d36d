"""Plotly helpers: the `Chart` record (figure, text alternative, table, CSV), the shared layout and colours."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import plotly.graph_objects as go
import plotly.io as pio

from kindbelang.dashboard.formatting import esc, nl_number, script_json

# Line colours with at least 3:1 contrast on white (WCAG 2.1 AA 1.4.11, non-text contrast).
PALETTE = ["#0b4f8a", "#b3261e", "#1b6e35", "#6a3d9a", "#7a4f00", "#3d3d3d", "#006570", "#a0306e"]
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "color": "#1a1a1a",
        "size": 14}


@dataclass
class Chart:
    """One chart with its figure, text alternative, data table and CSV file."""

    id: str
    title: str
    summary: str
    header: list[str]
    rows: list[list]  # raw values; formatted for the table, written as they are to the CSV
    csv_href: str
    figure: dict | None = None
    units: list[str | None] = field(default_factory=list)  # per column, for formatting
    note: str = ""

    @property
    def figure_json(self) -> str:
        return script_json(self.figure)

    @property
    def table_rows(self) -> list[list[str]]:
        out = []
        for row in self.rows:
            cells = []
            for i, v in enumerate(row):
                unit = self.units[i] if i < len(self.units) else None
                cells.append(nl_number(v, unit) if isinstance(v, (int, float)) and not isinstance(v, bool)
                             else ("–" if v is None else str(v)))
            out.append(cells)
        return out


def base_layout(title: str, **extra) -> dict:
    layout = {
        "title": {"text": esc(title), "font": {"size": 16}},
        "font": FONT,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "colorway": PALETTE,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 60},
        "separators": ",.",
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"gridcolor": "#d9d9d9", "linecolor": "#595959"},
        "yaxis": {"gridcolor": "#d9d9d9", "linecolor": "#595959", "rangemode": "tozero"},
    }
    layout.update(extra)
    return layout


def figure_dict(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=True, remove_uids=True))
