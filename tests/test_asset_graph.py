"""The asset graph is exact and one-way: a CBS table reruns only what reads it, and no layer reads a later one."""

from __future__ import annotations

import itertools
import re

import dagster as dg
import pytest

from kindbelang.assets.sql_models import SqlModel, discover_models, referenced_assets
from kindbelang.definitions import defs
from kindbelang.settings import SQL_DIR

# cbs/<ID> is the stored CBS table (its files) that raw/cbs_<id> loads (kindbelang.versions).
LAYERS = ("cbs", "raw", "staging", "intermediate", "marts", "publication", "site")
MODEL_LAYERS = ("raw", "staging", "intermediate", "marts")
GRAPH = defs.resolve_asset_graph()
KEYS = set(GRAPH.get_all_asset_keys())
CBS_TABLES = {k for k in KEYS if k.path[0] == "raw" and k.path[1].startswith("cbs_")}
# One CBS table per role in the pipeline; no two of them feed the same model.
UNRELATED = {
    "60060NED": "kinderen bij echtscheiding (national, a parental domain)",
    "85098NED": "youth-care indicators per gemeente",
    "84134NED": "youth-care counts per form of care",
    "82964NED": "household position per wijk, 2015",
    "82965NED": "household position by form of care",
    "70739NED": "every gemeente since 1830 (herindelingen)",
    "85755NED": "Gebieden in Nederland 2024 (memberships)",
    "85383NED": "Maatstaven gemeentefonds 2023 (populations)",
}


def cbs(table_id: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", f"cbs_{table_id.lower()}"])


def downstream(key: dg.AssetKey) -> set[str]:
    seen: set[dg.AssetKey] = set()
    todo = [key]
    while todo:
        for child in GRAPH.get(todo.pop()).child_keys:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return {k.to_user_string() for k in seen}


def layer(key: dg.AssetKey) -> int:
    return LAYERS.index(key.path[0])


def test_every_asset_sits_in_a_layer():
    assert {k.to_user_string() for k in KEYS if k.path[0] not in LAYERS} == set()


def test_no_layer_reads_a_later_one():
    backwards = sorted(f"{child.to_user_string()} reads {parent.to_user_string()}"
                       for child in KEYS for parent in GRAPH.get(child).parent_keys if layer(parent) > layer(child))
    assert backwards == []


def test_the_publication_exports_exactly_the_marts():
    assert GRAPH.get(dg.AssetKey(["publication"])).parent_keys == {k for k in KEYS if k.path[0] == "marts"}


def test_no_asset_reads_every_cbs_table():
    readers = {k.to_user_string(): len(GRAPH.get(k).parent_keys & CBS_TABLES) for k in KEYS}
    assert {k for k, n in readers.items() if n == len(CBS_TABLES)} == set()


def test_unrelated_cbs_tables_do_not_share_their_downstream():
    assert {cbs(t) for t in UNRELATED} <= CBS_TABLES
    for a, b in itertools.combinations(UNRELATED, 2):
        assert downstream(cbs(a)) != downstream(cbs(b)), f"{a} ({UNRELATED[a]}) and {b} ({UNRELATED[b]})"


def test_a_new_release_reruns_only_what_reads_the_table():
    # 82965NED feeds one staging model and its mart, nothing else.
    assert downstream(cbs("82965NED")) == {"staging/household_position_by_care_form",
                                           "marts/household_position_by_care_form", "publication", "site"}
    # 60060NED (a national parental figure) reaches the indicator parts, never the youth-care cells or regions.
    youth_care_and_regions = {"staging/youth_care_indicators", "staging/youth_care_counts", "marts/youth_care_use",
                              "staging/household_position", "staging/household_position_by_care_form",
                              "staging/gemeente_history", "staging/gemeente_memberships",
                              "intermediate/boundary_crosswalk", "intermediate/populations", "marts/regions"}
    assert "intermediate/indicator_parts" in downstream(cbs("60060NED"))
    assert downstream(cbs("60060NED")) & youth_care_and_regions == set()
    # 85098NED reruns its own youth-care cells, not the other youth-care series.
    assert {"staging/youth_care_indicators", "marts/youth_care_use"} <= downstream(cbs("85098NED"))
    assert downstream(cbs("85098NED")) & {"staging/youth_care_counts", "staging/household_position"} == set()


def test_a_model_may_not_read_the_views_over_every_cbs_table(tmp_path):
    for view in ("raw.cbs_dimensions", "raw.cbs_tables"):
        path = tmp_path / "reads_all.sql"
        path.write_text(f"SELECT * FROM {view}\n", encoding="utf-8")
        with pytest.raises(ValueError, match="every CBS table"):
            SqlModel("staging", "reads_all", path).dependencies()


def test_per_table_metadata_belongs_to_its_raw_asset(tmp_path):
    path = tmp_path / "periods.sql"
    path.write_text("SELECT * FROM cbs_periods('raw.cbs_85098ned_dimensions') "
                    "CROSS JOIN raw.cbs_85098ned_metadata\n", encoding="utf-8")
    assert SqlModel("staging", "periods", path).dependencies() == [cbs("85098NED")]


def test_models_built_in_python_are_named_in_sql_readme():
    readme = (SQL_DIR / "README.md").read_text(encoding="utf-8")
    sql_models = {(m.schema, m.name) for m in discover_models()}
    python_models = {k for k in KEYS if k.path[0] in MODEL_LAYERS and k not in CBS_TABLES
                     and tuple(k.path) not in sql_models}
    unnamed = {".".join(k.path) for k in python_models if not re.search(rf"`{re.escape('.'.join(k.path))}`", readme)}
    assert unnamed == set()


@pytest.mark.parametrize("key", [dg.AssetKey(["intermediate", "populations"]),
                                 dg.AssetKey(["intermediate", "indicator_parts"])])
def test_generated_sql_reads_exactly_the_declared_inputs(pipeline_run, key):
    """The SQL generated from indicators.yaml (stored in the run's metadata) names the asset's deps, no more."""
    _, result = pipeline_run
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    sql = event.materialization.metadata["sql"].value.removeprefix("```sql\n").removesuffix("\n```")
    assert set(referenced_assets(sql, ".".join(key.path))) == set(GRAPH.get(key).parent_keys)


def test_every_step_of_a_run_has_a_readable_progress_label():
    """`kindbelang run` prints one line per step: no hashed Dagster step names."""
    from kindbelang.cli import step_label

    labels = [step_label(node) for node in defs.resolve_job_def("monitor").graph.node_dict]
    assert "controle kolomschema's (Dagster, alle tabellen)" in labels
    assert not [label for label in labels if re.search(r"[0-9a-f]{8}", label)]
