-- Youth-care use per region and period on the period's own boundaries, long format: one row per region,
-- period, form of care and CBS column, with the column's unit and denominator, the period's release
-- status and the source table. A gemeente appears only in periods in which it existed (CBS lists every
-- gemeente of the whole series in every period, empty where it did not exist); suppressed cells stay NULL.
WITH cells AS (
    SELECT source_table, NULL AS care_form, region_code, period_key, column_key, value
    FROM staging.youth_care_indicators
    UNION ALL
    SELECT source_table, care_form, region_code, period_key, column_key, value
    FROM staging.youth_care_counts
)
SELECT
    c.source_table,
    c.region_code,
    region_level(c.region_code) AS region_level,
    c.period_key,
    p.year,
    p.period_type,
    p.period_number,
    p.period_start,
    p.period_end,
    c.care_form,
    c.column_key,
    col.column_title,
    col.unit,
    col.denominator,
    c.value,
    p.status,
    t.modified AS source_modified
FROM cells AS c
JOIN staging.cbs_periods AS p ON p.table_id = c.source_table AND p.period_key = c.period_key
JOIN staging.cbs_columns AS col ON col.table_id = c.source_table AND col.column_key = c.column_key
JOIN raw.cbs_tables AS t ON t.table_id = c.source_table
WHERE region_level(c.region_code) IS NOT NULL
  AND (region_level(c.region_code) <> 'gemeente' OR EXISTS (
        SELECT 1 FROM staging.gemeente_memberships AS m
        WHERE m.boundary_year = p.year AND m.gemeente_code = c.region_code))
