"""Where kindbelang reads and writes. Every path is resolved at run time from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = PROJECT_ROOT / "sql"
SNAPSHOT_DIR = PROJECT_ROOT / "data" / "snapshot"
# Files other than Python that a module reads to shape what it builds (relative to the project root; folders
# count with everything in them). A module in an asset's import closure brings its files into the asset's code
# version (kindbelang.versions); all of them are inputs of a run (kindbelang.last_run).
DATA_FILES = {
    "kindbelang.catalog": ["pipelines/kindbelang/catalog.yaml"],
    "kindbelang.registry": ["pipelines/kindbelang/indicators.yaml", "pipelines/kindbelang/publications.yaml",
                            "pipelines/kindbelang/rvs_advice.yaml", "data/publications"],
    "kindbelang.assets.sql_models": ["sql/macros.sql", "sql/staging/columns.yaml", "sql/intermediate/columns.yaml",
                                     "sql/marts/columns.yaml"],
    "kindbelang.assets.boundaries": ["data/geo"],
    "kindbelang.dashboard": ["dashboards"],
}


@dataclass(frozen=True)
class Paths:
    out: Path

    @property
    def warehouse(self) -> Path:
        return self.out / "kindbelang.duckdb"

    @property
    def live_raw(self) -> Path:
        """Raw tables fetched live; the committed snapshot stays untouched."""
        return self.out / "raw"

    @property
    def published(self) -> Path:
        """The read-only copy readers use; replaced atomically, only after all blocking checks passed."""
        return self.out / "published"

    @property
    def quality(self) -> Path:
        """Validation results per run (<run_id>/) and of the latest run (latest/)."""
        return self.out / "quality"

    @property
    def site(self) -> Path:
        """The static dashboard site (assets/site.py, built by kindbelang/dashboard/)."""
        return self.out / "site"

    @property
    def dagster_home(self) -> Path:
        return self.out / ".dagster"


def out_dir() -> Path:
    return Path(os.environ.get("KINDBELANG_OUT") or PROJECT_ROOT / "data" / "out").resolve()


def paths() -> Paths:
    return Paths(out_dir())



def read_yaml(path: Path):
    """Parse a YAML file with libyaml's C loader (ten times faster than the pure-Python one; same result)."""
    import yaml

    return yaml.load(path.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
