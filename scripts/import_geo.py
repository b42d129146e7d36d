"""Import the CBS/PDOK gemeente boundaries from ../shared/geo into data/geo/ (a developer step).

Run once by a developer (`.venv/bin/python scripts/import_geo.py`); the pipeline never reads ../shared.

* Every source file is copied byte for byte and checked against the sha256 listed in its PROVENANCE.md.
* PROVENANCE.md is copied alongside, with a section appended that lists what this script derived.
* TopoJSON files are decoded to GeoJSON (`<name>.geojson` beside the copy): arcs are delta-decoded and
  de-quantised with the file's transform; rings that collapse to fewer than 4 points are skipped. Nothing
  is redrawn, simplified or invented: the derived file holds exactly the source's coordinates.
* `index.json` lists per boundary year the GeoJSON file the site draws and its gemeente codes.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared" / "geo"
TARGET = PROJECT / "data" / "geo"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listed_hashes(provenance: str) -> dict[str, str]:
    return {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})\s+(\S+)$", provenance, re.M)}


def decode_topojson(topo: dict) -> dict:
    """TopoJSON (one object per file) to a GeoJSON FeatureCollection, rounded to 5 decimals."""
    scale = topo.get("transform", {}).get("scale", [1, 1])
    translate = topo.get("transform", {}).get("translate", [0, 0])
    quantised = "transform" in topo
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            if quantised:
                x, y = x + dx, y + dy
            else:
                x, y = dx, dy
            points.append([round(x * scale[0] + translate[0], 5), round(y * scale[1] + translate[1], 5)])
        arcs.append(points)

    def ring(indexes: list[int]) -> list[list[float]]:
        coords: list[list[float]] = []
        for i in indexes:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            coords.extend(points if not coords else points[1:])
        return coords

    def polygon(rings: list[list[int]]) -> list | None:
        decoded = [ring(r) for r in rings]
        if not decoded or len(decoded[0]) < 4:
            return None  # outer ring collapsed by quantisation
        return [decoded[0]] + [r for r in decoded[1:] if len(r) >= 4]

    features = []
    skipped = 0
    (obj,) = topo["objects"].values()
    for geom in obj["geometries"]:
        if geom["type"] == "Polygon":
            polys = [polygon(geom["arcs"])]
        elif geom["type"] == "MultiPolygon":
            polys = [polygon(p) for p in geom["arcs"]]
        else:
            continue
        kept = [p for p in polys if p]
        skipped += len(polys) - len(kept)
        if not kept:
            continue
        geometry = ({"type": "Polygon", "coordinates": kept[0]} if len(kept) == 1
                    else {"type": "MultiPolygon", "coordinates": kept})
        features.append({"type": "Feature", "properties": geom.get("properties", {}), "geometry": geometry})
    print(f"  decoded {len(features)} features, skipped {skipped} collapsed polygons")
    return {"type": "FeatureCollection", "features": features}


def main() -> int:
    if not SHARED.is_dir():
        print(f"no source directory {SHARED}", file=sys.stderr)
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    provenance = (SHARED / "PROVENANCE.md").read_text(encoding="utf-8")
    hashes = listed_hashes(provenance)
    derived = []
    index = {}
    for name, digest in sorted(hashes.items()):
        source = SHARED / name
        if sha256(source) != digest:
            print(f"{name}: sha256 differs from PROVENANCE.md", file=sys.stderr)
            return 1
        shutil.copyfile(source, TARGET / name)
        print(f"copied {name}")
        match = re.fullmatch(r"(gemeente|provincie)_(\d{4})\.(geojson|topojson)", name)
        if not match:
            continue
        level, year, fmt = match[1], int(match[2]), match[3]
        if fmt == "topojson":
            collection = decode_topojson(json.loads(source.read_text(encoding="utf-8")))
            out_name = f"{level}_{year}.decoded.geojson"
            (TARGET / out_name).write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
            derived.append(f"| `{out_name}` | GeoJSON decoded from `{name}` by `scripts/import_geo.py` "
                           f"(arcs delta-decoded, transform applied, collapsed rings skipped) | "
                           f"`{sha256(TARGET / out_name)}` |")
        else:
            out_name = name
            collection = json.loads(source.read_text(encoding="utf-8"))
        if level == "gemeente":
            codes = sorted(f["properties"]["statcode"] for f in collection["features"])
            index[str(year)] = {"file": out_name, "source": name, "codes": codes}
    (TARGET / "index.json").write_text(json.dumps(index, indent=1), encoding="utf-8")
    appendix = "\n\n## Imported into kindbelang\n\nCopied byte for byte (sha256 above checked) by " \
        "`scripts/import_geo.py`, which also derived:\n\n| file | what | sha256 |\n|---|---|---|\n" + \
        "\n".join(derived) + "\n| `index.json` | per boundary year the GeoJSON file and its gemeente codes | - |\n"
    (TARGET / "PROVENANCE.md").write_text(provenance.rstrip() + appendix, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
