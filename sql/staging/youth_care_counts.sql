-- Numbers of young people with youth care per form of care, region and period (84134NED for 2015-2020,
-- its successor 85099NED from 2021), one row per cell, with the period (parsed key, CBS release status) and the
-- column's title, unit and denominator from the table's own metadata. care_form is the CBS title of the
-- VormenVanJeugdzorg category. Counts are rounded by CBS to multiples of 5; suppressed cells stay NULL.
WITH cells AS (
    SELECT '84134NED' AS source_table, VormenVanJeugdzorg AS care_form_key, RegioS, Perioden, column_key, value
    FROM raw.cbs_84134ned
    UNPIVOT INCLUDE NULLS (value FOR column_key IN (COLUMNS(* EXCLUDE (ID, VormenVanJeugdzorg, RegioS, Perioden))))
    UNION ALL
    SELECT '85099NED', VormenVanJeugdzorg, RegioS, Perioden, column_key, value
    FROM raw.cbs_85099ned
    UNPIVOT INCLUDE NULLS (value FOR column_key IN (COLUMNS(* EXCLUDE (ID, VormenVanJeugdzorg, RegioS, Perioden))))
),
dimensions AS (
    SELECT * FROM raw.cbs_84134ned_dimensions UNION ALL SELECT * FROM raw.cbs_85099ned_dimensions
),
metadata AS (
    SELECT * FROM raw.cbs_84134ned_metadata UNION ALL SELECT * FROM raw.cbs_85099ned_metadata
)
SELECT
    c.source_table,
    trim(d.title) AS care_form,
    normalise_region_code(c.RegioS) AS region_code,
    trim(c.Perioden) AS period_key,
    p.year, p.period_type, p.period_number, p.period_start, p.period_end, p.status,
    c.column_key, col.column_title, col.unit, col.denominator,
    CAST(c.value AS DOUBLE) AS value,
    t.modified AS source_modified
FROM cells AS c
JOIN dimensions AS d
    ON d.table_id = c.source_table AND d.dimension = 'VormenVanJeugdzorg' AND d.key = c.care_form_key
JOIN cbs_periods('dimensions') AS p ON p.table_id = c.source_table AND p.period_key = trim(c.Perioden)
JOIN cbs_columns('metadata') AS col ON col.table_id = c.source_table AND col.column_key = c.column_key
JOIN metadata AS t ON t.table_id = c.source_table
