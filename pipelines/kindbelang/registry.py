"""The indicator registry (indicators.yaml), loaded and checked against the table catalog."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from kindbelang.catalog import catalog_table

REGISTRY_FILE = Path(__file__).with_name("indicators.yaml")
STATUSES = {"available", "proxy", "gap"}
DIRECTIONS = {"lower_is_better", "higher_is_better", "neutral"}


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
        for source in ind.get("sources", []):
            if "table" in source:
                entry = catalog_table(source["table"])  # raises for a table not in the catalog
                if entry.columns and source["column"] not in entry.columns:
                    raise ValueError(f"{path.name}: {ident} reads {source['column']}, not documented "
                                     f"for {entry.id} in catalog.yaml")
    return tuple(indicators)
