-- Youth-care indicators per region and period (82972NED for 2015-2020, its successor 85098NED from 2021),
-- one row per cell. The five columns are percentages with different denominators: see staging.cbs_columns.
-- Suppressed cells stay NULL (INCLUDE NULLS), they are never zero.
SELECT '82972NED' AS source_table, normalise_region_code(RegioS) AS region_code, trim(Perioden) AS period_key,
       column_key, value
FROM raw.cbs_82972ned
UNPIVOT INCLUDE NULLS (value FOR column_key IN (COLUMNS(* EXCLUDE (ID, RegioS, Perioden))))
UNION ALL
SELECT '85098NED', normalise_region_code(RegioS), trim(Perioden), column_key, value
FROM raw.cbs_85098ned
UNPIVOT INCLUDE NULLS (value FOR column_key IN (COLUMNS(* EXCLUDE (ID, RegioS, Perioden))))
