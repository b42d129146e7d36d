"""Only what changed: Dagster code versions and data versions for every asset, and the assets a run must redo.

Data versions. Each CBS table as stored (the committed snapshot, or <out>/raw after a live fetch) is an observable
source asset `cbs/<ID>` whose data version is the hash of its files; raw/cbs_<id> depends on it. Every other
asset gets its data version from Dagster: a hash of its code version and the data versions of its inputs, so
redoing an asset on the same inputs with the same code gives the same version and leaves its dependents as they were.

Code versions cover everything that shapes an asset's output:
  SQL model      its .sql file, sql/macros.sql, its own entry in sql/<schema>/columns.yaml, and the Python that runs
                 it (sql_models.py and the kindbelang modules it imports)
  Python asset   its module and the kindbelang modules it imports, plus the files those modules read
                 (settings.DATA_FILES: the catalog, the indicator registry and publications, column docs, templates)
  raw asset      ingest.py and the modules it imports (the table itself is its input: cbs/<ID>)

Which assets a run redoes (`plan`): every asset Dagster reports as missing or stale (a new code version, an input
with a new data version, a dependency added or removed), every asset whose blocking check failed or never ran
on its latest materialisation or whose suite changed, and everything downstream of those, since their inputs change.
A check reruns with its asset, and also when an asset its row conditions read is redone.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import dagster as dg
import yaml

from kindbelang import settings
from kindbelang.catalog import load_catalog
from kindbelang.raw_store import table_dir
from kindbelang.resources import CbsSource

PACKAGE = "kindbelang"
DATA_VERSION_TAG = "dagster/data_version"  # the tag in which an observation carries its data version
PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_SCHEMA = "cbs"
RAW_FILES = ("data.parquet", "dimensions.parquet", "metadata.json")


# --- data versions of the CBS tables --------------------------------------------------------------------------

def source_key(table_id: str) -> dg.AssetKey:
    return dg.AssetKey([SOURCE_SCHEMA, table_id.upper()])


def stored_root(cbs: CbsSource) -> Path:
    """Where the raw assets will read the tables from (the same choice as CbsSource.load)."""
    if cbs.mode == "snapshot":
        return Path(cbs.snapshot_dir) if cbs.snapshot_dir else settings.SNAPSHOT_DIR
    return settings.paths().live_raw


def stored_version(root: Path, table_id: str) -> str | None:
    folder = table_dir(root, table_id)
    if not (folder / "metadata.json").exists():
        return None
    digest = hashlib.sha256()
    for name in RAW_FILES:
        digest.update(name.encode())
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]


@dg.multi_observable_source_asset(
    specs=[dg.AssetSpec(source_key(t.id), group_name="cbs_tables", description=f"CBS {t.id} zoals opgeslagen: "
                        "de meegeleverde momentopname of <out>/raw na live ophalen. Dataversie: hash van de bestanden.")
           for t in load_catalog()],
    can_subset=True,
    name="cbs_tables",
)
def cbs_tables(context, cbs: CbsSource):
    root = stored_root(cbs)
    for key in context.selected_asset_keys:
        version = stored_version(root, key.path[-1])
        if version is not None:
            yield dg.ObserveResult(asset_key=key, data_version=dg.DataVersion(version))


def changed_tables(instance: dg.DagsterInstance, cbs: CbsSource) -> dict[dg.AssetKey, str]:
    """The stored CBS tables whose data version differs from the one last observed (or that were never
    observed), with their new data version."""
    root, changed = stored_root(cbs), {}
    for table in load_catalog():
        key = source_key(table.id)
        version = stored_version(root, table.id)
        record = instance.get_latest_data_version_record(key, is_source=True)
        observed = record.asset_observation.data_version if record and record.asset_observation else None
        if version is not None and version != observed:
            changed[key] = version
    return changed


def observe(instance: dg.DagsterInstance, cbs_config: dict) -> list[dg.AssetKey]:
    """Record the new data version of every changed CBS table, as observations of cbs/<ID> reported to the
    instance (what a run of the observable source asset cbs_tables would record, without the 2-3 s of a run)."""
    changed = changed_tables(instance, CbsSource(**cbs_config))
    for key, version in changed.items():
        instance.report_runless_asset_event(dg.AssetObservation(key, tags={DATA_VERSION_TAG: version}))
    return list(changed)


# --- code versions ------------------------------------------------------------------------------------------

@cache
def _module_file(module: str) -> Path | None:
    """The source file of a kindbelang module, found without importing it (None: not a module, e.g. a class)."""
    base = PACKAGE_DIR.joinpath(*module.split(".")[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@cache
def _imports(module: str) -> tuple[str, ...]:
    """The kindbelang modules (or names in them) that ``module`` imports, lazy imports in functions included."""
    path = _module_file(module)
    if path is None:
        return ()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            if base.split(".")[0] == PACKAGE:
                found.append(base)
                found.extend(f"{base}.{a.name}" for a in node.names)  # `from kindbelang import settings`
    return tuple(found)


@cache
def import_closure(module: str) -> frozenset[str]:
    """``module`` and every kindbelang module it imports, directly or not."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name not in seen and _module_file(name) is not None:
            seen.add(name)
            todo.extend(_imports(name))
    return frozenset(seen)


def _files(paths) -> list[Path]:
    files = []
    for p in paths:
        path = settings.PROJECT_ROOT / p if not Path(p).is_absolute() else Path(p)
        files.extend(sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path] if path.exists() else [])
    return files


def _digest(parts: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, content in sorted(parts):
        digest.update(name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()[:16]


def _relative(path: Path) -> str:
    return str(path.resolve().relative_to(settings.PROJECT_ROOT))


def python_files(module: str, with_data: bool) -> list[Path]:
    modules = import_closure(module)
    files = [_module_file(m) for m in modules]
    if with_data:
        files += _files(f for m in modules for prefix, data in settings.DATA_FILES.items()
                        if m == prefix or m.startswith(prefix + ".") for f in data)
    return sorted(set(files))


def code_version_of(files: list[Path], extra: dict[str, bytes] | None = None) -> str:
    return _digest([(_relative(f), _file_bytes(f)) for f in files] + list((extra or {}).items()))


@cache
def _column_docs(docs_file: Path) -> dict:
    return settings.read_yaml(docs_file) or {} if docs_file.exists() else {}


@cache
def _file_bytes(path: Path) -> bytes:
    return path.read_bytes()


def sql_model_version(sql_file: Path) -> str:
    schema, name = sql_file.parent.name, sql_file.stem
    docs = _column_docs(sql_file.parent / "columns.yaml").get(name)
    macros = settings.SQL_DIR / "macros.sql"
    return code_version_of(
        [sql_file, macros, *python_files("kindbelang.assets.sql_models", with_data=False)],
        {f"columns.yaml:{schema}.{name}": yaml.safe_dump(docs, sort_keys=True, allow_unicode=True).encode()})


def _defining_module(assets_def: dg.AssetsDefinition) -> str:
    return assets_def.op.compute_fn.decorated_fn.__module__


def with_code_versions(assets_def: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The same asset definition, each spec with the code version described in this module's docstring, and each
    raw asset depending on its stored CBS table."""
    if not isinstance(assets_def, dg.AssetsDefinition) or not assets_def.is_executable or assets_def.is_observable:
        return assets_def
    module = _defining_module(assets_def)

    def version(spec: dg.AssetSpec) -> dg.AssetSpec:
        sql_file = spec.metadata.get("sql_file")
        if sql_file is not None:
            code = sql_model_version(settings.PROJECT_ROOT / str(getattr(sql_file, "value", sql_file)))
            return spec.replace_attributes(code_version=code)
        if spec.key.path[0] == "raw" and "cbs_table" in spec.tags:
            code = code_version_of(python_files(module, with_data=False))
            return spec.replace_attributes(code_version=code, deps=[*spec.deps, source_key(spec.tags["cbs_table"])])
        return spec.replace_attributes(code_version=code_version_of(python_files(module, with_data=True)))

    return assets_def.map_asset_specs(version)


# --- what a run must redo ---------------------------------------------------------------------------------------

@dataclass
class Plan:
    """The assets (and their checks) a run materialises, each with the reason it must be redone."""

    assets: set[dg.AssetKey] = field(default_factory=set)
    checks: set[dg.AssetCheckKey] = field(default_factory=set)
    reasons: dict[dg.AssetKey, str] = field(default_factory=dict)  # the assets redone for their own sake (Dutch)

    @property
    def empty(self) -> bool:
        return not self.assets and not self.checks


def materialisable(graph) -> set[dg.AssetKey]:
    return {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}


def downstream(graph, keys: set[dg.AssetKey]) -> set[dg.AssetKey]:
    return set(dg.AssetSelection.assets(*keys).downstream().resolve(graph)) & materialisable(graph) if keys else set()


def checks_for(graph, assets: set[dg.AssetKey]) -> set[dg.AssetCheckKey]:
    return {c for c in graph.asset_check_keys if c.asset_key in assets}


def full_plan(graph) -> Plan:
    assets = materialisable(graph)
    return Plan(assets, checks_for(graph, assets), {k: "volledige run (--full)" for k in assets})


def plan(graph, instance: dg.DagsterInstance, suite_versions: dict[dg.AssetCheckKey, str],
         check_reads: dict[dg.AssetCheckKey, set[dg.AssetKey]], unfinished: dict[dg.AssetKey, str] | None = None
         ) -> Plan:
    """See the module docstring. ``suite_versions``: the current version of each GX check's suite;
    ``check_reads``: the assets each check reads besides its own; ``unfinished``: assets to redo for a reason
    Dagster cannot see (a release whose site a killed run did not finish: same data version, yet unpublished)."""
    from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus

    keys = materialisable(graph)
    # Dagster's own staleness ("Unsynced" in the UI); its resolver is internal API, used as the daemon uses it for
    # RunRequest(stale_assets_only=True).
    loading = _LoadingContext(instance)
    _prefetch_asset_records(loading, [*keys, *(k for k in graph.get_all_asset_keys() if k not in keys)])
    resolver = CachingStaleStatusResolver(instance, graph, loading)
    reasons: dict[dg.AssetKey, str] = {}
    for key in sorted(keys):
        status = resolver.get_status(key)
        if status == StaleStatus.MISSING:
            reasons[key] = "nog niet eerder gemaakt"
        elif status == StaleStatus.STALE:
            reasons[key] = _reason(resolver.get_stale_root_causes(key))

    latest = {r.asset_entry.asset_key: r.asset_entry.last_materialization_record.storage_id
              for r in instance.get_asset_records(list(keys)) if r.asset_entry.last_materialization_record}
    check_keys = sorted(graph.asset_check_keys, key=lambda c: c.to_user_string())
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(check_keys)
    for check in check_keys:
        if check.asset_key in reasons or check.asset_key not in keys or latest.get(check.asset_key) is None:
            continue
        reason = _check_reason(records.get(check), latest[check.asset_key], suite_versions.get(check))
        if reason:
            reasons[check.asset_key] = f"controle {check.name}: {reason}"

    reasons.update(unfinished or {})
    assets = downstream(graph, set(reasons))
    while True:  # a check reruns when an asset it reads is redone, and takes its asset along
        readers = {c.asset_key for c, reads in check_reads.items() if reads & assets and c.asset_key not in assets}
        if not readers:
            break
        for key in readers:
            reasons.setdefault(key, "controle leest een tabel die opnieuw gemaakt wordt")
        assets |= downstream(graph, readers)
    return Plan(assets, checks_for(graph, assets), reasons)


def _reason(causes) -> str:
    from dagster._core.definitions.data_version import StaleCauseCategory

    for cause in causes:
        if cause.category == StaleCauseCategory.CODE:
            return "code gewijzigd"
    for cause in causes:
        if cause.category == StaleCauseCategory.DATA:
            return f"invoer gewijzigd ({cause.key.asset_key.to_user_string()})"
    return "afhankelijkheden gewijzigd"


def _check_reason(record, latest_storage_id: int, suite_version: str | None) -> str | None:
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

    if record is None or record.event is None or record.event.dagster_event is None:
        return "nog niet uitgevoerd"
    if record.status not in (AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED):
        return "niet afgerond"  # planned in a run that stopped before it
    evaluation = record.event.dagster_event.event_specific_data  # AssetCheckEvaluation
    if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
        return "faalde de vorige keer"
    target = evaluation.target_materialization_data
    if target is not None and target.storage_id != latest_storage_id:
        return "nog niet uitgevoerd op de laatste versie"
    version = evaluation.metadata.get("kindbelang/suite_version")
    if suite_version is not None and (version is None or version.value != suite_version):
        return "suite gewijzigd"
    return None


def _prefetch_asset_records(loading, keys) -> None:
    """One query for every asset record, instead of one per asset as the resolver asks for them."""
    from dagster._core.storage.event_log.base import AssetRecord

    AssetRecord.blocking_get_many(loading, keys)


def _loading_context_class():
    from dagster._core.loader import LoadingContext

    class Loading(LoadingContext):
        """The minimal loading context the stale resolver needs outside the webserver."""

        def __init__(self, instance):
            self._instance, self._loaders = instance, {}

        @property
        def instance(self):
            return self._instance

        @property
        def loaders(self):
            return self._loaders

    return Loading


def _LoadingContext(instance):  # noqa: N802 - a constructor
    return _loading_context_class()(instance)
