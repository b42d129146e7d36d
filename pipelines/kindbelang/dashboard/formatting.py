"""Dutch number, period and text formatting, the site's label constants, and CSV writing for Dutch Excel."""

from __future__ import annotations

import csv
import html
import json
import math
import re
from pathlib import Path

STATUS_LABELS = {"available": "beschikbaar", "proxy": "benadering (proxy)", "gap": "blinde vlek"}
DIRECTION_LABELS = {"lower_is_better": "lager is gunstiger", "higher_is_better": "hoger is gunstiger",
                    "neutral": "geen voorkeursrichting"}
OUDERDOMEIN_LABELS = {"schulden_inkomen": "Schulden en inkomen", "wonen": "Wonen",
                      "ggz_gezondheid": "Ggz en gezondheid", "relaties_scheiding": "Relaties en scheiding",
                      "justitie": "Justitie"}
PERIOD_TYPE_ORDER = {"jaar": 0, "halfjaar": 1, "kwartaal": 2, "maand": 3, "eenmalig": 4}


def period_label(period: str) -> str:
    m = re.fullmatch(r"(\d{4})(JJ|HJ|KW|MM)(\d\d)", period or "")
    if not m:
        return str(period)
    year, kind, n = m[1], m[2], int(m[3])
    if kind == "JJ":
        return year
    names = {"HJ": "halfjaar", "KW": "kwartaal", "MM": "maand"}
    return f"{year} {n}e {names[kind]}"


def nl_number(value, unit: str | None = None, decimals: int | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimals is None:
        decimals = 2 if unit == "r" else 0 if unit == "aantal" or (isinstance(value, int)) else 1
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def with_unit(value, unit: str | None) -> str:
    text = nl_number(value, unit)
    if text == "–":
        return "geen cijfer"
    return f"{text}%" if unit == "%" else text


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value).replace(".", ",") if value != int(value) else str(int(value))
    return str(value)


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """CSV for Dutch Excel: `;` separator, decimal comma, UTF-8 with BOM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])


def wrap_text(text: str, width: int) -> list[str]:
    """Break a (already escaped) label into lines of about `width` characters at spaces."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


def esc(text) -> str:
    """Labels from data that Plotly renders (its text supports a few HTML tags): escape them."""
    return html.escape("" if text is None else str(text))


def script_json(data) -> str:
    """JSON safe to place inside <script type="application/json">."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))

