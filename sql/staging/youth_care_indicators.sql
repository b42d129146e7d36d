-- Youth-care indicators per region and period (82972NED for 2015-2020, its successor 85098NED from 2021),
-- one row per cell, with the period (parsed key, CBS release status) and the column's title, unit and
-- denominator from the table's own metadata. The five columns are percentages with different denominators.
-- Suppressed cells stay NULL (INCLUDE NULLS), they are never zero.
WITH cells AS (
    SELECT '82972NED' AS source_table, normalise_region_code(RegioS) AS region_code, trim(Perioden) AS period_key,
           column_key, value
    FROM raw.cbs_82972ned
    UNPIVOT INCLUDE NULLS (value FOR column_key IN (COLUMNS(* EXCLUDE (ID, RegioS, Perioden))))
    UNION ALL
    SELECT '85098NED', normalise_region_code(RegioS), trim(Perioden), column_key, value
    FROM raw.cbs_85098ned
    UNPIVOT INCLUDE NULLS (value FOR column_key IN (COLUMNS(* EXCLUDE (ID, RegioS, Perioden))))
),
dimensions AS (
    SELECT * FROM raw.cbs_82972ned_dimensions UNION ALL SELECT * FROM raw.cbs_85098ned_dimensions
),
metadata AS (
    SELECT * FROM raw.cbs_82972ned_metadata UNION ALL SELECT * FROM raw.cbs_85098ned_metadata
)
SELECT
    c.source_table, c.region_code, c.period_key,
    p.year, p.period_type, p.period_number, p.period_start, p.period_end, p.status,
    c.column_key, col.column_title, col.unit, col.denominator,
    c.value,
    t.modified AS source_modified
FROM cells AS c
JOIN cbs_periods('dimensions') AS p ON p.table_id = c.source_table AND p.period_key = c.period_key
JOIN cbs_columns('metadata') AS col ON col.table_id = c.source_table AND col.column_key = c.column_key
JOIN metadata AS t ON t.table_id = c.source_table
