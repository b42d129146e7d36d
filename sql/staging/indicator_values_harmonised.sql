-- The registry's regional indicators on harmonised boundaries (boundary_year = the crosswalk's boundary year),
-- in the columns of staging.indicator_values_own_boundaries; marts.indicator_values is the union of both views.
-- Built from staging.indicator_parts_harmonised: counts of merged gemeenten summed, rates recomputed from summed
-- numerators and denominators (never averaged), splits divided by land-area share (staging.boundary_crosswalk),
-- no value where any contributing gemeente's numerator is suppressed. Gemeente, jeugdregio, provincie and
-- Nederland of the boundary year; every gemeente of the boundary year is present for every period from 2015.
WITH registry AS (
    SELECT indicator_id, unit FROM marts.indicators WHERE status <> 'gap'
)
SELECT
    h.indicator_id,
    h.region_code,
    h.region_level,
    h.period_key AS period,
    CASE WHEN h.period_type = 'jaar' THEN CAST(h.year AS VARCHAR)
         ELSE h.year || ' ' || h.period_number || 'e ' || h.period_type END AS period_label,
    h.year,
    h.period_type,
    h.period_number,
    h.value,
    h.numerator,
    h.denominator,
    h.scale,
    h.numerator_low, h.numerator_high, h.denominator_low, h.denominator_high,
    h.published_low, h.published_high, h.published_above_100,
    'omgerekend naar de indeling van ' || h.boundary_year || ': tellers en noemers opgeteld' AS derivation,
    CAST(NULL AS VARCHAR) AS denominator_source,
    CAST(NULL AS VARCHAR) AS interval_source,
    r.unit,
    h.status,
    'cbs' AS source_kind,
    h.source_table,
    'CBS' AS source_organisation,
    'Bron: CBS, ' || h.source_table || ' (bewerking kindbelang: omgerekend naar de gemeentelijke indeling van '
        || h.boundary_year || ')' AS source_label,
    CAST(NULL AS VARCHAR) AS source_note,
    CAST(NULL AS VARCHAR) AS source_url,
    CAST(NULL AS VARCHAR) AS published_wording,
    h.source_modified,
    h.boundary_year
FROM staging.indicator_parts_harmonised AS h
JOIN registry AS r USING (indicator_id)
ORDER BY h.indicator_id, h.period_key, h.region_code
