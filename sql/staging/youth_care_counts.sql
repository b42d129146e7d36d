-- Numbers of young people with youth care per form of care, region and period (84134NED for 2015-2020,
-- its successor 85099NED from 2021), one row per cell. care_form is the CBS title of the
-- VormenVanJeugdzorg category. Counts are rounded by CBS to multiples of 5; suppressed cells stay NULL.
WITH cells AS (
    SELECT '84134NED' AS source_table, VormenVanJeugdzorg AS care_form_key, RegioS, Perioden, column_key, value
    FROM raw.cbs_84134ned
    UNPIVOT INCLUDE NULLS (value FOR column_key IN (COLUMNS(* EXCLUDE (ID, VormenVanJeugdzorg, RegioS, Perioden))))
    UNION ALL
    SELECT '85099NED', VormenVanJeugdzorg, RegioS, Perioden, column_key, value
    FROM raw.cbs_85099ned
    UNPIVOT INCLUDE NULLS (value FOR column_key IN (COLUMNS(* EXCLUDE (ID, VormenVanJeugdzorg, RegioS, Perioden))))
)
SELECT
    c.source_table,
    trim(d.title) AS care_form,
    normalise_region_code(c.RegioS) AS region_code,
    trim(c.Perioden) AS period_key,
    c.column_key,
    CAST(c.value AS DOUBLE) AS value
FROM cells AS c
JOIN raw.cbs_dimensions AS d
    ON d.table_id = c.source_table AND d.dimension = 'VormenVanJeugdzorg' AND d.key = c.care_form_key
