"""The indicator registry (indicators.yaml), loaded and checked against the table catalog."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from kindbelang.catalog import catalog_table

REGISTRY_FILE = Path(__file__).with_name("indicators.yaml")
STATUSES = {"available", "proxy", "gap"}
DIRECTIONS = {"lower_is_better", "higher_is_better", "neutral"}
OUDERDOMEINEN = {"schulden_inkomen", "wonen", "ggz_gezondheid", "relaties_scheiding", "justitie"}
PUBLICATIONS_DIR = Path(__file__).resolve().parents[2] / "data" / "publications"


@cache
def load_registry(path: Path = REGISTRY_FILE) -> tuple[dict, ...]:
    indicators = yaml.safe_load(path.read_text(encoding="utf-8"))["indicators"]
    seen = set()
    for ind in indicators:
        ident = ind["id"]
        if ident in seen:
            raise ValueError(f"{path.name}: indicator {ident} defined twice")
        seen.add(ident)
        if ind["status"] not in STATUSES or ind["direction"] not in DIRECTIONS:
            raise ValueError(f"{path.name}: {ident} has an unknown status or direction")
        if ind.get("ouderdomein") is not None and ind["ouderdomein"] not in OUDERDOMEINEN:
            raise ValueError(f"{path.name}: {ident} has an unknown ouderdomein {ind['ouderdomein']!r}")
        if ind["status"] == "gap" and ind.get("sources"):
            raise ValueError(f"{path.name}: {ident} is a gap but names sources")
        if ind["status"] != "gap" and not ind.get("sources"):
            raise ValueError(f"{path.name}: {ident} has no sources: give one or mark it a gap")
        for source in ind.get("sources", []):
            if "publication" in source:
                files = list(PUBLICATIONS_DIR.glob(f"?_{source['publication']}__*.csv"))
                if not files:
                    raise ValueError(f"{path.name}: {ident} reads publication {source['publication']}, "
                                     "not in data/publications/")
                continue
            if "table" in source:
                entry = catalog_table(source["table"])  # raises for a table not in the catalog
                if entry.columns and source["column"] not in entry.columns:
                    raise ValueError(f"{path.name}: {ident} reads {source['column']}, not documented "
                                     f"for {entry.id} in catalog.yaml")
    return tuple(indicators)
