-- The published values: one row per indicator, region and period, read from the CBS cells that the
-- indicator registry (marts.indicators.sources) names. boundary_year is NULL for values on the period's
-- own boundaries. status is CBS's release status of the period (onbekend for the embedded snapshot).
WITH sources AS (
    SELECT indicator_id, unit, unnest(sources, recursive := true)
    FROM marts.indicators
    WHERE status <> 'gap'
)
SELECT
    s.indicator_id,
    u.region_code,
    u.region_level,
    u.period_key AS period,
    u.year,
    u.period_type,
    u.period_number,
    u.value,
    s.unit,
    u.status,
    u.source_table,
    u.source_modified,
    CAST(NULL AS INTEGER) AS boundary_year
FROM sources AS s
JOIN marts.youth_care_use AS u
    ON u.source_table = s."table"
   AND u.column_key = s."column"
   AND (s.care_form IS NULL OR u.care_form = s.care_form)
