-- The published values: one row per indicator, region, period and boundary view, for every registry
-- indicator that is not a gap (marts.indicators). Two views in the same columns:
--   boundary_year NULL  the period's own boundaries (staging.indicator_values_own_boundaries: CBS cells,
--                       parental-domain rates and national publication figures);
--   boundary_year = Y   harmonised to the gemeente boundaries of year Y (staging.indicator_values_harmonised:
--                       counts summed, rates recomputed from summed numerators and denominators).
-- value_low / value_high: the Wilson 95% interval of a rate from its numerator and denominator. CBS counts whole
-- populations, but the rate of a small gemeente still moves by chance from year to year; the interval shows how
-- much (wide for a small gemeente, narrow for Nederland). Empty for counts, publication figures, and rates
-- without both parts or whose numerator exceeds the denominator (rounded CBS shares above 100%).
WITH combined AS (
    SELECT * FROM staging.indicator_values_own_boundaries
    UNION ALL BY NAME
    SELECT * FROM staging.indicator_values_harmonised
)
SELECT * EXCLUDE (scale),
       CASE WHEN numerator <= denominator THEN wilson_low(numerator, denominator) / 100 * scale END AS value_low,
       CASE WHEN numerator <= denominator THEN wilson_high(numerator, denominator) / 100 * scale END AS value_high
FROM combined
