"""The raw shape every CBS table lands in, whether it came from the snapshot or a live fetch.

A table is a folder ``<root>/<TABLE_ID>/`` with
  data.parquet        the TypedDataSet: dimension keys (trimmed CBS codes) and topic columns, nulls kept
  dimensions.parquet  every dimension list, long: dimension, key, title, description, status
  metadata.json       TableInfos, DataProperties and provenance (source, coverage, reconstructions)
Folders are written beside the target and renamed into place, so a reader never sees half a table.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import polars as pl

# The names CBS gives a table's geographic dimension (the importer and the indicator parts both look for it).
REGION_DIMENSIONS = ("RegioS", "Regio", "Woongemeente", "WijkenEnBuurten", "Wijken")
DIMENSION_SCHEMA = {
    "dimension": pl.String,
    "key": pl.String,
    "title": pl.String,
    "description": pl.String,
    "status": pl.String,
}


@dataclass
class RawTable:
    table_id: str
    data: pl.DataFrame
    dimensions: pl.DataFrame
    metadata: dict

    @property
    def modified(self) -> str | None:
        return (self.metadata.get("table_infos") or {}).get("Modified")


def coverage(data: pl.DataFrame, region_dim: str | None) -> dict:
    """What a raw table covers, recorded in its metadata: rows, periods, regions per code prefix."""
    result: dict = {"rows": data.height}
    if "Perioden" in data.columns:
        result["periods"] = sorted(data["Perioden"].unique().to_list())
    if region_dim and region_dim in data.columns:
        prefixes = data[region_dim].str.slice(0, 2).value_counts().sort(region_dim)
        result["regions_by_prefix"] = {row[0]: row[1] for row in prefixes.iter_rows()}
    return result


def table_dir(root: Path, table_id: str) -> Path:
    return root / table_id.upper()


def read_raw_table(root: Path, table_id: str) -> RawTable:
    folder = table_dir(root, table_id)
    if not (folder / "metadata.json").exists():
        raise FileNotFoundError(f"{table_id}: no raw table in {folder}")
    return RawTable(
        table_id=table_id.upper(),
        data=pl.read_parquet(folder / "data.parquet"),
        dimensions=pl.read_parquet(folder / "dimensions.parquet"),
        metadata=json.loads((folder / "metadata.json").read_text(encoding="utf-8")),
    )


def write_raw_table(root: Path, table: RawTable, keep_previous: bool = False) -> Path:
    """Write ``table`` atomically; optionally move the release it replaces to ``<root>/previous/``."""
    target = table_dir(root, table.table_id)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".{table.table_id}.{uuid.uuid4().hex}.tmp"
    staging.mkdir()
    try:
        table.data.write_parquet(staging / "data.parquet", compression="zstd")
        table.dimensions.select(list(DIMENSION_SCHEMA)).cast(DIMENSION_SCHEMA).write_parquet(
            staging / "dimensions.parquet", compression="zstd"
        )
        (staging / "metadata.json").write_text(
            json.dumps(table.metadata, ensure_ascii=False, indent=1, sort_keys=False) + "\n",
            encoding="utf-8",
        )
        _swap_into_place(staging, target, root / "previous" if keep_previous else None)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _swap_into_place(staging: Path, target: Path, previous_root: Path | None) -> None:
    if target.exists():
        retired = target.with_name(f".{target.name}.{uuid.uuid4().hex}.old")
        os.replace(target, retired)
        os.replace(staging, target)
        if previous_root is not None:
            previous_root.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(previous_root / target.name, ignore_errors=True)
            os.replace(retired, previous_root / target.name)
        else:
            shutil.rmtree(retired)
    else:
        os.replace(staging, target)
