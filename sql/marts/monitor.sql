-- The monitor: per indicator, region (the period's own boundaries) and period type (jaar, halfjaar, ...), the
-- latest period with a value, the previous comparable value (same period type and period number one year
-- earlier: 2024 1e halfjaar against 2023 1e halfjaar; the previous year for yearly figures), the change, the
-- trend over the whole available series of that period type (slope per year of a least-squares line through
-- all values, regr_slope) and a signal.
-- Signal rule (documented in README.md): signal = TRUE when the value moved in the unfavourable direction of the
-- registry (direction) by more than max(5% of the previous value, 0.5 percentage point for unit '%'), and the
-- row is not flagged small_number. Indicators with direction 'neutral' never signal.
-- small_number (uncertain, no signal): a gemeente row whose numerator (latest or previous) is below 20, or whose
-- inhabitants (Gebieden in Nederland, the latest period's year, else the nearest year) are below 10 000.
-- CBS rounding (counts to fives, shares to one decimal) makes smaller changes noise there.
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
    SELECT l.*, p.value AS previous_value, p.period AS previous_period, p.numerator AS previous_numerator
    FROM latest AS l
    LEFT JOIN v AS p
        ON p.indicator_id = l.indicator_id AND p.region_code = l.region_code AND p.period_type = l.period_type
       AND p.year = l.year - 1 AND p.period_number IS NOT DISTINCT FROM l.period_number
       AND l.period_type <> 'eenmalig'
),
inhabitants AS (
    SELECT gemeente_code, boundary_year, inhabitants FROM marts.region_memberships
),
flagged AS (
    SELECT p.*, i.direction, i.title, i.ouderdomein, i.theme,
           (SELECT h.inhabitants FROM inhabitants AS h WHERE h.gemeente_code = p.region_code
            ORDER BY abs(h.boundary_year - p.year) LIMIT 1) AS inhabitants,
           -- Rounded so that floating-point noise (0.6000000001) never decides a signal.
           round(p.value - p.previous_value, 6) AS change,
           greatest(0.05 * abs(p.previous_value), CASE WHEN p.unit = '%' THEN 0.5 ELSE 0 END) AS signal_threshold
    FROM paired AS p
    JOIN marts.indicators AS i USING (indicator_id)
),
with_flags AS (
    SELECT *,
           coalesce(region_level = 'gemeente'
                    AND (least(numerator, previous_numerator) < 20 OR inhabitants < 10000), FALSE) AS small_number
    FROM flagged
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
    coalesce(f.change IS NOT NULL AND f.direction <> 'neutral' AND NOT f.small_number
             AND abs(f.change) > f.signal_threshold
             AND (f.change > 0) = (f.direction = 'lower_is_better'), FALSE) AS signal,
    f.status AS release_status,
    f.source_kind,
    f.source_table,
    f.source_url
FROM with_flags AS f
JOIN series AS s USING (indicator_id, region_code, period_type)
