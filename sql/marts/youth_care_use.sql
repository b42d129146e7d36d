-- Youth-care use per region and period on the period's own boundaries, long format: one row per region,
-- period, form of care and CBS column, with the column's unit and denominator, the period's release
-- status and the source table. A gemeente appears only in periods in which it existed (CBS lists every
-- gemeente of the whole series in every period, empty where it did not exist); suppressed cells stay NULL.
WITH cells AS (
    SELECT source_table, NULL AS care_form, region_code, period_key, year, period_type, period_number, period_start,
           period_end, column_key, column_title, unit, denominator, value, status, source_modified
    FROM staging.youth_care_indicators
    UNION ALL
    SELECT source_table, care_form, region_code, period_key, year, period_type, period_number, period_start,
           period_end, column_key, column_title, unit, denominator, value, status, source_modified
    FROM staging.youth_care_counts
)
SELECT
    c.source_table,
    c.region_code,
    region_level(c.region_code) AS region_level,
    c.period_key,
    c.year,
    c.period_type,
    c.period_number,
    c.period_start,
    c.period_end,
    c.care_form,
    c.column_key,
    c.column_title,
    c.unit,
    c.denominator,
    c.value,
    c.status,
    c.source_modified
FROM cells AS c
WHERE region_level(c.region_code) IS NOT NULL
  AND (region_level(c.region_code) <> 'gemeente' OR EXISTS (
        SELECT 1 FROM staging.gemeente_memberships AS m
        WHERE m.boundary_year = c.year AND m.gemeente_code = c.region_code))
