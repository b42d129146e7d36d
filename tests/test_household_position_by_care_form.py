"""Household position by form of youth care on real data: CBS 82965NED (NL, landsdeel, provincie, jeugdregio,
2015-2017).

Expected cells are copied by hand from the source export (cbs-candidates/dertje__cbs_datasets/jeugdzorg/
82965NED.csv, ';'-separated; the source row is quoted in a comment, topics in CSV order _1, _2, ... _27), so a
mistake in the importer or in SQL cannot hide behind itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot"
MART = "marts.household_position_by_care_form"


def row(warehouse, region_code, period_key, care_form):
    cursor = warehouse.execute(
        f"SELECT * FROM {MART} WHERE region_code = ? AND period_key = ? AND care_form = ?",
        [region_code, period_key, care_form])
    names = [d[0] for d in cursor.description]
    found = cursor.fetchall()
    assert len(found) == 1, (region_code, period_key, care_form, found)
    return dict(zip(names, found[0]))


# Source rows (first 16 of the 27 topics shown, then _22):
#   3;Totaal;Nederland;2015;365900;332645.0;...;40505.0 (_9);...;41950.0 (_16);...;11150.0 (_22)
#   6493;Positie: kind in eenouderhuishouden;Nederland;2015;96850;83600.0;...;14045.0 (_9);...;17445.0 (_16);
#        ...;4655.0 (_22)
#   9;Totaal;Nederland;2017;412265;379790.0;...;46185.0 (_9);...;39455.0 (_16);...;10135.0 (_22)
#   6499;Positie: kind in eenouderhuishouden;Nederland;2017;114610;104045.0;...;10685.0 (_9);...;15100.0 (_16);
#        ...;4325.0 (_22)
#   469;Totaal;Rivierenland (JZ);2017;6100;5750.0;5320.0;140.0;150.0;30.0;;110.0;440.0;105.0;140.0;80.0;;;110.0;
#        430.0;...
#   6959;Positie: kind in eenouderhuishouden;Rivierenland (JZ);2017;1125;1020.0;880.0;20.0;75.0;10.0;;30.0;85.0;
#        20.0;20.0;15.0;;;30.0;165.0;...
@pytest.mark.parametrize("region_code, period_key, care_form, total, one_parent", [
    ("NL01", "2015JJ00", "alle jeugdzorg in natura", 365900, 96850),     # _1
    ("NL01", "2015JJ00", "jeugdbescherming", 41950, 17445),              # _16
    ("NL01", "2015JJ00", "jeugdhulp met verblijf", 40505, 14045),        # _9
    ("NL01", "2017JJ00", "alle jeugdzorg in natura", 412265, 114610),    # _1
    ("NL01", "2017JJ00", "jeugdhulp zonder verblijf", 379790, 104045),   # _2
    ("NL01", "2017JJ00", "jeugdhulp met verblijf", 46185, 10685),        # _9
    ("NL01", "2017JJ00", "jeugdbescherming", 39455, 15100),              # _16
    ("NL01", "2017JJ00", "jeugdreclassering", 10135, 4325),              # _22
    ("JZ30", "2017JJ00", "jeugdhulp met verblijf", 440, 85),             # Rivierenland, _9
    ("JZ30", "2017JJ00", "jeugdbescherming", 430, 165),                  # Rivierenland, _16
])
def test_cells_equal_the_source(warehouse, region_code, period_key, care_form, total, one_parent):
    r = row(warehouse, region_code, period_key, care_form)
    assert (r["youth_with_care_form"], r["one_parent"]) == (total, one_parent)


def test_jeugdbescherming_share_is_one_parent_over_youth_with_jeugdbescherming(warehouse):
    r = row(warehouse, "NL01", "2015JJ00", "jeugdbescherming")
    assert r["one_parent_share"] == pytest.approx(17445 / 41950 * 100)       # 41.6
    assert r["all_youth_care_share"] == pytest.approx(96850 / 365900 * 100)  # 26.5
    r = row(warehouse, "NL01", "2017JJ00", "jeugdbescherming")
    assert r["one_parent_share"] == pytest.approx(15100 / 39455 * 100)       # 38.3
    assert r["all_youth_care_share"] == pytest.approx(114610 / 412265 * 100)  # 27.8
    assert r["ratio_to_all_youth_care"] == pytest.approx((15100 / 39455) / (114610 / 412265))  # 1.38
    assert r["one_parent_share_low"] < r["one_parent_share"] < r["one_parent_share_high"]
    # Nationally the whole interval lies far above the share among all youth with youth care.
    assert r["one_parent_share_low"] > r["all_youth_care_share"]
    assert not r["small_numbers"] and r["region_level"] == "land" and r["year"] == 2017
    assert r["period_type"] == "jaar" and r["period_number"] is None
    assert r["source_table"] == "82965NED" and r["status"] == "onbekend" and r["source_modified"] is None


def test_jeugdbescherming_and_jeugdreclassering_go_with_one_parent_households_everywhere(warehouse):
    # Every region and year: jeugdbescherming above all youth care; jeugdreclassering nationally too.
    below = warehouse.execute(f"""
        SELECT count(*) FROM {MART}
        WHERE care_form = 'jeugdbescherming' AND period_type = 'jaar' AND ratio_to_all_youth_care <= 1
    """).fetchone()[0]
    assert below == 0
    for year in (2015, 2016, 2017):
        assert row(warehouse, "NL01", f"{year}JJ00", "jeugdreclassering")["ratio_to_all_youth_care"] > 1.5


def test_shares_lie_within_their_interval_and_ratios_follow_from_the_shares(warehouse):
    wrong = warehouse.execute(f"""
        SELECT count(*) FROM {MART}
        WHERE one_parent_share IS NOT NULL AND NOT (
                one_parent_share_low <= one_parent_share AND one_parent_share <= one_parent_share_high
            AND one_parent_share_low >= 0 AND one_parent_share_high <= 100
            AND abs(ratio_to_all_youth_care - one_parent_share / all_youth_care_share) < 1e-9)
    """).fetchone()[0]
    assert wrong == 0
    # The comparison share is the 'alle jeugdzorg in natura' row of the same region and period, whose ratio is 1.
    wrong = warehouse.execute(f"""
        SELECT count(*) FROM {MART} AS m
        JOIN {MART} AS a ON a.region_code = m.region_code AND a.period_key = m.period_key
                        AND a.care_form = 'alle jeugdzorg in natura'
        WHERE m.all_youth_care_share IS DISTINCT FROM a.one_parent_share OR a.ratio_to_all_youth_care <> 1
    """).fetchone()[0]
    assert wrong == 0


def test_small_numbers_flag_fewer_than_50(warehouse):
    wrong = warehouse.execute(f"""
        SELECT count(*) FROM {MART} WHERE small_numbers IS DISTINCT FROM (youth_with_care_form < 50)
    """).fetchone()[0]
    assert wrong == 0


def test_every_region_and_period_and_form_is_present(warehouse):
    levels = dict(warehouse.execute(
        f"SELECT region_level, count(DISTINCT region_code) FROM {MART} GROUP BY ALL").fetchall())
    assert levels == {"land": 1, "landsdeel": 4, "provincie": 12, "jeugdregio": 42}
    codes = {c for (c,) in warehouse.execute(f"SELECT DISTINCT region_code FROM {MART}").fetchall()}
    assert {"NL01", "LD01", "LD02", "LD03", "LD04"} <= codes
    assert {f"PV{n}" for n in range(20, 32)} <= codes
    # The jeugdregio's are exactly those of the Gebieden in Nederland tables of 2015-2017 (JZ40 does not exist).
    jeugdregios = {c for (c,) in warehouse.execute(
        "SELECT DISTINCT jeugdregio_code FROM marts.region_memberships WHERE boundary_year BETWEEN 2015 AND 2017"
    ).fetchall()}
    assert {c for c in codes if c.startswith("JZ")} == jeugdregios
    periods = [p for (p,) in warehouse.execute(f"SELECT DISTINCT period_key FROM {MART} ORDER BY 1").fetchall()]
    assert periods == ["2015HJ01", "2015HJ02", "2015JJ00", "2015KW01", "2016HJ01", "2016HJ02", "2016JJ00",
                       "2017HJ01", "2017HJ02", "2017JJ00"]
    # One row per region, period and form: 59 x 10 x 5.
    assert warehouse.execute(f"SELECT count(*), count(DISTINCT (region_code, period_key, care_form)) FROM {MART}"
                             ).fetchone() == (2950, 2950)
    names = dict(warehouse.execute(
        f"SELECT DISTINCT region_code, region_name FROM {MART} WHERE region_code IN ('NL01', 'JZ02')").fetchall())
    assert names == {"NL01": "Nederland", "JZ02": "Friesland (Fryslân) (JZ)"}


def test_suppressed_cells_give_null_shares(warehouse):
    # 587;Totaal;Midden-Limburg West (JZ);1e halfjaar 2017;2315;...;25.0 (_22)
    # 7077;Positie: kind in eenouderhuishouden;Midden-Limburg West (JZ);1e halfjaar 2017;625;...;(_22 empty)
    r = row(warehouse, "JZ43", "2017HJ01", "jeugdreclassering")
    assert r["youth_with_care_form"] == 25 and r["one_parent"] is None
    assert (r["one_parent_share"], r["one_parent_share_low"], r["one_parent_share_high"],
            r["ratio_to_all_youth_care"]) == (None, None, None, None)
    assert r["small_numbers"] is True
    assert r["all_youth_care_share"] == pytest.approx(27.0, abs=0.05)   # the region's own share is published
    wrong = warehouse.execute(f"""
        SELECT count(*) FROM {MART}
        WHERE (one_parent IS NULL OR youth_with_care_form IS NULL) AND one_parent_share IS NOT NULL
    """).fetchone()[0]
    assert wrong == 0
    # Never imputed: every suppressed cell of the mart is suppressed in the staging model too.
    nulls = warehouse.execute(f"SELECT count(*) FROM {MART} WHERE one_parent IS NULL").fetchone()[0]
    assert nulls == warehouse.execute("""
        SELECT count(*) FROM staging.household_position_by_care_form
        WHERE household_position = 'one_parent' AND youth_count IS NULL
    """).fetchone()[0] == 2


def test_positions_add_up_to_the_total_within_cbs_rounding(warehouse):
    cells = warehouse.execute("""
        PIVOT (SELECT region_code, period_key, care_form, household_position, youth_count
               FROM staging.household_position_by_care_form)
        ON household_position USING max(youth_count)
    """).df()
    complete = cells.dropna(subset=["one_parent", "couple", "other", "total"])
    assert len(complete) > 2900
    assert (complete.one_parent + complete.couple + complete.other - complete.total).abs().max() <= 10


def test_all_youth_care_agrees_with_the_wijken_tables(warehouse):
    # Two CBS tables, one count: Nederland in 82965NED equals Nederland in the yearly wijken tables.
    differ = warehouse.execute(f"""
        SELECT m.period_key FROM {MART} AS m
        JOIN marts.household_position AS h ON h.region_code = m.region_code AND h.period_key = m.period_key
        WHERE m.region_code = 'NL01' AND m.care_form = 'alle jeugdzorg in natura'
          AND (m.youth_with_care_form <> h.youth_with_youth_care OR m.one_parent <> h.one_parent)
    """).fetchall()
    assert differ == []


def test_series_break_between_2015_and_2016_is_visible_and_named(warehouse):
    # 7673;Positie: overig lid;Nederland;2015;25510;...;13830.0 (_9);...;11870.0 (_16)
    # 7676;Positie: overig lid;Nederland;2016;35595;...;23000.0 (_9);...;17800.0 (_16)
    other = dict(warehouse.execute("""
        SELECT period_key, youth_count FROM staging.household_position_by_care_form
        WHERE region_code = 'NL01' AND care_form = 'jeugdhulp met verblijf' AND household_position = 'other'
          AND period_key IN ('2015JJ00', '2016JJ00')
    """).fetchall())
    assert other == {"2015JJ00": 13830, "2016JJ00": 23000}
    assert row(warehouse, "NL01", "2015JJ00", "jeugdhulp met verblijf")["ratio_to_all_youth_care"] > 1.2
    assert row(warehouse, "NL01", "2016JJ00", "jeugdhulp met verblijf")["ratio_to_all_youth_care"] < 0.9
    caveat = row(warehouse, "NL01", "2016JJ00", "jeugdbescherming")["caveat"]
    assert "Trendbreuk" in caveat and "2015" in caveat


def test_caveat_says_association_not_effect(warehouse):
    caveats = {c for (c,) in warehouse.execute(f"SELECT DISTINCT caveat FROM {MART}").fetchall()}
    assert len(caveats) == 1
    caveat = caveats.pop()
    assert "Samenhang" in caveat and "geen effect" in caveat


def test_snapshot_metadata_records_a_complete_table():
    meta = json.loads((SNAPSHOT / "82965NED" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["truncation"]["truncated"] is False and meta["source"]["source_rows"] == 8260
    assert meta["source"]["shared_file"] == "cbs-candidates/dertje__cbs_datasets/jeugdzorg/82965NED.csv"
    assert meta["coverage"]["regions_by_prefix"] == {"NL": 140, "LD": 560, "PV": 1680, "JZ": 5880}
    props = {p["Key"]: p for p in meta["data_properties"]}
    assert props["TotaalJeugdbescherming_16"]["Unit"] == "aantal"
    assert props["TotaalJeugdbescherming_16"]["Title"] == "Totaal jeugdbescherming"
