"""The table catalog (catalog.yaml): which CBS tables the pipeline reads and what their columns mean."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

CATALOG_FILE = Path(__file__).with_name("catalog.yaml")


@dataclass(frozen=True)
class ColumnDoc:
    title: str
    unit: str
    meaning: str
    denominator: str | None


@dataclass(frozen=True)
class CatalogTable:
    id: str
    title: str
    purpose: str
    group: str
    boundary_year: int | None = None
    columns: dict[str, ColumnDoc] = field(default_factory=dict)

    @property
    def asset_name(self) -> str:
        return f"cbs_{self.id.lower()}"


@cache
def load_catalog(path: Path = CATALOG_FILE) -> tuple[CatalogTable, ...]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["tables"]
    tables = []
    for entry in entries:
        columns = {key: ColumnDoc(**doc) for key, doc in (entry.pop("columns", None) or {}).items()}
        tables.append(CatalogTable(columns=columns, **entry))
    ids = [t.id for t in tables]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: duplicate table ids")
    return tuple(tables)


def catalog_table(table_id: str) -> CatalogTable:
    for table in load_catalog():
        if table.id == table_id.upper():
            return table
    raise KeyError(f"{table_id} is not in {CATALOG_FILE.name}")
