"""Great Expectations 1.x suites as Dagster asset checks (GX 1.x has no working Dagster integration).

A suite is a GX ExpectationSuite stored as JSON in expectations/<suite>.json. Its `meta.kindbelang` says
what it validates:
  assets           asset keys ("raw/cbs_82972ned") the suite runs on, one check `gx_<suite>` per asset
  query            SQL giving the batch; {table} is the asset's table. Default: SELECT * FROM {table}
  parameters       name -> SQL; the first column becomes a list for {"$PARAMETER": name} (sets known at run time)
  additional_deps  assets the query reads besides the checked one (the check waits for them)
  row_count_band   relative band for the row count against the previous materialisation ($PARAMETERs
                   rows_min / rows_max; no previous one: no bound)
Every expectation carries `meta.severity`: critical (blocks everything downstream, including publication)
or warning (reported, never blocks), and `meta.problem`: what a failure means, in words.

The check reads the batch from DuckDB into pandas, validates it in an ephemeral GX context, writes the
results to <out>/quality/<run_id>/ (JSON per check, index.html) and copies them to <out>/quality/latest/.
"""


import html
import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dagster as dg

from kindbelang.resources import Warehouse
from kindbelang.settings import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEVERITIES = ("critical", "warning")
EXAMPLES = 5
CHECK_PREFIX = "gx_"


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    spec: dict

    @property
    def meta(self) -> dict:
        return self.spec.get("meta", {}).get("kindbelang", {})

    @property
    def assets(self) -> list[dg.AssetKey]:
        return [dg.AssetKey(a.split("/")) for a in self.meta["assets"]]

    @property
    def description(self) -> str:
        return self.meta.get("description", "")


@cache
def load_suites(directory: Path = EXPECTATIONS_DIR) -> tuple[Suite, ...]:
    suites = []
    for path in sorted(directory.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        if spec.get("name") != path.stem:
            raise ValueError(f"{path}: suite name {spec.get('name')!r} differs from the file name")
        for exp in spec.get("expectations", []):
            if exp.get("meta", {}).get("severity") not in SEVERITIES:
                raise ValueError(f"{path}: {exp['type']} needs meta.severity in {SEVERITIES}")
        suites.append(Suite(path.stem, path, spec))
    return tuple(suites)


# --- running a suite -------------------------------------------------------------------------------------

@dataclass
class Failure:
    """One failed expectation, in the shape the CLI prints and the check metadata shows."""

    table: str
    suite: str
    expectation: str
    column: str | None
    severity: str
    problem: str
    unexpected_count: int | None
    element_count: int | None
    examples: list
    detail: str = ""

    def verdict(self) -> str:
        level = "BLOKKEREND" if self.severity == "critical" else "waarschuwing"
        rows = (f"{self.unexpected_count} van {self.element_count} rijen"
                if self.unexpected_count is not None else "tabel")
        column = f"[{self.column}] " if self.column else ""
        examples = f"; voorbeelden: {', '.join(map(str, self.examples))}" if self.examples else ""
        detail = f"; {self.detail}" if self.detail else ""
        return (f"{level}: {self.table}: {self.problem} ({self.expectation} {column}- {rows}{examples}{detail})")


def table_name(asset_key: dg.AssetKey) -> str:
    return ".".join(asset_key.path)


def _frame(con, sql: str):
    import pandas as pd
    import pyarrow as pa

    # Nullable integers stay integers (DuckDB -> pandas would turn an int column with NULLs into float).
    mapping = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int32Dtype(), pa.int16(): pd.Int16Dtype()}
    return con.sql(sql).to_arrow_table().to_pandas(types_mapper=mapping.get)


def run_suite(suite: Suite, asset_key: dg.AssetKey, con, previous_rows: int | None) -> dict:
    """Validate ``suite`` on the asset's data; return a JSON-able report (GX result plus our verdicts)."""
    import great_expectations as gx

    # GX logs a line for every ephemeral context it creates (and sets its levels on import).
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    table = table_name(asset_key)
    meta = suite.meta
    query = meta.get("query", "SELECT * FROM {table}").format(table=table)
    notes = []
    try:
        frame = _frame(con, query)
    except Exception as exc:  # noqa: BLE001 - a broken shape must still reach GX, which names the column
        notes.append(f"query failed, validated the plain table instead: {exc}")
        frame = _frame(con, f"SELECT * FROM {table}")

    params = {}
    for name, sql in meta.get("parameters", {}).items():
        try:
            params[name] = [r[0] for r in con.execute(sql).fetchall()]
        except Exception as exc:  # noqa: BLE001
            notes.append(f"parameter {name} unavailable: {exc}")
            params[name] = []
    band = meta.get("row_count_band")
    if band is not None:
        params["rows_min"] = int(previous_rows * (1 - band)) if previous_rows else 0
        params["rows_max"] = int(previous_rows * (1 + band)) + 1 if previous_rows else 10**12

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # keep run logs readable
    batch = (context.data_sources.add_pandas("kindbelang").add_dataframe_asset(suite.name)
             .add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame}))
    gx_suite = gx.ExpectationSuite(name=suite.name, expectations=suite.spec["expectations"])
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
    id_column = meta.get("id_column")
    if id_column in frame.columns:
        # Examples then name the row (region, period, ...) beside the offending value.
        result_format["unexpected_index_column_names"] = [id_column]
    result = batch.validate(gx_suite, expectation_parameters=params, result_format=result_format)

    failures, outcomes = [], []
    for r in result.results:
        config = r.expectation_config
        exp_meta = config.meta or {}
        res = r.result or {}
        column = config.kwargs.get("column") or (", ".join(config.kwargs.get("column_list", [])) or None)
        detail = _exception_message(r.exception_info)
        if not detail and res.get("details", {}).get("mismatched"):
            mismatched = res["details"]["mismatched"]
            detail = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in mismatched.items() if v)
        elif not detail and "observed_value" in res:
            detail = f"gevonden: {_short(res['observed_value'])}"
        outcome = {
            "expectation": config.type, "column": column, "kwargs": _jsonable(config.kwargs),
            "severity": exp_meta.get("severity"), "problem": exp_meta.get("problem", config.type),
            "success": bool(r.success), "unexpected_count": res.get("unexpected_count"),
            "element_count": res.get("element_count"),
            "examples": _examples(res, config.kwargs.get("column"), id_column), "detail": detail,
        }
        outcomes.append(outcome)
        if not r.success:
            failures.append(Failure(table, suite.name, config.type, column, outcome["severity"],
                                    outcome["problem"], outcome["unexpected_count"], outcome["element_count"],
                                    outcome["examples"], detail))
    return {
        "suite": suite.name, "suite_file": str(suite.path.relative_to(PROJECT_ROOT)), "table": table,
        "asset_key": asset_key.to_user_string(), "rows": len(frame), "previous_rows": previous_rows,
        "success": all(o["success"] for o in outcomes),
        "critical_failed": sum(1 for f in failures if f.severity == "critical"),
        "warnings_failed": sum(1 for f in failures if f.severity == "warning"),
        "notes": notes, "expectations": outcomes, "failures": [f.__dict__ for f in failures],
        "gx_result": _jsonable(result.to_json_dict()),
    }


def _exception_message(info) -> str:
    """GX reports a failed metric (e.g. a missing column) either flat or keyed by metric id."""
    if not info:
        return ""
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for entry in entries:
        if entry.get("raised_exception") and entry.get("exception_message"):
            return str(entry["exception_message"]).splitlines()[0][:300]
    return ""


def _examples(res: dict, column: str | None, id_column: str | None) -> list:
    indexed = res.get("partial_unexpected_index_list") or []
    if id_column and indexed and isinstance(indexed[0], dict):
        return [f"{row.get(id_column)}" + (f" ({column}={_short(row[column])})"
                                           if column and column != id_column and column in row else "")
                for row in indexed[:EXAMPLES]]
    counts = res.get("partial_unexpected_counts")
    values = [c["value"] for c in counts] if counts else res.get("partial_unexpected_list") or []
    return [_short(v) for v in values[:EXAMPLES]]


def _short(value, limit: int = 200):
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        value = value.item()  # numpy scalars
    text = value if isinstance(value, (int, float, str, bool)) or value is None else json.dumps(_jsonable(value))
    return text[:limit] if isinstance(text, str) else text


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


# --- results on disk -------------------------------------------------------------------------------------

def write_report(report: dict, quality_dir: Path, run_id: str) -> Path:
    run_dir = quality_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / f"{report['table']}__{report['suite']}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(run_dir.glob("*__*.json"))]
    (run_dir / "index.html").write_text(render_html(reports, run_id), encoding="utf-8")
    _refresh_latest(run_dir, quality_dir / "latest")
    return path


def _refresh_latest(run_dir: Path, latest: Path) -> None:
    # Swap a fresh copy into place so a reader never sees a half-updated latest/.
    staging = latest.with_name(f".latest.{uuid.uuid4().hex}.tmp")
    shutil.copytree(run_dir, staging)
    (staging / "RUN_ID").write_text(run_dir.name + "\n", encoding="utf-8")
    retired = latest.with_name(f".latest.{uuid.uuid4().hex}.old")
    if latest.exists():
        os.replace(latest, retired)
    os.replace(staging, latest)
    shutil.rmtree(retired, ignore_errors=True)


def render_html(reports: list[dict], run_id: str) -> str:
    esc = html.escape
    rows = []
    for rep in reports:
        state = "ok" if rep["success"] else ("blokkerend" if rep["critical_failed"] else "waarschuwing")
        rows.append(f"<h2 class='{state}'>{esc(rep['table'])} &middot; {esc(rep['suite'])} &middot; {state}</h2>")
        rows.append(f"<p>{rep['rows']} rijen (vorige materialisatie: {rep['previous_rows'] or '-'}); "
                    f"suite <code>{esc(rep['suite_file'])}</code></p>")
        rows.extend(f"<p class='note'>{esc(n)}</p>" for n in rep["notes"])
        rows.append("<table><tr><th></th><th>ernst</th><th>verwachting</th><th>kolom</th><th>probleem</th>"
                    "<th>afwijkend</th><th>voorbeelden</th></tr>")
        for o in rep["expectations"]:
            mark = "&#10003;" if o["success"] else "&#10007;"
            count = "" if o["unexpected_count"] is None else f"{o['unexpected_count']} / {o['element_count']}"
            examples = ", ".join(map(str, o["examples"])) + (f" {o['detail']}" if o["detail"] else "")
            rows.append(f"<tr class='{'ok' if o['success'] else o['severity']}'><td>{mark}</td>"
                        f"<td>{esc(str(o['severity']))}</td><td>{esc(o['expectation'])}</td>"
                        f"<td>{esc(str(o['column'] or ''))}</td><td>{esc(o['problem'])}</td>"
                        f"<td>{count}</td><td>{esc(examples)}</td></tr>")
        rows.append("</table>")
    return (
        "<!doctype html><meta charset='utf-8'><title>kindbelang kwaliteitscontrole</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}"
        "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
        ".critical td,.blokkerend{color:#a00}.warning td,.waarschuwing{color:#a60}.ok{color:#070}"
        f"</style><h1>Kwaliteitscontrole run {esc(run_id)}</h1>" + "\n".join(rows))


# --- Dagster -----------------------------------------------------------------------------------------------

def previous_rows(instance: dg.DagsterInstance, asset_key: dg.AssetKey, run_id: str) -> int | None:
    """`rows` of the asset's last materialisation before this run (the one in this run is the data itself)."""
    records = instance.fetch_materializations(asset_key, limit=5).records
    for record in records:
        if record.run_id == run_id:
            continue
        meta = record.asset_materialization.metadata if record.asset_materialization else {}
        for key in ("rows", "indicators"):
            if key in meta:
                return int(meta[key].value)
        return None
    return None


def build_check(suite: Suite, asset_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    deps = [dg.AssetKey(d.split("/")) for d in suite.meta.get("additional_deps", [])]

    @dg.asset_check(
        asset=asset_key,
        name=f"{CHECK_PREFIX}{suite.name}",
        description=f"Great Expectations suite expectations/{suite.name}.json. {suite.description}",
        blocking=True,  # only failures reported with severity ERROR (critical expectations) block
        additional_deps=deps or None,
        metadata={"suite_file": f"expectations/{suite.name}.json"},
    )
    def gx_check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            report = run_suite(suite, asset_key, con,
                               previous_rows(context.instance, asset_key, context.run.run_id))
        quality_dir = warehouse.paths.quality
        path = write_report(report, quality_dir, context.run.run_id)
        failures = [Failure(**f) for f in report["failures"]]
        for f in failures:
            (context.log.error if f.severity == "critical" else context.log.warning)(f.verdict())
        summary = "\n".join(
            f"| {'ok' if o['success'] else 'FOUT'} | {o['severity']} | {o['expectation']} | {o['column'] or ''} "
            f"| {o['unexpected_count'] if o['unexpected_count'] is not None else ''} "
            f"| {', '.join(map(str, o['examples'])).replace('|', '/')} |"
            for o in report["expectations"])
        return dg.AssetCheckResult(
            passed=report["success"],
            severity=dg.AssetCheckSeverity.ERROR if report["critical_failed"] else dg.AssetCheckSeverity.WARN,
            description="; ".join(f.verdict() for f in failures)[:2000] or f"{len(report['expectations'])} "
            "verwachtingen gehaald",
            metadata={
                "table": report["table"],
                "rows": report["rows"],
                "critical_failed": report["critical_failed"],
                "warnings_failed": report["warnings_failed"],
                "failures": dg.MetadataValue.json(report["failures"]),
                "expectations": dg.MetadataValue.md(
                    "| | severity | expectation | column | unexpected | examples |\n|---|---|---|---|---|---|\n"
                    + summary),
                "report": dg.MetadataValue.path(str(path)),
                "report_html": dg.MetadataValue.url((path.parent / "index.html").resolve().as_uri()),
                "latest": dg.MetadataValue.path(str(quality_dir / "latest" / "index.html")),
            },
        )

    return gx_check


def build_checks(asset_keys: set[dg.AssetKey] | None = None) -> list[dg.AssetChecksDefinition]:
    """One check per (suite, asset); assets not defined (e.g. a catalog entry removed) are skipped."""
    return [build_check(s, key) for s in load_suites() for key in s.assets
            if asset_keys is None or key in asset_keys]


def failure_lines(result) -> list[str]:
    """One verdict per failed expectation of a run result (ExecuteInProcessResult), critical first."""
    failures = []
    for evaluation in result.get_asset_check_evaluations():
        raw = evaluation.metadata.get("failures")
        failures.extend(Failure(**f) for f in (raw.value if raw is not None else []))
    failures.sort(key=lambda f: (f.severity != "critical", f.table))
    return [f.verdict() for f in failures]
