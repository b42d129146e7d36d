"""Import the embedded CBS snapshot from ../shared/cbs-candidates into data/snapshot/.

Run once by a developer (`python scripts/import_snapshot.py`); the pipeline never reads ../shared.
The sources are processed exports that replaced CBS codes by labels. This script restores:
  * region codes (GM/JZ/PV/LD/CR/AM/NL01) from 70739NED and the Gebieden in Nederland tables,
  * period keys (2021JJ00, 2021HJ01, 2015KW01) with kindbelang.cbs_periods,
and records in each metadata.json what was received, what was reconstructed and which rows are missing
because the source export stopped at 10,000 rows.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import polars as pl

from kindbelang.catalog import catalog_table
from kindbelang.cbs_periods import is_reference_date, label_to_key
from kindbelang.raw_store import REGION_DIMENSIONS, RawTable, coverage, write_raw_table

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared" / "cbs-candidates"
SNAPSHOT = PROJECT / "data" / "snapshot"

DERTJE = {
    "repository": "dertje/cbs_datasets",
    "commit": "388b47d2e085d621c290a4d8950942744b0bc0bf",
    "format": "processed export of the ODataFeed TypedDataSet (Atom, first page only), dimension keys "
    "replaced by titles, ';'-separated CSV, UTF-8 with BOM",
}
STATLINE_BQ = {
    "repository": "dataverbinders/statline-bq",
    "commit": "8fcc2aa1c875c84fb5e6967585c72d31c700a9d4",
    "format": "raw v3 TypedDataSet, DataProperties and TableInfos written to parquet/JSON by statline-bq",
}
TRUNCATED = "The source export holds only the first 10,000 rows (first ODataFeed page); rows after it are missing."

def _labels_ending(rel_path: str, *suffixes: str) -> set[str]:
    with (SHARED / "dertje__cbs_datasets" / rel_path).open(encoding="utf-8-sig", newline="") as handle:
        return {row["RegioS"].strip() for row in csv.DictReader(handle, delimiter=";")
                if row["RegioS"].strip().endswith(suffixes)}


VEILIG_THUIS_REGIONS = _labels_ending("veilig_thuis/84847NED.csv", "(VT)")
GGD_REGIONS = _labels_ending("gezondheidsmonitor/85563NED.csv", "(GG)", "(CG)")

# table id -> (file under cbs-candidates/dertje__cbs_datasets, title tag from PROVENANCE.md, notes)
DERTJE_TABLES: dict[str, tuple[str, str, dict]] = {
    "82972NED": ("jeugdzorg/82972NED.csv", "CBS page", {}),
    "85098NED": ("jeugdzorg/85098NED.csv", "catalog", {}),
    "84134NED": ("jeugdzorg/84134NED.csv", "CBS page", {
        "truncation": TRUNCATED + " Complete: VormenVanJeugdzorg 'JZ Totaal jeugdzorg' (all regions, all periods). "
        "Partial: 'JZ Totaal jeugdzorg in natura' (up to Zeeuwsch-Vlaanderen (CR), 1e halfjaar 2018). "
        "Missing: every other form of youth care."}),
    "85099NED": ("jeugdzorg/85099NED.csv", "descriptive", {
        "truncation": TRUNCATED + " Complete: 'JZ Totaal jeugdzorg' and 'JZ Totaal jeugdzorg in natura'. "
        "Partial: 'JH 1 Totaal jeugdhulp' (up to Bergen op Zoom). Missing: every other form of youth care."}),
    # Youth with youth care in natura by person characteristics (incl. household position), NL/LD/PV/JZ, 2015-2017.
    "82965NED": ("jeugdzorg/82965NED.csv", "descriptive", {}),
    "86006NED": ("ouderfactoren/86006NED.csv", "descriptive", {
        "truncation": TRUNCATED + " Only InkomensgrensHuishouden 'Totaal' is present: households, persons and "
        "minor children per region, not the counts below an income threshold.",
        "keep": lambda row: row["KenmerkenVanHuishoudens"] == "Particuliere huishoudens",
        "row_filter": "Kept KenmerkenVanHuishoudens = 'Particuliere huishoudens'; dropped the partial "
        "'Type: Eenpersoonshuishouden' slice, which the pipeline does not use."}),
    # Parental domains (issue 4). Titles from PROVENANCE.md; see catalog.yaml for the columns used.
    "81064NED": ("ouderfactoren/81064ned.csv", "catalog", {}),
    "84926NED": ("ouderfactoren/84926NED.csv", "catalog", {
        "truncation": TRUNCATED + " Complete: Nederland, landsdelen, provincies and gemeenten (including former "
        "ones) alphabetically up to and including Noardeast-Fryslân, 1999-2023. Missing: every gemeente after "
        "Noardeast-Fryslân in alphabetical order (e.g. Rotterdam, Utrecht, Zwolle).",
        "regions_cut": True, "drop_labels": {"Niet in te delen (LD)", "Niet in te delen (PV)"}}),
    "84924NED": ("ouderfactoren/84924NED.csv", "catalog", {
        "truncation": TRUNCATED + " Complete: Nederland, landsdelen, provincies and gemeenten (including former "
        "ones) alphabetically up to and including Noardeast-Fryslân, 1999-2023. Missing: every gemeente after "
        "Noardeast-Fryslân in alphabetical order.",
        "regions_cut": True, "drop_labels": {"Niet in te delen (LD)", "Niet in te delen (PV)"}}),
    "85655NED": ("ouderfactoren/85655NED.csv", "catalog", {
        "truncation": TRUNCATED + " Complete: Leeftijd totaal (code 10000) x Geslacht 'Totaal mannen en vrouwen' "
        "for all woongemeenten, 2010-2024. Partial: Geslacht 'Mannen' (up to Heerlen 2019). Missing: vrouwen "
        "and every age group.",
        "keep": lambda row: row["Leeftijd"] == "10000" and row["Geslacht"] == "Totaal mannen en vrouwen",
        "row_filter": "Kept Leeftijd = '10000' (totaal) and Geslacht = 'Totaal mannen en vrouwen', the only "
        "complete slice and the only one the pipeline uses; dropped the partial 'Mannen' slice.",
        "drop_labels": {"Niet in te delen (LD)", "Niet in te delen (PV)", "Gemeenten; niet in te delen"}}),
    "60060NED": ("ouderfactoren/60060ned.csv", "descriptive", {}),
    # Youth with youth care by household position, per gemeente and wijk: one table per year (issue 4).
    **{tid: (f"jeugdzorg_wijken/{tid}.csv", tag, {"wijken": True}) for tid, tag in (
        ("82964NED", "descriptive"), ("83563NED", "data.overheid page"), ("83782NED", "descriptive"),
        ("84316NED", "descriptive"), ("84615NED", "descriptive"), ("84856NED", "descriptive"),
        ("85075NED", "descriptive"), ("85335NED", "descriptive"), ("85685NED", "descriptive"),
        ("85990NED", "descriptive"))},
    # Maatstaven gemeentefonds, one edition per year: inhabitants under 18 per gemeente (the denominator of CBS's
    # jeugdhulp and jeugdbescherming percentages) and the parental-domain measures of issue 13.
    **{tid: (f"gemeentefonds/{tid}.csv", "catalog", {}) for tid in (
        "83440NED", "83718NED", "83997NED", "84590NED", "84860NED", "85052NED", "85309NED", "85383NED")},
    # Domestic violence (issue 13): Veilig Thuis per gemeente, half years and years. The 27 Veilig Thuis-regio's
    # carry no CBS code in the export (and none in Gebieden in Nederland): dropped, as the pipeline does not use them.
    "84847NED": ("veilig_thuis/84847NED.csv", "catalog", {
        "drop_labels": VEILIG_THUIS_REGIONS, "drop_note": "Veilig Thuis-regio's (VT)"}),
    # Meldingen by earlier Veilig Thuis involvement (complete export), and two tables whose export stopped inside
    # their second slice. CBS order: slice, then Nederland, landsdelen, provincies, gemeenten alphabetically,
    # Veilig Thuis-regio's, each with 16 periods; in both tables the first page ends exactly after Neder-Betuwe,
    # 1e halfjaar 2024 (row ID 9999), so the second slice holds Nederland, LD, PV and 204 of the 360 gemeenten.
    "85361NED": ("veilig_thuis/85361NED.csv", "catalog", {
        "drop_labels": VEILIG_THUIS_REGIONS, "drop_note": "Veilig Thuis-regio's (VT)"}),
    "84849NED": ("veilig_thuis/84849NED.csv", "catalog", {
        "truncation": TRUNCATED + " Complete: KenmerkenAdviezenMeldingen 'Totaal' for all 404 regions (Nederland, "
        "4 landsdelen, 12 provincies, 360 gemeenten including former ones, 27 Veilig Thuis-regio's) and all 16 "
        "periods (1e halfjaar 2019 - 1e halfjaar 2024). Partial: 'Niet beroepsmatig totaal' only for Nederland, "
        "landsdelen, provincies and the 204 gemeenten alphabetically from Aa en Hunze up to and including "
        "Neder-Betuwe (all 16 periods each); the export stops after Neder-Betuwe, 1e halfjaar 2024 (source row "
        "ID 9999). Missing: 'Niet beroepsmatig totaal' for the 156 gemeenten after Neder-Betuwe (Nederweert up to "
        "Zwolle, e.g. Nijmegen, Rotterdam, Tilburg, Utrecht) and the 27 Veilig Thuis-regio's; every category of "
        "KenmerkenAdviezenMeldingen after 'Niet beroepsmatig totaal' (which ones is not in the export).",
        "regions_cut": True, "drop_labels": VEILIG_THUIS_REGIONS, "drop_note": "Veilig Thuis-regio's (VT)"}),
    "84851NED": ("veilig_thuis/84851NED.csv", "catalog", {
        "truncation": TRUNCATED + " Complete: KenmerkenAdviezenMeldingenDiensten 'Totaal' for all 404 regions "
        "(Nederland, 4 landsdelen, 12 provincies, 360 gemeenten including former ones, 27 Veilig Thuis-regio's) "
        "and all 16 periods (1e halfjaar 2019 - 1e halfjaar 2024). Partial: 'Kindermishandeling' only for "
        "Nederland, landsdelen, provincies and the 204 gemeenten alphabetically from Aa en Hunze up to and "
        "including Neder-Betuwe (all 16 periods each); the export stops after Neder-Betuwe, 1e halfjaar 2024 "
        "(source row ID 9999). Missing: 'Kindermishandeling' for the 156 gemeenten after Neder-Betuwe (Nederweert "
        "up to Zwolle, e.g. Nijmegen, Rotterdam, Tilburg, Utrecht) and the 27 Veilig Thuis-regio's; every category "
        "of KenmerkenAdviezenMeldingenDiensten after 'Kindermishandeling' (which ones is not in the export).",
        "regions_cut": True, "drop_labels": VEILIG_THUIS_REGIONS, "drop_note": "Veilig Thuis-regio's (VT)"}),
    # Gezondheidsmonitor 2022: survey estimates for adults with CBS's own 95% interval (dimension Marges).
    "85563NED": ("gezondheidsmonitor/85563NED.csv", "catalog", {
        "drop_labels": GGD_REGIONS, "drop_note": "GGD-regio's (GG) and areas marked (CG) such as Friese Waddeneilanden"}),
    "70739NED": ("regio/70739ned.csv", "descriptive", {}),
    **{tid: (f"regio/{tid}.csv", "inferred from the gemeente set", {}) for tid in (
        "82949NED", "83287NED", "83553NED", "83859NED", "84378NED", "84721NED",
        "84929NED", "85067NED", "85385NED", "85755NED", "86059NED")},
}
GEBIEDEN_IDS = [tid for tid, (path, _, _) in DERTJE_TABLES.items() if path.startswith("regio/8")]
SIZE_CLASS = re.compile(r"inwoners( of meer)?$")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def build_region_lookup() -> dict[str, str]:
    """Region label as printed in the exports -> CBS code."""
    lookup = {"Nederland": "NL01"}
    for row in read_csv(SHARED / "dertje__cbs_datasets/regio/70739ned.csv"):
        lookup[row["RegioS"].strip()] = row["GebiedsOfGemeentecode_3"].strip()
    # Memberships (jeugdregio, arbeidsmarktregio, ...) appear as "<name> (<prefix>)" in the exports.
    seen: dict[str, str] = {}
    for tid in GEBIEDEN_IDS:
        for row in read_csv(SHARED / f"dertje__cbs_datasets/regio/{tid}.csv"):
            lookup.setdefault(row["RegioS"].strip(), row["Code_1"].strip())
            for column, value in row.items():
                code = value.strip()
                if column.startswith("Code_") and re.fullmatch(r"[A-Z]{2}\d{2}", code):
                    name = row[f"Naam_{int(column[5:]) + 1}"].strip()
                    label = f"{name} ({code[:2]})"
                    if seen.setdefault(label, code) != code:
                        raise ValueError(f"region label {label!r} maps to {seen[label]} and {code}")
                    lookup.setdefault(label, code)
    return lookup


def number(text: str) -> float | None:
    text = text.strip()
    return None if text in ("", ".") else float(text)


def import_dertje(table_id: str, regions: dict[str, str]) -> RawTable:
    rel_path, title_tag, notes = DERTJE_TABLES[table_id]
    rows = read_csv(SHARED / "dertje__cbs_datasets" / rel_path)
    source_rows = len(rows)
    if "keep" in notes:
        rows = [row for row in rows if notes["keep"](row)]
    if notes.get("wijken"):
        rows, notes = complete_wijken_rows(rows, source_rows == 10000)
    columns = list(rows[0])
    entry = catalog_table(table_id)
    region_dim = next((c for c in columns if c in REGION_DIMENSIONS), None)
    is_gebieden = table_id in GEBIEDEN_IDS
    dims = [c for c in columns if c != "ID" and not re.search(r"_\d+$", c)]
    topics = [c for c in columns if c != "ID" and c not in dims]

    reconstructed = [
        f"Title: from PROVENANCE.md ({title_tag}); TableInfos was not in the source.",
        "TableInfos.Modified unknown: the source is a processed export (status per period: onbekend).",
        "DataProperties: reconstructed from column names and pipelines/kindbelang/catalog.yaml.",
    ]
    text_topics = {topic for topic in topics if is_text_topic(rows, topic)}  # once per topic, not per cell
    dropped: dict[str, int] = defaultdict(int)
    bare_gemeente_labels: set[str] = set()
    out_rows, dim_values = [], defaultdict(dict)
    for row in rows:
        record: dict = {"ID": int(row["ID"])}
        skip = False
        for dim in dims:
            label = row[dim].strip()
            if dim == region_dim or (is_gebieden and dim == "RegioS"):
                if is_gebieden:
                    key = row["Code_1"].strip()
                elif notes.get("wijken"):
                    key = region_code_of(row)
                elif label in notes.get("drop_labels", ()):
                    # "Niet in te delen": persons without a known region; no CBS code in the export.
                    dropped[label] += 1
                    skip = True
                    break
                elif SIZE_CLASS.search(label):
                    dropped[label] += 1
                    skip = True
                    break
                else:
                    key = regions.get(label)
                    if key is None and f"{label} (gemeente)" in regions:
                        # Some exports print a gemeente without the "(gemeente)" CBS adds where a name is shared.
                        key = regions[f"{label} (gemeente)"]
                        bare_gemeente_labels.add(label)
                    if key is None:
                        raise KeyError(f"{table_id}: no CBS code for region label {label!r}")
            elif dim == "Perioden":
                key = label_to_key(label)
            else:
                key = label  # CBS key not recoverable from the export: the title stands in for it
            record[dim] = key
            dim_values[dim][key] = label
        if skip:
            continue
        for topic in topics:
            record[topic] = row[topic].strip() if topic in text_topics else number(row[topic])
        out_rows.append(record)

    data = pl.DataFrame(out_rows, infer_schema_length=None)
    data = data.with_columns(integral_topics_as_int(data, topics))
    dimensions = pl.DataFrame(
        [{"dimension": d, "key": k, "title": t, "description": None, "status": None}
         for d, values in dim_values.items() for k, t in values.items()],
        schema={"dimension": pl.String, "key": pl.String, "title": pl.String,
                "description": pl.String, "status": pl.String},
    )
    for dim in dims:
        if dim not in (region_dim, "Perioden", "RegioS"):
            reconstructed.append(f"Dimension {dim}: CBS keys not in the export; the title is used as key.")
    if notes.get("wijken"):
        reconstructed.append("Dimension Wijken: code (NL01, GM...., WK......) taken from topic Codering of the "
                             "same row.")
    elif region_dim and not is_gebieden:
        reconstructed.append(f"Dimension {region_dim}: codes restored from titles via 70739NED and "
                             "Gebieden in Nederland 2015-2025.")
    if is_gebieden:
        reconstructed.append("Dimension RegioS: code taken from topic Code_1 of the same row.")
    if bare_gemeente_labels:
        reconstructed.append(f"Region labels {', '.join(sorted(bare_gemeente_labels))} printed without "
                             "'(gemeente)': read as the gemeente of that name.")
    if "Perioden" in dims:
        reconstructed.append("Dimension Perioden: keys restored from titles with kindbelang.cbs_periods.")
        if any(is_reference_date(t) for t in dim_values["Perioden"].values()):
            reconstructed.append("Reference-date periods mapped to month keys (YYYYMMmm): a kindbelang convention.")
    row_filters = [notes["row_filter"]] if "row_filter" in notes else []
    if dropped:
        unplaced = {k: v for k, v in dropped.items() if k in notes.get("drop_labels", ())}
        sizes = {k: v for k, v in dropped.items() if k not in unplaced}
        if sizes:
            row_filters.append(
                f"Dropped {sum(sizes.values())} rows of gemeentegrootteklassen ({', '.join(sorted(sizes))}): "
                "their CBS keys cannot be recovered from the export and the pipeline does not use them."
            )
        if unplaced and "drop_note" in notes:
            row_filters.append(
                f"Dropped {sum(unplaced.values())} rows of {len(unplaced)} {notes['drop_note']}: no CBS code in the "
                "export; not used by the pipeline."
            )
        elif unplaced:
            row_filters.append(
                f"Dropped {sum(unplaced.values())} rows of {', '.join(sorted(unplaced))} (persons without a "
                "known region): no CBS code in the export; not used by the pipeline."
            )
    metadata = {
        "table_id": table_id,
        "title": entry.title,
        "table_infos": {"Identifier": table_id, "Title": entry.title, "Modified": None},
        "data_properties": reconstructed_data_properties(table_id, dims, topics, data, region_dim),
        "source": {
            "mode": "snapshot",
            **DERTJE,
            "path": f"output_files/all_datasets/{Path(rel_path).name.upper().replace('NED.CSV', 'NED.csv')}",
            "shared_file": f"cbs-candidates/dertje__cbs_datasets/{rel_path}",
            "source_rows": source_rows,
        },
        "truncation": {"truncated": source_rows == 10000, "note": notes.get("truncation",
                       TRUNCATED if source_rows == 10000 else "Complete: fewer than 10,000 rows in the source."),
                       # The cut removed whole gemeenten: the coverage gate then warns instead of blocking.
                       "regions_cut": notes.get("regions_cut", False)},
        "row_filters": row_filters,
        "reconstructed": reconstructed,
        "coverage": coverage(data, region_dim if not is_gebieden else "RegioS"),
    }
    return RawTable(table_id, data, dimensions, metadata)


def region_code_of(row: dict[str, str]) -> str:
    return next(value for column, value in row.items() if column.startswith("Codering_")).strip()


def complete_wijken_rows(rows: list[dict[str, str]], truncated: bool) -> tuple[list[dict[str, str]], dict]:
    """Keep what the export holds completely: the first youth-care slice (all youth care), and within it every
    gemeente whose wijken all arrived. CBS orders rows by slice, then region (gemeente followed by its wijken,
    alphabetically), then period, so when the export stops inside the first slice the last gemeente is cut."""
    form_dim = next(c for c in rows[0] if c in ("VormenVanJeugdzorg", "TypeJeugdzorg", "Vormen"))
    first_slice = rows[0][form_dim]
    kept = [row for row in rows if row[form_dim] == first_slice]
    cut = None
    if truncated and len(kept) == len(rows):
        cut = kept[-1]
        cut_code = region_code_of(cut)[2:6]
        kept = [row for row in kept if region_code_of(row)[2:6] != cut_code or region_code_of(row) == "NL01"]
    uncoded = [row for row in kept if not region_code_of(row)]
    if any(value.strip() for row in uncoded for column, value in row.items()
           if re.search(r"_\d+$", column) and not column.startswith(("Gemeentenaam", "SoortRegio", "Codering"))):
        raise ValueError("a wijk row without Codering carries values; it cannot be placed")
    kept = [row for row in kept if region_code_of(row)]
    gemeenten = {region_code_of(row) for row in kept if region_code_of(row).startswith("GM")}
    filters = [f"Kept {form_dim} = '{first_slice}' (the first slice: all youth with youth care); other slices "
               "dropped."]
    if uncoded:
        filters.append(f"Dropped {len(uncoded)} rows without Codering and without any value (wijk titles the "
                       "export could not place, e.g. 'Wijk 16 Wolderwijd'; CBS publishes no figures in them).")
    truncation = TRUNCATED + f" Complete: slice '{first_slice}' for Nederland and {len(gemeenten)} gemeenten with "
    if cut:
        cut_name = next(v for c, v in cut.items() if c.startswith("Gemeentenaam_")).strip()
        cut_label = f"{cut_name} (GM{region_code_of(cut)[2:6]})"
        filters.append(f"Dropped {cut_label} and its wijken: the export stopped inside its rows.")
        truncation += (f"all their wijken, in CBS order up to the gemeente before {cut_label}. Missing: {cut_label} "
                       "and every gemeente after it, and every other slice.")
    else:
        truncation += "all their wijken (the whole slice). Missing: every other slice."
    return kept, {"wijken": True, "truncation": truncation, "row_filter": " ".join(filters),
                  "regions_cut": cut is not None}


def is_text_topic(rows: list[dict[str, str]], topic: str) -> bool:
    """A String topic: any non-numeric value. The exports print missing numbers as empty fields, so a
    literal '.' can only be CBS's placeholder inside a String topic (e.g. Code_8 in Gebieden 2025)."""
    for row in rows:
        value = row[topic].strip()
        if value == ".":
            return True
        if value:
            try:
                float(value)
            except ValueError:
                return True
    return False


def integral_topics_as_int(data: pl.DataFrame, topics: list[str]) -> list[pl.Expr]:
    """CBS types counts as Long; the export printed them as floats (318610.0)."""
    exprs = []
    for topic in topics:
        column = data[topic]
        if column.dtype == pl.Float64 and column.drop_nulls().len() and (column.drop_nulls() % 1 == 0).all():
            exprs.append(pl.col(topic).cast(pl.Int64))
    return exprs


def reconstructed_data_properties(table_id, dims, topics, data, region_dim) -> list[dict]:
    docs = catalog_table(table_id).columns
    props = []
    for position, dim in enumerate(dims):
        kind = "GeoDimension" if dim == region_dim or dim == "RegioS" else (
            "TimeDimension" if dim == "Perioden" else "Dimension")
        props.append({"odata.type": f"Cbs.OData.{kind}", "Position": position, "Key": dim, "Title": dim})
    for position, topic in enumerate(topics, start=len(dims)):
        dtype = data[topic].dtype
        doc = docs.get(topic)
        props.append({
            "odata.type": "Cbs.OData.Topic", "Position": position, "Key": topic,
            "Title": doc.title if doc else topic,
            "Description": doc.meaning if doc else None,
            "Datatype": "String" if dtype == pl.String else ("Long" if dtype == pl.Int64 else "Double"),
            "Unit": doc.unit if doc else None,
            "Denominator": doc.denominator if doc else None,
        })
    return props


def import_84799ned() -> RawTable:
    base = SHARED / "dataverbinders__statline-bq/84799NED"
    raw = pl.read_parquet(base / "cbs.v3.84799NED_TypedDataSet.parquet")
    data = (
        raw.with_columns(pl.col(pl.String).str.strip_chars())
        .filter(pl.col("WijkenEnBuurten").str.contains("^(NL|GM)"))
    )
    props = pl.read_parquet(base / "cbs.v3.84799NED_DataProperties.parquet").rename({"odata_type": "odata.type"})
    dim = (
        pl.read_parquet(base / "cbs.v3.84799NED_WijkenEnBuurten.parquet")
        .with_columns(pl.col(pl.String).str.strip_chars())
        .filter(pl.col("Key").is_in(data["WijkenEnBuurten"].implode()))
    )
    dimensions = dim.select(
        pl.lit("WijkenEnBuurten").alias("dimension"), pl.col("Key").alias("key"),
        pl.col("Title").alias("title"), pl.col("Description").alias("description"),
        pl.lit(None, pl.String).alias("status"),
    )
    infos = json.loads((base / "cbs.v3.84799NED_Metadata.json").read_text(encoding="utf-8"))
    metadata = {
        "table_id": "84799NED",
        "title": infos["Title"],
        "table_infos": infos,
        "data_properties": [{k: v for k, v in p.items() if v is not None} for p in props.to_dicts()],
        "source": {
            "mode": "snapshot", **STATLINE_BQ,
            "path": "tests/data/84799NED/cbs.v3.84799NED_TypedDataSet.parquet (+ _DataProperties, _Metadata, "
                    "_WijkenEnBuurten)",
            "shared_file": "cbs-candidates/dataverbinders__statline-bq/84799NED/",
            "source_rows": raw.height,
        },
        "truncation": {"truncated": False, "note": "Complete table as of Modified 2021-03-26."},
        "row_filters": ["Kept Nederland (NL00) and gemeenten (GM); wijken and buurten dropped (not used)."],
        "reconstructed": [
            "Padded codes and texts trimmed. Income and jeugdzorg columns were not yet filled by CBS on "
            "2021-03-26 and are null (not suppressed, not zero).",
            "No Perioden dimension: the table describes 2020 (TableInfos.Period); staging uses 2020JJ00.",
        ],
        "coverage": coverage(data, "WijkenEnBuurten"),
    }
    return RawTable("84799NED", data, dimensions, metadata)


def main(table_ids: list[str]) -> None:
    regions = build_region_lookup()
    wanted = table_ids or [*DERTJE_TABLES, "84799NED"]
    for table_id in wanted:
        table = import_84799ned() if table_id == "84799NED" else import_dertje(table_id, regions)
        write_raw_table(SNAPSHOT, table)
        print(json.dumps({"table": table_id, "rows": table.data.height, "columns": table.data.width,
                          "truncated": table.metadata["truncation"]["truncated"]}))


if __name__ == "__main__":
    main([a.upper() for a in sys.argv[1:]])
