"""marts.release_changes: what a release changes against the publication readers saw (assets/release_changes.py).

The frames in test_compare are SYNTHETIC (made up here to cover each kind of change), not CBS figures; the first
release of the session's pipeline run is the real case with nothing to compare with."""

from __future__ import annotations

import polars as pl

from kindbelang.assets.release_changes import compare


def figures(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"indicator_id": pl.String, "region_code": pl.String, "period": pl.String,
                                      "source_table": pl.String, "value": pl.Float64, "status": pl.String},
                        orient="row")


def test_compare():
    before = figures([
        ("a", "GM0363", "2022JJ00", "T1", 1.0, "voorlopig"),  # status revised
        ("a", "GM0599", "2022JJ00", "T1", 2.0, "definitief"),  # value revised
        ("a", "GM0014", "2022JJ00", "T1", None, "definitief"),  # suppressed, stays suppressed: no change
        ("a", "GM0034", "2022JJ00", "T1", None, "definitief"),  # suppressed, now published: revised
        ("a", "GM0050", "2022JJ00", "T1", 5.0, "definitief"),  # gone
    ])
    now = figures([
        ("a", "GM0363", "2022JJ00", "T1", 1.0, "definitief"),
        ("a", "GM0599", "2022JJ00", "T1", 2.5, "definitief"),
        ("a", "GM0014", "2022JJ00", "T1", None, "definitief"),
        ("a", "GM0034", "2022JJ00", "T1", 4.0, "definitief"),
        ("a", "GM0363", "2023JJ00", "T1", 1.5, "voorlopig"),  # a new period of T1
        ("a", "GM0599", "2023JJ00", "T1", 2.1, "voorlopig"),
    ])
    changes = compare(now, before)
    by_kind = {kind: frame for (kind,), frame in changes.group_by("change")}
    assert by_kind["nieuwe periode"].select("source_table", "period", "indicator_id").rows() == [
        ("T1", "2023JJ00", None)]
    revised = by_kind["herzien"].select("region_code", "value_previous", "value", "status_previous", "status")
    assert sorted(revised.rows()) == [("GM0034", None, 4.0, "definitief", "definitief"),
                                      ("GM0363", 1.0, 1.0, "voorlopig", "definitief"),
                                      ("GM0599", 2.0, 2.5, "definitief", "definitief")]
    assert by_kind["vervallen"].select("region_code", "value_previous", "value").rows() == [("GM0050", 5.0, None)]
    assert compare(now, now).is_empty()


def test_the_first_release_has_nothing_to_compare_with(warehouse):
    assert warehouse.execute("SELECT previous_release, revised, gone FROM marts.release_comparison").fetchall() == [
        (None, 0, 0)]
    assert warehouse.execute("SELECT count(*) FROM marts.release_changes").fetchone() == (0,)
    figures_now = warehouse.execute("SELECT figures FROM marts.release_comparison").fetchone()[0]
    assert figures_now == warehouse.execute(
        "SELECT count(*) FROM marts.indicator_values WHERE boundary_year IS NULL").fetchone()[0]
