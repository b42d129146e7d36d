"""Dutch number, period and text formatting, the site's label constants, source labels, and CSV writing for
Dutch Excel. Every number the site prints goes through `nl_number`/`with_unit`/`figure_text` (also in the charts'
hover labels); the map and gemeenteprofiel tables, drawn in the browser, get their decimals and unit from
`js_number_format`."""

from __future__ import annotations

import csv
import html
import json
import math
import re
from decimal import Decimal
from pathlib import Path

STATUS_LABELS = {"available": "beschikbaar", "proxy": "benadering (proxy)", "gap": "blinde vlek"}
DIRECTION_LABELS = {"lower_is_better": "lager is gunstiger", "higher_is_better": "hoger is gunstiger",
                    "neutral": "geen voorkeursrichting"}
OUDERDOMEIN_LABELS = {"schulden_inkomen": "Schulden en inkomen", "wonen": "Wonen",
                      "ggz_gezondheid": "Ggz en gezondheid", "relaties_scheiding": "Relaties en scheiding",
                      "justitie": "Justitie"}
# Why a blind spot is one (marts.indicators.gap_limit): (heading of its group, what the group means).
GAP_LIMITS = {
    "open_data": ("Grenzen van de open data",
                  "Deze cijfers staan in geen open publicatie, ook niet bij CBS, of alleen landelijk waar ze per "
                  "gemeente nodig zijn. Zichtbaar worden ze pas als iemand ze gaat registreren of publiceren."),
    "snapshot": ("Grenzen van deze momentopname",
                 "CBS publiceert deze cijfers wel, maar de momentopname waarmee deze monitor is gebouwd "
                 "(data/snapshot) bevat ze niet of afgekapt. Een volledigere of nieuwere download, of het inlezen van "
                 "die publicatie, kan ze toevoegen."),
}
PERIOD_TYPE_ORDER = {"jaar": 0, "halfjaar": 1, "kwartaal": 2, "maand": 3, "eenmalig": 4}
ABOVE_100_NOTE = "CBS publiceerde hier een aandeel boven 100%; zo overgenomen, niet gecorrigeerd."
NO_VALUE = "–"


def period_label(period: str) -> str:
    """'2016HJ02' -> '2016 2e halfjaar', '2011-12-31' -> '31-12-2011'; other labels ('circa 2023') as they are."""
    m = re.fullmatch(r"(\d{4})(JJ|HJ|KW|MM)(\d\d)", period or "")
    if m:
        year, kind, n = m[1], m[2], int(m[3])
        if kind == "JJ":
            return year
        names = {"HJ": "halfjaar", "KW": "kwartaal", "MM": "maand"}
        return f"{year} {n}e {names[kind]}"
    d = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", period or "")
    if d:
        return f"{d[3]}-{d[2]}-{d[1]}"
    return NO_VALUE if period is None else str(period)


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def is_count(unit: str | None) -> bool:
    """'aantal', 'aantal kinderen': whole numbers, never decimals."""
    return unit is not None and (unit == "aantal" or unit.startswith("aantal "))


def decimals_for(unit: str | None) -> int:
    if unit == "r":
        return 2
    return 0 if is_count(unit) else 1


def nl_number(value, unit: str | None = None, decimals: int | None = None) -> str:
    """12345.6 -> '12.346' (a count) or '12.345,6': Dutch thousands separator and decimal comma."""
    if is_missing(value):
        return NO_VALUE
    if decimals is None:
        decimals = 0 if isinstance(value, int) and not isinstance(value, bool) else decimals_for(unit)
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def unit_suffix(unit: str | None) -> str:
    """What follows the number: '%', ' kinderen' (for 'aantal kinderen'), ' x 1 000 kinderen', ' per 1 000 inwoners'."""
    if unit in (None, "", "-", "aantal", "r"):
        return ""
    if unit == "%":
        return "%"
    return " " + unit.removeprefix("aantal ")


def with_unit(value, unit: str | None) -> str:
    """The number with its unit, always: '12,3%', '186,4 x 1 000 kinderen', '900.000 kinderen'."""
    if is_missing(value):
        return "geen cijfer"
    return nl_number(value, unit) + unit_suffix(unit)


def literal_wording(wording: str | None, value) -> str | None:
    """The publication's own words for a figure ('bijna 485.000'), or None when the stored wording is only the
    number itself in machine form ('186.4', '900000'), which would misread in Dutch."""
    if not wording or not wording.strip():
        return None
    try:
        if not is_missing(value) and float(wording) == float(value):
            return None
    except ValueError:
        pass
    return wording.strip()


def published_decimals(wording: str | None) -> int | None:
    """The decimals of a figure stored as a plain number in machine form ('17' -> 0, '186.4' -> 1), else None."""
    if not wording or not re.fullmatch(r"-?\d+(\.\d+)?", wording.strip()):
        return None
    return len(wording.strip().partition(".")[2])


def figure_text(value, unit: str | None, wording: str | None = None) -> str:
    """A figure as the site prints it: the publication's wording when there is one, else the Dutch number; with
    the unit."""
    literal = literal_wording(wording, value)
    if literal is None:
        decimals = published_decimals(wording)
        if decimals is None or is_missing(value) or is_count(unit):
            return with_unit(value, unit)
        # A number published as a plain number keeps its own decimals: '17' is 17%, not 17,0%.
        return nl_number(value, unit, decimals) + unit_suffix(unit)
    suffix = unit_suffix(unit)
    if suffix and literal.endswith(suffix.strip()):
        return literal
    return literal + suffix


def change_text(change, unit: str | None) -> str:
    """'+1,2 procentpunt', '−3.000 kinderen', '±0,0 per 1 000 inwoners'; '–' without a change."""
    if is_missing(change):
        return NO_VALUE
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    suffix = " procentpunt" if unit == "%" else unit_suffix(unit)
    return f"{sign}{nl_number(abs(change), unit)}{suffix}"


def release_status(row: dict) -> str:
    """The release status as the source gives it (voorlopig, nader voorlopig, definitief), else onbekend: a
    publication figure carries none, and it is never guessed."""
    return row.get("status") or "onbekend"


def yes_no(flag) -> str:
    return "ja" if flag else "nee"


def display_cell(value) -> str:
    """A raw table cell for the page: '–' for missing values, 'ja'/'nee', the exact number with a decimal comma."""
    if is_missing(value):
        return NO_VALUE
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(display_cell(v) for v in value) or NO_VALUE
    return csv_cell(value)


def dutch_list(items: list[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


# ------------------------------------------------------------------------------------------- source labels
# The marts carry the label of every indicator figure (`source_label`); these make the same wording for the few
# tables that carry only a CBS table id or a publication id (the household, linkage and model marts).

def cbs_source_label(table: str) -> str:
    return f"Bron: CBS, {table}"


def publication_citation(title: str, year, via: str | None = None) -> str:
    """'Kinderen uit de knel (2023)', 'Cijfers armoederisico 2021 (2022), via nu.nl'."""
    return f"{title} ({year})" + (f", via {via}" if via else "")


def publication_source_label(organisation: str, title: str, year, via: str | None = None) -> str:
    """The wording of marts.indicator_values.source_label for a publication figure."""
    return f"Bron: {organisation}, {publication_citation(title, year, via)}"


def combined_source_label(labels: list[str], note: str | None = None) -> str:
    """One 'Bron:' line for a figure made from several sources: 'Bron: CBS, 84134NED; CBS, 81064NED (note)'."""
    parts = list(dict.fromkeys(label.removeprefix("Bron: ") for label in labels if label))
    return "Bron: " + "; ".join(parts) + (f" ({note})" if note else "")


# ------------------------------------------------------------------------------------------- CSV and HTML text

def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value).replace(".", ",") if value != int(value) else str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(csv_cell(v) for v in value)
    if isinstance(value, Decimal):  # DECIMAL columns of the marts: a decimal comma as for floats
        return format(value, "f").replace(".", ",")
    return str(value)


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """CSV for Dutch Excel: `;` separator, decimal comma, UTF-8 with BOM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])


# The layout of every CSV of figures on the site, written here (`sourced_csv_rows`) and, for the CSVs made in the
# browser (map, gemeenteprofiel, the tables of the monitor), by dashboards/static/site.js (`kbSourcedCsv`), which
# must stay the same: per row the figure with its own `bron` (the full 'Bron:' line) and, where the source gives
# one, its release status in a column `status`; the column `kanttekening` holds a key (K1, K2, ...) of the caveat
# of that row; after the data one empty line, then a legend that says this and gives each caveat once.
CSV_CAVEAT_KEY = "K{}"
CSV_LEGEND_LABEL = "Toelichting"
CSV_LEGEND_TEXT = (
    "De gegevens staan boven de lege regel: per rij een cijfer met zijn eigen bron (kolom bron) en, waar de bron "
    "die geeft, zijn releasestatus (kolom status: voorlopig, nader voorlopig, definitief of onbekend). De kolom "
    "kanttekening verwijst met K1, K2, ... naar de kanttekeningen hieronder; elke tekst staat één keer in dit "
    "bestand. Een lege cel is geen cijfer (geheim of niet gepubliceerd), nooit nul.")
CSV_CAVEAT_LABEL = "Kanttekening {}"


def caveat_references(caveats: list[str | None]) -> tuple[list[str], list[tuple[str, str]]]:
    """Per row the key of its caveat ('' without one), and the legend [(key, text)] in order of first use."""
    keys: dict[str, str] = {}
    refs = []
    for c in caveats:
        if c:
            refs.append(keys.setdefault(c, CSV_CAVEAT_KEY.format(len(keys) + 1)))
        else:
            refs.append("")
    return refs, [(k, c) for c, k in keys.items()]


def sourced_csv_rows(header: list[str], rows: list[list], labels: list[str | None],
                     caveats: list[str | None]) -> list[list]:
    """The header, the data rows each ending with its `bron` and `kanttekening` key, an empty row and the legend."""
    refs, legend = caveat_references(caveats)
    out = [header + ["bron", "kanttekening"]]
    out += [row + [label, ref] for row, label, ref in zip(rows, labels, refs)]
    out.append([])
    out.append([CSV_LEGEND_LABEL, CSV_LEGEND_TEXT])
    out += [[CSV_CAVEAT_LABEL.format(key), text] for key, text in legend]
    return out


def write_sourced_csv(path: Path, header: list[str], rows: list[list], labels: list[str | None],
                      caveats: list[str | None]) -> None:
    """A CSV of figures for Dutch Excel in the layout of `sourced_csv_rows`."""
    table = sourced_csv_rows(header, rows, labels, caveats)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        for row in table:
            writer.writerow([csv_cell(v) for v in row])


def read_sourced_csv(text: str) -> tuple[list[str], list[list[str]], dict[str, str]]:
    """The header, the data rows and the caveats {key: text} of a CSV in the layout of `sourced_csv_rows` (text
    without the byte order mark)."""
    import io

    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    end = rows.index([]) if [] in rows else len(rows)
    caveats = {}
    for row in rows[end + 1:]:
        if len(row) >= 2 and row[0].startswith(CSV_CAVEAT_LABEL.format("")):
            caveats[row[0].removeprefix(CSV_CAVEAT_LABEL.format(""))] = row[1]
    return rows[0], rows[1:end], caveats


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


def js_number_format(unit: str | None) -> dict:
    """How the page's script prints a number of this unit (the map and gemeenteprofiel tables): the decimals of
    `nl_number` and the suffix of `with_unit`, with the nl-NL locale."""
    return {"decimals": decimals_for(unit), "suffix": unit_suffix(unit)}


def interval_text(low, high, unit: str | None) -> str:
    """An interval as the site prints it, '13,97 tot 14,43': one decimal more than the figure, since an interval
    is at least as wide as CBS's rounding; '' without one."""
    if is_missing(low) or is_missing(high):
        return ""
    d = decimals_for(unit) + 1
    return f"{nl_number(low, unit, d)} tot {nl_number(high, unit, d)}"


def trend_per_year(t: float, unit: str | None) -> str:
    """A least-squares trend (marts.monitor.trend_per_year) in words: 'stijgend: +0,12 procentpunt per jaar'."""
    word = "stijgend" if t > 0 else "dalend" if t < 0 else "vlak"
    sign = "+" if t > 0 else ("−" if t < 0 else "±")
    suffix = " procentpunt" if unit == "%" else unit_suffix(unit)
    return f"{word}: {sign}{nl_number(abs(t), unit, decimals_for(unit) + 1)}{suffix} per jaar"


# ------------------------------------------------------------------------------- tables downloaded from the browser
# A big mart table is not written as a CSV file on the site: assets/tabellen/<name>.js holds its columns compactly
# (`compact_column`) and site.js makes the CSV, in the layout of `sourced_csv_rows`, when the reader downloads it.

_PLAIN = frozenset({type(None), bool, int, str})  # cells that json_cell returns as they are (and finite floats)


def json_cell(value):
    """A cell as JSON that site.js writes exactly as `csv_cell` does: numbers, true/false (ja/nee), null (empty),
    text; anything else (lists, dates, decimals) as its CSV text."""
    if value.__class__ in _PLAIN or (value.__class__ is float and math.isfinite(value)):
        return value  # the common cells first: compact_column asks for every cell of a table
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else (value if math.isfinite(value) else csv_cell(value))
    return csv_cell(value)


def _json_len(data) -> int:
    return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def compact_column(values: list) -> dict:
    """A column as the smallest of: the values ({"v": [...]}), distinct values and an index per row ({"d", "i"}),
    or distinct values with runs of (index, length) ({"d", "r"}). site.js `decodeColumn` reads all three."""
    cells = list(map(json_cell, values))
    distinct, idx = _distinct_cells(cells)
    runs: list[int] = []
    for i in idx:
        if runs and runs[-2] == i:
            runs[-1] += 1
        else:
            runs += [i, 1]
    options = [{"v": cells}, {"d": distinct, "i": idx}, {"d": distinct, "r": runs}]
    return min(options, key=_json_len)


def _distinct_cells(cells: list) -> tuple[list, list[int]]:
    """The distinct cells in order of first appearance, and each cell's place among them. 1, 1.0 and True stay
    apart, and so do 0.0 and -0.0, which a dict would take for one key: such a column takes the general way."""
    kinds = set(map(type, cells)) - {type(None)}
    if len(kinds) <= 1 and not (float in kinds and any(c == 0 and math.copysign(1, c) < 0 for c in cells)):
        place = {c: i for i, c in enumerate(dict.fromkeys(cells))}  # one kind (and None): the cell is its key
        return list(place), list(map(place.__getitem__, cells))
    return _distinct_cells_by_kind(cells)


def _distinct_cells_by_kind(cells: list) -> tuple[list, list[int]]:
    index: dict[tuple, int] = {}
    distinct, idx = [], []
    for c in cells:
        key = (type(c), repr(c) if isinstance(c, float) else c)
        if key not in index:
            index[key] = len(distinct)
            distinct.append(c)
        idx.append(index[key])
    return distinct, idx
