-- The monitor: per indicator, region (the period's own boundaries) and period type (jaar, halfjaar, ...), the
-- latest period with a value, the previous comparable value (same period type and period number one year
-- earlier: 2024 1e halfjaar against 2023 1e halfjaar; the previous year for yearly figures; for a publication
-- figure only a figure of the same publication), the change, the
-- trend over the whole available series of that period type (slope per year of a least-squares line through
-- all values, regr_slope) and a signal. The rule (README.md, "Signalen"):
--   * never for a neutral indicator, a gemeente that does not exist in the latest boundary year (dissolved in a
--     merger), or a value CBS published above 100% (published_above_100, latest or previous);
--   * with numerator and denominator in both periods (signal_basis 'toets op aantallen'): the change in the
--     unfavourable direction is significant in a two-proportion score test at 99.8% (z > z_998(), 3.09), computed
--     on the least extreme shares CBS's rounding allows (the latest value's rounding bound nearest the previous value
--     and vice versa, each on its smallest possible denominator), and at least 5% of the previous value. A tripling
--     of a 0.3% rate in a gemeente with enough young people signals; the same change on a handful does not;
--   * without counts (signal_basis 'verandering groter dan afronding'): the change that remains after rounding
--     (latest rounding bound nearest the previous value minus the previous bound nearest the latest) exceeds 5%
--     of the previous value, and the row is not small_number: without counts chance cannot be judged.
-- small_number: a gemeente row whose numerator (latest or previous) is below 20, or whose inhabitants
-- (Gebieden in Nederland, the latest period's year, else the nearest year) are below 10 000.
WITH v AS (
    SELECT v.*,
           -- Position on a time axis in years: 2021 1e halfjaar = 2021.0, 2e halfjaar = 2021.5.
           v.year + CASE v.period_type WHEN 'halfjaar' THEN (v.period_number - 1) / 2
                                       WHEN 'kwartaal' THEN (v.period_number - 1) / 4
                                       WHEN 'maand' THEN (v.period_number - 1) / 12 ELSE 0 END AS t
    FROM marts.indicator_values AS v
    WHERE v.boundary_year IS NULL AND v.value IS NOT NULL
),
series AS (
    SELECT indicator_id, region_code, period_type,
           -- One period has no trend: NULL, not the NaN regr_slope returns for it.
           CASE WHEN count(DISTINCT t) >= 2 THEN regr_slope(value, t) END AS trend_per_year,
           count(*) AS trend_periods,
           arg_min(period_label, t) AS trend_first_period
    FROM v
    GROUP BY ALL
),
latest AS (
    SELECT * FROM v
    QUALIFY row_number() OVER (PARTITION BY indicator_id, region_code, period_type ORDER BY t DESC) = 1
),
paired AS (
    SELECT l.*, p.value AS previous_value, p.period AS previous_period, p.numerator AS previous_numerator,
           p.denominator_low AS previous_denominator_low, p.rounding_low AS previous_rounding_low,
           p.rounding_high AS previous_rounding_high, p.published_above_100 AS previous_above_100
    FROM latest AS l
    LEFT JOIN v AS p
        ON p.indicator_id = l.indicator_id AND p.region_code = l.region_code AND p.period_type = l.period_type
       AND p.year = l.year - 1 AND p.period_number IS NOT DISTINCT FROM l.period_number
       AND l.period_type <> 'eenmalig'
       -- Two publications are two series (a later edition revises earlier years): never compared.
       AND (l.source_kind = 'cbs' OR p.source_table = l.source_table)
),
inhabitants AS (
    SELECT gemeente_code, boundary_year, inhabitants FROM marts.region_memberships
),
latest_boundaries AS (
    SELECT gemeente_code FROM marts.region_memberships
    WHERE boundary_year = (SELECT max(boundary_year) FROM marts.region_memberships)
),
flagged AS (
    SELECT p.*, i.direction, i.title, i.ouderdomein, i.theme, i.scale,
           p.region_level <> 'gemeente' OR p.region_code IN (SELECT gemeente_code FROM latest_boundaries)
               AS exists_in_latest_boundaries,
           (SELECT h.inhabitants FROM inhabitants AS h WHERE h.gemeente_code = p.region_code
            ORDER BY abs(h.boundary_year - p.year) LIMIT 1) AS inhabitants,
           -- Rounded so that floating-point noise (0.6000000001) never decides a signal.
           round(p.value - p.previous_value, 6) AS change,
           0.05 * abs(p.previous_value) AS signal_threshold,
           -- The least extreme pair of values the rounding allows, oriented to the unfavourable direction.
           CASE WHEN i.direction = 'lower_is_better' THEN p.rounding_low ELSE p.rounding_high END AS latest_bound,
           CASE WHEN i.direction = 'lower_is_better' THEN p.previous_rounding_high ELSE p.previous_rounding_low END
               AS previous_bound
    FROM paired AS p
    JOIN marts.indicators AS i USING (indicator_id)
),
with_flags AS (
    SELECT *,
           coalesce(region_level = 'gemeente'
                    AND (least(numerator, previous_numerator) < 20 OR inhabitants < 10000), FALSE) AS small_number,
           scale IS NOT NULL AND denominator_low > 0 AND previous_denominator_low > 0
               AND latest_bound IS NOT NULL AND previous_bound IS NOT NULL AS has_counts,
           -- Unfavourable change that remains after rounding (positive = worse).
           CASE WHEN direction = 'lower_is_better' THEN latest_bound - previous_bound
                ELSE previous_bound - latest_bound END AS change_beyond_rounding
    FROM flagged
),
tested AS (
    SELECT *,
           CASE WHEN has_counts THEN two_proportion_z(latest_bound / scale, denominator_low,
                                                      previous_bound / scale, previous_denominator_low)
                * CASE WHEN direction = 'lower_is_better' THEN 1 ELSE -1 END END AS z_unfavourable
    FROM with_flags
)
SELECT
    f.indicator_id,
    f.title,
    coalesce(f.ouderdomein, f.theme) AS ouderdomein_or_theme,
    f.region_code,
    f.region_level,
    f.period_type,
    f.period AS latest_period,
    f.period_label AS latest_period_label,
    f.value,
    f.value_low,
    f.value_high,
    f.unit,
    f.previous_period,
    f.previous_value,
    f.change,
    f.change / nullif(abs(f.previous_value), 0) * 100 AS change_pct,
    s.trend_per_year,
    s.trend_periods,
    s.trend_first_period,
    f.direction,
    CASE WHEN f.change IS NULL OR f.direction = 'neutral' THEN NULL
         WHEN f.change = 0 THEN 'gelijk'
         WHEN (f.change > 0) = (f.direction = 'lower_is_better') THEN 'ongunstig'
         ELSE 'gunstig' END AS change_direction,
    f.signal_threshold,
    f.numerator,
    f.inhabitants,
    f.small_number,
    f.exists_in_latest_boundaries,
    coalesce(f.published_above_100 OR f.previous_above_100, FALSE) AS published_above_100,
    CASE WHEN f.has_counts THEN 'toets op aantallen' WHEN f.change IS NOT NULL THEN 'verandering groter dan afronding'
         END AS signal_basis,
    round(f.z_unfavourable, 3) AS z_unfavourable,
    f.change_beyond_rounding,
    coalesce(f.change IS NOT NULL AND f.direction <> 'neutral' AND f.exists_in_latest_boundaries
             AND NOT coalesce(f.published_above_100 OR f.previous_above_100, FALSE)
             AND (f.change > 0) = (f.direction = 'lower_is_better')
             AND abs(f.change) >= f.signal_threshold
             AND CASE WHEN f.has_counts THEN f.z_unfavourable > z_998()
                      ELSE NOT f.small_number AND f.change_beyond_rounding > f.signal_threshold END, FALSE) AS signal,
    f.status AS release_status,
    f.source_kind,
    f.source_table,
    f.source_label,
    f.caveat,
    f.source_url
FROM tested AS f
JOIN series AS s USING (indicator_id, region_code, period_type)
