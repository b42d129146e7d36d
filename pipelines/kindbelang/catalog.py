"""The table catalog (catalog.yaml): which CBS tables the pipeline reads and what their columns mean."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kindbelang.settings import read_yaml


CATALOG_FILE = Path(__file__).with_name("catalog.yaml")


@dataclass(frozen=True)
class ColumnDoc:
    title: str
    unit: str
    meaning: str
    denominator: str | None
    # CBS's rounding step of the published figure (0.1 for a percentage with one decimal, 5 for counts rounded
    # to fives); None where the figure is exact or the step is unknown. Intervals are never narrower than it.
    rounding: float | None = None


@dataclass(frozen=True)
class CatalogTable:
    id: str
    title: str
    purpose: str
    boundary_year: int | None = None
    # The period of a table without a Perioden dimension (a one-off table or one edition of a yearly series).
    period_key: str | None = None
    columns: dict[str, ColumnDoc] = field(default_factory=dict)
    # Schema changes a live fetch may bring in without stopping: true (any change) or a list of column keys
    # or exact change reports (as printed by the failed fetch). Default: every change stops the fetch.
    accept_schema_change: bool | tuple[str, ...] = False
    # Which CBS API a live fetch uses: "v3" (opendata.cbs.nl, cbs_live) or "v4" (datasets.cbs.nl, cbs_v4).
    api: str = "v3"

    @property
    def asset_name(self) -> str:
        return f"cbs_{self.id.lower()}"

    def accepts_schema_change(self, change: str) -> bool:
        if self.accept_schema_change is True:
            return True
        if not self.accept_schema_change:
            return False
        # An entry accepts the exact report, or any report naming that column key as a whole word.
        return any(change == entry or re.search(rf"(?<![\w]){re.escape(entry)}(?![\w])", change)
                   for entry in self.accept_schema_change)


@cache
def load_catalog(path: Path = CATALOG_FILE) -> tuple[CatalogTable, ...]:
    entries = read_yaml(path)["tables"]
    tables = []
    for entry in entries:
        columns = {key: ColumnDoc(**doc) for key, doc in (entry.pop("columns", None) or {}).items()}
        accept = entry.pop("accept_schema_change", False)
        if not isinstance(accept, bool):
            if isinstance(accept, str):
                accept = [accept]
            if not isinstance(accept, list) or not all(isinstance(a, str) and a for a in accept):
                raise ValueError(f"{path}: {entry.get('id')}: accept_schema_change must be true/false or a "
                                 f"list of column keys or change reports")
            accept = tuple(accept)
        if entry.get("api", "v3") not in ("v3", "v4"):
            raise ValueError(f"{path}: {entry.get('id')}: api must be v3 or v4, not {entry.get('api')!r}")
        tables.append(CatalogTable(columns=columns, accept_schema_change=accept, **entry))
    ids = [t.id for t in tables]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: duplicate table ids")
    return tuple(tables)


def find_catalog_table(table_id: str) -> CatalogTable | None:
    return next((t for t in load_catalog() if t.id == table_id.upper()), None)


def catalog_table(table_id: str) -> CatalogTable:
    for table in load_catalog():
        if table.id == table_id.upper():
            return table
    raise KeyError(f"{table_id} is not in {CATALOG_FILE.name}")
