"""Great Expectations 1.x suites beside the models they guard, run as blocking Dagster asset checks.

expectations/<schema>/<model>.yaml is a GX ExpectationSuite as GX serialises one (name; expectations with type,
kwargs, severity, meta), plus meta.kindbelang saying what it guards:
  assets          asset keys ("raw/cbs_82972ned") the suite runs on, one check `gx_<suite>` per asset (a raw suite
                  may guard several tables of one kind)
  reads           other assets its row conditions read: the check waits for them, and reruns when they change
  key             columns that name a row in the examples of a failure
  row_count_band  relative band for the row count against the previous materialisation ($PARAMETERs rows_min /
                  rows_max; no previous one: no bound)
Every expectation carries GX's own `severity`: critical blocks everything downstream, including publication;
warning is reported and never blocks. `meta.problem` says in Dutch what a failure means.

Column and table expectations, with GX row conditions (`row_condition`) where a rule holds for some rows only, run
in GX on the guarded table. A rule that needs other tables is a GX `unexpected_rows_expectation`: its
`unexpected_rows_query` names the guarded table as {batch} and fails when it returns rows. GX evaluates those only
on a SQLAlchemy datasource, and DuckDB's (duckdb_engine 0.17 with SQLAlchemy 2.1 and DuckDB 2.0) returns empty
results to GX and cannot reflect columns, so kindbelang runs these queries in the warehouse connection and reports
them in GX's result shape (observed_value: rows returned; details.unexpected_rows: the first of them).

GX validates in a process of its own, one context per run (kindbelang.gx_validation, started by `kindbelang run`
before it loads Dagster, or by the `gx` resource); results go to Dagster's check metadata (dagster/row_count,
failures, an expectations table), to <out>/quality/<run_id>/ (JSON per check, index.html) and, once the run's
release is published, to <out>/quality/latest/, which keeps the latest result of every check behind what is
published (refresh_latest).
"""


import hashlib
import html
import json
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterator

import dagster as dg

from kindbelang import gx_validation
from kindbelang.resources import Warehouse
from kindbelang.settings import PROJECT_ROOT, read_yaml

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEVERITIES = ("critical", "warning")
UNEXPECTED_ROWS = "unexpected_rows_expectation"
SHAPE = {"expect_table_columns_to_match_set", "expect_table_columns_to_match_ordered_list", "expect_column_to_exist"}
EXAMPLES = 5
CHECK_PREFIX = "gx_"
INDEX = "kindbelang_index"  # meta of a GX expectation: its place in the suite file
SUITE_VERSION = "kindbelang/suite_version"  # check metadata: which version of the suite file gave the result


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
    def reads(self) -> list[dg.AssetKey]:
        return [dg.AssetKey(a.split("/")) for a in self.meta.get("reads", [])]

    @property
    def description(self) -> str:
        return self.meta.get("description", "")

    @property
    def file(self) -> str:
        return str(self.path.relative_to(PROJECT_ROOT))

    @property
    def version(self) -> str:
        """A check reruns when its suite changes (checks have no code version of their own in Dagster)."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()[:16]

    @property
    def gx_expectations(self) -> list[dict]:
        return [e for e in self.spec["expectations"] if e["type"] != UNEXPECTED_ROWS]


@cache
def load_suites(directory: Path = EXPECTATIONS_DIR) -> tuple[Suite, ...]:
    suites, names = [], {}
    for path in sorted(directory.glob("*/*.yaml")):
        spec = read_yaml(path)
        name = spec.get("name")
        if name in names:
            raise ValueError(f"{path}: suite name {name!r} also used by {names[name]}")
        names[name] = path
        for exp in spec.get("expectations", []):
            if exp.get("severity") not in SEVERITIES or not exp.get("meta", {}).get("problem"):
                raise ValueError(f"{path}: {exp['type']} needs severity in {SEVERITIES} and meta.problem")
            if exp["type"] == UNEXPECTED_ROWS and "{batch}" not in exp["kwargs"]["unexpected_rows_query"]:
                raise ValueError(f"{path}: an unexpected_rows_query names the guarded table as {{batch}}")
        suites.append(Suite(name, path, spec))
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
    rule: str | None = None  # meta.rule: a short name for the rule, where the suite gives one

    def verdict(self) -> str:
        level = "BLOKKEREND" if self.severity == "critical" else "waarschuwing"
        rows = (f"{self.unexpected_count} van {self.element_count} rijen"
                if self.unexpected_count is not None and self.element_count is not None
                else f"{self.unexpected_count} rijen" if self.unexpected_count is not None else "tabel")
        column = f"[{self.column}] " if self.column else ""
        examples = f"; voorbeelden: {', '.join(map(str, self.examples))}" if self.examples else ""
        detail = f"; {self.detail}" if self.detail else ""
        return f"{level}: {self.table}: {self.problem} ({self.expectation} {column}- {rows}{examples}{detail})"


def table_name(asset_key: dg.AssetKey) -> str:
    return ".".join(asset_key.path)


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _named_columns(expectations: list[dict]) -> set[str]:
    """The columns the expectations read: their column arguments and the columns of their row conditions."""
    names: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("column"), dict) and "name" in value["column"]:
                names.add(value["column"]["name"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for e in expectations:
        kwargs = e["kwargs"]
        names.update(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs)
        names.update(kwargs.get("column_list", []))
        walk(kwargs.get("row_condition"))
    return names


class GreatExpectations(dg.ConfigurableResource):
    """Great Expectations for the checks of a run: the validator process (kindbelang.gx_validation), started when
    the run sets up its resources unless `kindbelang run` started it already, and stopped by whoever started it."""

    @contextmanager
    def yield_for_execution(self, context) -> Iterator["GreatExpectations"]:
        with gx_validation.running():
            yield self


def run_suite(suite: Suite, asset_key: dg.AssetKey, con, previous_rows: int | None) -> dict:
    """Validate ``suite`` on the asset's table; return a JSON-able report (GX result plus our verdicts)."""
    table = table_name(asset_key)
    specs = suite.spec["expectations"]
    gx_specs = [(i, e) for i, e in enumerate(specs) if e["type"] != UNEXPECTED_ROWS]
    # The table's shape (column names) is validated on its empty frame; the values on the columns the
    # expectations name, every row. GX copies the frame for each metric, so a narrow frame is several times faster.
    shape = con.sql(f"SELECT * FROM {table} LIMIT 0").to_arrow_table()
    key = [c for c in suite.meta.get("key", []) if c in shape.column_names]
    wanted = (_named_columns([e for _, e in gx_specs if e["type"] not in SHAPE]) | set(key)) & set(shape.column_names)
    columns = [c for c in shape.column_names if c in wanted]
    frame = con.sql(f"SELECT {', '.join(_quoted(c) for c in columns) or 'NULL AS no_column'} FROM {table}"
                    ).to_arrow_table()
    params = {}
    band = suite.meta.get("row_count_band")
    if band is not None:
        params["rows_min"] = int(previous_rows * (1 - band)) if previous_rows else 0
        params["rows_max"] = int(previous_rows * (1 + band)) + 1 if previous_rows else 10**12

    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
    if key:
        # Examples then name the row (region, period, ...) beside the offending value.
        result_format["unexpected_index_column_names"] = key
    batches = []
    for part, batch_frame in ((True, shape), (False, frame)):
        # Each GX expectation carries its place in the suite, so its result finds its entry.
        selected = [{**e, "meta": {**e.get("meta", {}), INDEX: i}} for i, e in gx_specs if (e["type"] in SHAPE) == part]
        if selected:
            batches.append((batch_frame, selected))
    results = gx_validation.validate(suite.name, f"{suite.name}:{table}", batches, params, result_format)
    gx_results = {r["expectation_config"]["meta"][INDEX]: r for result in results for r in result["results"]}

    outcomes = [_unexpected_rows(con, spec, table, frame.num_rows) if spec["type"] == UNEXPECTED_ROWS
                else _outcome(gx_results[i], spec, key) for i, spec in enumerate(specs)]
    failures = [Failure(table, suite.name, o["expectation"], o["column"], o["severity"], o["problem"],
                        o["unexpected_count"], o["element_count"], o["examples"], o["detail"], o["rule"])
                for o in outcomes if not o["success"]]
    return {
        "suite": suite.name, "suite_file": suite.file, "suite_version": suite.version, "table": table,
        "asset_key": asset_key.to_user_string(), "rows": frame.num_rows, "previous_rows": previous_rows,
        "success": all(o["success"] for o in outcomes),
        "critical_failed": sum(1 for f in failures if f.severity == "critical"),
        "warnings_failed": sum(1 for f in failures if f.severity == "warning"),
        "expectations": outcomes, "failures": [f.__dict__ for f in failures],
        "gx_result": _jsonable(results),
    }


def _outcome(r: dict, spec: dict, key: list[str]) -> dict:
    """Our verdict on one GX expectation result (its JSON)."""
    config = r["expectation_config"]
    kwargs, res = config["kwargs"], r.get("result") or {}
    column = kwargs.get("column") or (", ".join(kwargs.get("column_list", [])) or None)
    detail = _exception_message(r.get("exception_info"))
    if not detail and res.get("details", {}).get("mismatched"):
        mismatched = res["details"]["mismatched"]
        detail = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in mismatched.items() if v)
    elif not detail and "observed_value" in res and not r["success"]:
        detail = f"gevonden: {_short(res['observed_value'])}"
    return {
        "expectation": config["type"], "column": column, "kwargs": _jsonable(spec["kwargs"]),
        "severity": spec["severity"], "problem": spec["meta"]["problem"], "rule": spec["meta"].get("rule"),
        "success": bool(r["success"]),
        "unexpected_count": res.get("unexpected_count"), "element_count": res.get("element_count"),
        "examples": _examples(res, kwargs.get("column"), key), "detail": detail,
    }


def _unexpected_rows(con, spec: dict, table: str, element_count: int) -> dict:
    """A GX UnexpectedRowsExpectation, evaluated in DuckDB: it fails when its query returns rows."""
    query = spec["kwargs"]["unexpected_rows_query"].format(batch=table)
    outcome = {"expectation": UNEXPECTED_ROWS, "column": None, "kwargs": {"unexpected_rows_query": query},
               "severity": spec["severity"], "problem": spec["meta"]["problem"], "rule": spec["meta"].get("rule"),
               "element_count": element_count}
    try:
        # One pass: the first rows for the examples, each carrying the total count.
        rows = con.execute(f"SELECT *, count(*) OVER () FROM (\n{query}\n) LIMIT {EXAMPLES}").fetchall()
        count = rows[0][-1] if rows else 0
        rows = [row[:-1] for row in rows]
    except Exception as exc:  # noqa: BLE001 - a broken shape (a column gone) fails the rule, with DuckDB's words
        message = str(exc).splitlines()[0][:300]
        return {**outcome, "success": False, "unexpected_count": None, "examples": [], "detail": message}
    return {**outcome, "success": count == 0, "unexpected_count": count,
            "examples": [" ".join("-" if v is None else str(v) for v in row) for row in rows], "detail": ""}


def _exception_message(info) -> str:
    """GX reports a failed metric (e.g. a missing column) either flat or keyed by metric id."""
    if not info:
        return ""
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for entry in entries:
        if entry.get("raised_exception") and entry.get("exception_message"):
            return str(entry["exception_message"]).splitlines()[0][:300]
    return ""


def _examples(res: dict, column: str | None, key: list[str]) -> list:
    indexed = res.get("partial_unexpected_index_list") or []
    if key and indexed and isinstance(indexed[0], dict):
        return [" ".join("-" if _missing(row.get(k)) else str(row.get(k)) for k in key)
                + (f" ({column}={_short(row[column])})" if column and column not in key and column in row else "")
                for row in indexed[:EXAMPLES]]
    counts = res.get("partial_unexpected_counts")
    values = [c["value"] for c in counts] if counts else res.get("partial_unexpected_list") or []
    return [_short(v) for v in values[:EXAMPLES]]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value) in ("<NA>", "nan", "NaT")


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
    path.write_text(json.dumps({**report, "run_id": run_id}, ensure_ascii=False, indent=1), encoding="utf-8")
    (run_dir / "index.html").write_text(render_html(_reports(run_dir), f"run {run_id}"), encoding="utf-8")
    return path


def _reports(directory: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*__*.json"))]


def reports_after(quality_dir: Path, run_id: str) -> list[Path]:
    """The latest result of every check once ``run_id``'s results are taken in: what latest/ holds when that
    run's release is published (a run that reran only some checks replaces only those)."""
    merged = {p.name: p for p in (quality_dir / "latest").glob("*__*.json")}
    merged.update({p.name: p for p in (quality_dir / run_id).glob("*__*.json")})
    return [merged[name] for name in sorted(merged)]


def refresh_latest(quality_dir: Path, run_id: str) -> None:
    """latest/ describes what is published: the site asset calls this right after the switch (a failed run's
    results stay in quality/<run_id>/ only). A fresh copy is swapped into place."""
    latest = quality_dir / "latest"
    staging = latest.with_name(f".latest.{uuid.uuid4().hex}.tmp")
    staging.mkdir(parents=True)
    for report in reports_after(quality_dir, run_id):
        shutil.copy2(report, staging / report.name)
    (staging / "RUN_ID").write_text(run_id + "\n", encoding="utf-8")
    (staging / "index.html").write_text(render_html(_reports(staging), "laatste resultaat per controle"),
                                        encoding="utf-8")
    retired = latest.with_name(f".latest.{uuid.uuid4().hex}.old")
    if latest.exists():
        os.replace(latest, retired)
    os.replace(staging, latest)
    shutil.rmtree(retired, ignore_errors=True)


def render_html(reports: list[dict], title: str) -> str:
    esc = html.escape
    rows = []
    for rep in reports:
        state = "ok" if rep["success"] else ("blokkerend" if rep["critical_failed"] else "waarschuwing")
        rows.append(f"<h2 class='{state}'>{esc(rep['table'])} &middot; {esc(rep['suite'])} &middot; {state}</h2>")
        rows.append(f"<p>{rep['rows']} rijen (vorige materialisatie: {rep['previous_rows'] or '-'}); "
                    f"suite <code>{esc(rep['suite_file'])}</code>; run <code>{esc(rep.get('run_id', ''))}</code></p>")
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
        f"</style><h1>Kwaliteitscontrole: {esc(title)}</h1>" + "\n".join(rows))


# --- Dagster -----------------------------------------------------------------------------------------------

def previous_rows(instance: dg.DagsterInstance, asset_key: dg.AssetKey, run_id: str) -> int | None:
    """The row count of the asset's last materialisation before this run (the one in this run is the data)."""
    records = instance.fetch_materializations(asset_key, limit=5).records
    for record in records:
        if record.run_id == run_id:
            continue
        meta = record.asset_materialization.metadata if record.asset_materialization else {}
        for key in ("dagster/row_count", "rows", "indicators"):
            if key in meta:
                return int(meta[key].value)
        return None
    return None


def build_check(suite: Suite, asset_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_key,
        name=f"{CHECK_PREFIX}{suite.name}",
        description=f"Great Expectations suite {suite.file}. {suite.description}",
        blocking=True,  # only failures reported with severity ERROR (critical expectations) block
        additional_deps=suite.reads or None,
        metadata={"suite_file": suite.file},
    )
    def gx_check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse,
                 gx: GreatExpectations) -> dg.AssetCheckResult:  # gx: the run's validator is up (run_suite uses it)
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
                "dagster/row_count": report["rows"],
                "critical_failed": report["critical_failed"],
                "warnings_failed": report["warnings_failed"],
                "failures": dg.MetadataValue.json(report["failures"]),
                "expectations": dg.MetadataValue.md(
                    "| | severity | expectation | column | unexpected | examples |\n|---|---|---|---|---|---|\n"
                    + summary),
                SUITE_VERSION: report["suite_version"],
                "report": dg.MetadataValue.path(str(path)),
                "report_html": dg.MetadataValue.url((path.parent / "index.html").resolve().as_uri()),
                "latest": dg.MetadataValue.path(str(quality_dir / "latest" / "index.html")),
            },
        )

    return gx_check


def build_checks(asset_keys: set[dg.AssetKey] | None = None) -> list[dg.AssetChecksDefinition]:
    """One check per (suite, asset); assets not defined (e.g. a catalog entry removed) are skipped, but a suite
    that reads an asset that does not exist is an error (its rows would silently be checked against nothing)."""
    checks = []
    for suite in load_suites():
        if asset_keys is not None:
            missing = [k.to_user_string() for k in suite.reads if k not in asset_keys]
            if missing:
                raise ValueError(f"{suite.file} reads {', '.join(missing)}, which no asset builds")
        checks.extend(build_check(suite, key) for key in suite.assets if asset_keys is None or key in asset_keys)
    return checks


def check_versions() -> dict[dg.AssetCheckKey, str]:
    """The current version of every suite's checks, for deciding which checks a run must redo."""
    return {dg.AssetCheckKey(key, f"{CHECK_PREFIX}{s.name}"): s.version for s in load_suites() for key in s.assets}


def check_reads() -> dict[dg.AssetCheckKey, set[dg.AssetKey]]:
    """The assets each check reads besides its own (meta.kindbelang.reads)."""
    return {dg.AssetCheckKey(key, f"{CHECK_PREFIX}{s.name}"): set(s.reads) for s in load_suites() for key in s.assets}


def failure_lines(result) -> list[str]:
    """One verdict per failed expectation of a run result (ExecuteInProcessResult), critical first."""
    failures = []
    for evaluation in result.get_asset_check_evaluations():
        raw = evaluation.metadata.get("failures")
        failures.extend(Failure(**f) for f in (raw.value if raw is not None else []))
    failures.sort(key=lambda f: (f.severity != "critical", f.table))
    return [f.verdict() for f in failures]
