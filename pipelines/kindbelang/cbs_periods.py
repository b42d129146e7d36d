"""CBS period keys and the Dutch period labels that processed exports print instead.

CBS keys: ``2021JJ00`` (year), ``2021HJ01``/``2021HJ02`` (half year), ``2015KW01`` (quarter),
``2021MM06`` (month). Reference dates ("30 juni 2021") have no key in the recorded wire format;
they map to the month key of that date and are flagged as reconstructed by the importer.
"""

from __future__ import annotations

import re

MONTHS = {
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6,
    "juli": 7, "augustus": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
}
ORDINAL = {"1e": 1, "2e": 2, "3e": 3, "4e": 4}

_YEAR = re.compile(r"^(\d{4})$")
# "1e halfjaar 2021", "1e half jaar 2024" (sic, 85098NED), "2015 1e halfjaar" (82975NED)
_HALF = re.compile(r"^(?:(\de) half ?jaar (\d{4})|(\d{4}) (\de) half ?jaar)$")
_QUARTER = re.compile(r"^(?:(\de) kwartaal (\d{4})|(\d{4}) (\de) kwartaal)$")
_DATE = re.compile(r"^(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4})$")
KEY = re.compile(r"^(\d{4})(JJ|HJ|KW|MM)(\d{2})$")


class UnknownPeriodLabel(ValueError):
    pass


def label_to_key(label: str) -> str:
    """Map a StatLine period label to its CBS period key; raise on anything unknown."""
    text = " ".join(label.split()).lower()
    if m := _YEAR.match(text):
        return f"{m[1]}JJ00"
    if m := _HALF.match(text):
        ordinal, year = (m[1], m[2]) if m[1] else (m[4], m[3])
        return f"{year}HJ{ORDINAL[ordinal]:02d}"
    if m := _QUARTER.match(text):
        ordinal, year = (m[1], m[2]) if m[1] else (m[4], m[3])
        return f"{year}KW{ORDINAL[ordinal]:02d}"
    if m := _DATE.match(text):
        return f"{m[3]}MM{MONTHS[m[2]]:02d}"
    raise UnknownPeriodLabel(f"no CBS period key for label {label!r}")


def is_reference_date(label: str) -> bool:
    return bool(_DATE.match(" ".join(label.split()).lower()))


def parse_key(key: str) -> tuple[int, str, int]:
    """Split ``2021HJ01`` into (2021, 'HJ', 1)."""
    m = KEY.match(key.strip())
    if not m:
        raise ValueError(f"not a CBS period key: {key!r}")
    return int(m[1]), m[2], int(m[3])
