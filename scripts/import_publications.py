"""Import the curated publication figures from ../shared/publications into data/publications/.

Run once by a developer (`python scripts/import_publications.py`); the pipeline never reads ../shared.
The CSVs are copied unchanged (they are already tidy: one published number per row, with its URL and the
published wording in `note`); SOURCES.md is copied beside them, and provenance.json records for every file
its source path, SHA-256 and row count so a later re-import shows what changed.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared" / "publications"
TARGET = PROJECT / "data" / "publications"
COLUMNS = ["source_id", "table", "indicator", "breakdown", "group", "breakdown2", "group2", "period", "value",
           "unit", "url", "note"]


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    files = []
    for path in sorted(SHARED.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != COLUMNS:
                raise ValueError(f"{path.name}: unexpected columns {reader.fieldnames}")
            rows = list(reader)
        if any(not row["url"] for row in rows):
            raise ValueError(f"{path.name}: a figure without its source URL")
        shutil.copyfile(path, TARGET / path.name)
        files.append({
            "file": path.name,
            "shared_file": f"publications/{path.name}",
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "rows": len(rows),
            "source_ids": sorted({row["source_id"] for row in rows}),
        })
    shutil.copyfile(SHARED / "SOURCES.md", TARGET / "SOURCES.md")
    provenance = {
        "what": "Curated figures from public Dutch publications (CBS, SCP, Trimbos, RVS, NJi), one number per "
                "row as printed, with URL and published wording; nothing estimated or recomputed. See SOURCES.md.",
        "imported_by": "scripts/import_publications.py",
        "columns": COLUMNS,
        "files": files,
    }
    (TARGET / "provenance.json").write_text(json.dumps(provenance, ensure_ascii=False, indent=1) + "\n",
                                            encoding="utf-8")
    print(json.dumps({"files": len(files), "rows": sum(f["rows"] for f in files)}))


if __name__ == "__main__":
    main()
