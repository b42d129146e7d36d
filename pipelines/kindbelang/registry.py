"""The indicator registry (indicators.yaml), loaded and checked against the table catalog."""

from __future__ import annotations

from functools import cache
from pathlib import Path


from kindbelang.catalog import catalog_table
from kindbelang.settings import read_yaml

REGISTRY_FILE = Path(__file__).with_name("indicators.yaml")
PUBLICATIONS_FILE = Path(__file__).with_name("publications.yaml")
RVS_FILE = Path(__file__).with_name("rvs_advice.yaml")
STATUSES = {"available", "proxy", "gap"}
DIRECTIONS = {"lower_is_better", "higher_is_better", "neutral"}
OUDERDOMEINEN = {"schulden_inkomen", "wonen", "ggz_gezondheid", "relaties_scheiding", "justitie"}
# Why a gap is a gap: open_data (no open publication has it at all) or snapshot (CBS publishes it, but
# data/snapshot lacks it or has it truncated).
GAP_LIMITS = {"open_data", "snapshot"}
GAP_KEYS = {"gap_limit", "gap_reason"}
KEYS = {"id", "title", "definition", "theme", "ouderdomein", "unit", "denominator", "direction", "levels",
        "frequency", "ivrk_articles", "rvs_chapters", "status", "caveat", "parts", "sources"} | GAP_KEYS
PUBLICATIONS_DIR = Path(__file__).resolve().parents[2] / "data" / "publications"


@cache
def load_publications(path: Path = PUBLICATIONS_FILE) -> dict[str, dict]:
    """Who published each curated figure: source_id -> {organisation, title, year, via}."""
    return read_yaml(path)["publications"]


@cache
def load_populations(path: Path = REGISTRY_FILE) -> dict[str, dict]:
    """The named populations (denominators) of indicators.yaml: id -> {title, age, note, editions}."""
    populations = read_yaml(path)["populations"]
    for pid, population in populations.items():
        for edition in population["editions"]:
            if "table" in edition:
                entry = catalog_table(edition["table"])
                if edition["column"] not in entry.columns:
                    raise ValueError(f"{path.name}: population {pid} reads {edition['column']}, not documented "
                                     f"for {entry.id} in catalog.yaml")
    return populations


@cache
def load_rvs_chapters(path: Path = RVS_FILE) -> dict[int, dict]:
    """The chapters of the RVS advice Kinderen uit de knel as printed: number -> {heading, url}."""
    return {c["chapter"]: c for c in read_yaml(path)["chapters"]}


def publication_label(source_id: str) -> str:
    """'<organisation>, <title> (<year>)[, via <site>]': the citation behind every 'Bron:' of a publication figure."""
    pub = load_publications()[source_id]
    return f"{pub['organisation']}, {pub['title']} ({pub['year']})" + (f", via {pub['via']}" if pub.get("via") else "")


PART_VALUES = {"published", "computed"}
PART_NUMERATORS = {None, "published", "column", "derived"}


def check_parts(ident: str, ind: dict, ids: set[str], path: Path) -> None:
    """A declaration that cannot be built is an error in the registry, not a NULL in the marts."""
    parts = ind.get("parts")
    if parts is None:
        if ind["status"] != "gap":
            raise ValueError(f"{path.name}: {ident} has no parts: say how its value is made")
        return
    denominator, numerator = parts.get("denominator"), parts.get("numerator")
    if parts.get("value") not in PART_VALUES or numerator not in PART_NUMERATORS:
        raise ValueError(f"{path.name}: {ident}: parts.value or parts.numerator is not one of the known kinds")
    if isinstance(denominator, dict):
        if "population" in denominator and denominator["population"] not in load_populations(path):
            raise ValueError(f"{path.name}: {ident} divides by unknown population {denominator['population']}")
        if "indicator" in denominator and denominator["indicator"] not in ids:
            raise ValueError(f"{path.name}: {ident} divides by unknown indicator {denominator['indicator']}")
        if not {"population", "indicator", "missing"} & denominator.keys():
            raise ValueError(f"{path.name}: {ident}: unknown kind of denominator {denominator}")
    elif denominator not in (None, "column", "derived"):
        raise ValueError(f"{path.name}: {ident}: unknown kind of denominator {denominator!r}")
    interval = parts.get("interval")
    if interval is not None and not {"dimension", "low", "high", "method"} <= interval.keys():
        raise ValueError(f"{path.name}: {ident}: an interval names its dimension, low, high and method")
    if numerator == "derived" and denominator in (None, "derived"):
        raise ValueError(f"{path.name}: {ident}: a derived numerator needs a denominator")
    if denominator == "derived" and numerator != "column":
        raise ValueError(f"{path.name}: {ident}: a derived denominator needs a numerator column")
    if parts["value"] == "computed" and (numerator != "column" or denominator is None):
        raise ValueError(f"{path.name}: {ident}: a computed value needs a numerator column and a denominator")
    if denominator is not None and not isinstance(denominator, dict) or (
            isinstance(denominator, dict) and "missing" not in denominator):
        if not parts.get("scale"):
            raise ValueError(f"{path.name}: {ident}: a rate needs a scale")
    for source in ind.get("sources", []):
        if "table" not in source:
            continue
        if numerator == "column" and parts["value"] == "published" and not source.get("numerator_column"):
            raise ValueError(f"{path.name}: {ident}: source {source['table']} has no numerator_column")
        if denominator == "column" and not source.get("denominator_column"):
            raise ValueError(f"{path.name}: {ident}: source {source['table']} has no denominator_column")


@cache
def load_registry(path: Path = REGISTRY_FILE) -> tuple[dict, ...]:
    indicators = read_yaml(path)["indicators"]
    ids = {ind["id"] for ind in indicators}
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
        unknown_keys = ind.keys() - KEYS
        if unknown_keys:
            raise ValueError(f"{path.name}: {ident} has unknown keys {sorted(unknown_keys)}")
        if ind["status"] == "gap" and ind.get("sources"):
            raise ValueError(f"{path.name}: {ident} is a gap but names sources")
        if ind["status"] == "gap":
            if ind.get("gap_limit") not in GAP_LIMITS:
                raise ValueError(f"{path.name}: {ident} is a gap: say whether the open data or the snapshot is the "
                                 f"limit (gap_limit: {' | '.join(sorted(GAP_LIMITS))})")
            if not (ind.get("gap_reason") or ind.get("caveat")):
                raise ValueError(f"{path.name}: {ident} is a gap without a reason (gap_reason or caveat)")
        elif GAP_KEYS & ind.keys():
            raise ValueError(f"{path.name}: {ident} is no gap but has {sorted(GAP_KEYS & ind.keys())}")
        if ind["status"] != "gap" and not ind.get("sources"):
            raise ValueError(f"{path.name}: {ident} has no sources: give one or mark it a gap")
        check_parts(ident, ind, ids, path)
        unknown = set(ind.get("rvs_chapters", [])) - load_rvs_chapters().keys()
        if unknown:
            raise ValueError(f"{path.name}: {ident} names RVS chapters {sorted(unknown)}, not in {RVS_FILE.name}")
        for source in ind.get("sources", []):
            if "publication" in source:
                files = list(PUBLICATIONS_DIR.glob(f"?_{source['publication']}__*.csv"))
                if not files:
                    raise ValueError(f"{path.name}: {ident} reads publication {source['publication']}, "
                                     "not in data/publications/")
                if source["publication"] not in load_publications():
                    raise ValueError(f"{path.name}: {ident} reads publication {source['publication']}, "
                                     f"not described in {PUBLICATIONS_FILE.name}")
                continue
            if "table" in source:
                entry = catalog_table(source["table"])  # raises for a table not in the catalog
                for key in ("column", "numerator_column", "denominator_column"):
                    if source.get(key) and entry.columns and source[key] not in entry.columns:
                        raise ValueError(f"{path.name}: {ident} reads {source[key]}, not documented "
                                         f"for {entry.id} in catalog.yaml")
    return tuple(indicators)
