-- The published values: one row per indicator, region, period and boundary view, for every registry
-- indicator that is not a gap (marts.indicators). Two views in the same columns:
--   boundary_year NULL  the period's own boundaries (staging.indicator_values_own_boundaries: CBS cells,
--                       parental-domain rates and national publication figures);
--   boundary_year = Y   harmonised to the gemeente boundaries of year Y (staging.indicator_values_harmonised:
--                       counts summed, rates recomputed from summed numerators and denominators).
-- value_low / value_high (interval_method says which):
--   a rate with numerator and denominator: the Wilson 95% interval of the extreme shares the CBS rounding allows
--     (published share +/- half its rounding step, or lowest numerator over highest denominator and vice versa),
--     on the smallest denominator the rounding allows. CBS counts whole populations, but a small gemeente's rate
--     still moves by chance from year to year; the interval shows how much. It is never narrower than rounding;
--   a rate without parts (its true denominator is not in the data): the rounding range only;
--   a count: the rounding range (CBS rounds youth-care counts to fives); an exact count gets none;
--   a survey estimate: the source's own 95% interval (interval_source, e.g. the Gezondheidsmonitor's margins);
--   publication figures: empty (their rounding is in published_wording: 'ruim', 'bijna').
-- A share CBS published above 100% (published_above_100) gets the rounding range only: no count model fits it.
WITH combined AS (
    SELECT * FROM staging.indicator_values_own_boundaries
    UNION ALL BY NAME
    SELECT * FROM staging.indicator_values_harmonised
),
bounded AS (
    SELECT *,
           -- Extreme shares (in value units) consistent with the rounded figures.
           coalesce(published_low, numerator_low / nullif(denominator_high, 0) * scale,
                    CASE WHEN scale IS NULL THEN numerator_low END) AS share_low,
           coalesce(published_high, numerator_high / nullif(denominator_low, 0) * scale,
                    CASE WHEN scale IS NULL THEN numerator_high END) AS share_high,
           denominator_low AS n_min
    FROM combined
)
SELECT
    b.* EXCLUDE (scale, share_low, share_high, n_min, numerator_low, numerator_high, denominator_high,
                 published_low, published_high, interval_source),
    -- The range of values consistent with CBS's rounding (before chance is added).
    CASE WHEN b.source_kind = 'cbs' THEN b.share_low END AS rounding_low,
    CASE WHEN b.source_kind = 'cbs' THEN b.share_high END AS rounding_high,
    CASE WHEN b.scale IS NOT NULL AND b.n_min > 0 AND b.share_high <= b.scale AND NOT b.published_above_100
              THEN least(wilson_low(b.share_low / b.scale * b.n_min, b.n_min) / 100 * b.scale, b.share_low)
         WHEN b.source_kind = 'cbs' AND b.share_low < b.share_high THEN b.share_low END AS value_low,
    CASE WHEN b.scale IS NOT NULL AND b.n_min > 0 AND b.share_high <= b.scale AND NOT b.published_above_100
              THEN greatest(wilson_high(b.share_high / b.scale * b.n_min, b.n_min) / 100 * b.scale, b.share_high)
         WHEN b.source_kind = 'cbs' AND b.share_low < b.share_high THEN b.share_high END AS value_high,
    CASE WHEN b.interval_source IS NOT NULL AND b.share_low < b.share_high THEN b.interval_source
         WHEN b.scale IS NOT NULL AND b.n_min > 0 AND b.share_high <= b.scale AND NOT b.published_above_100
              THEN 'Wilson 95% op de uiterste waarden die de CBS-afronding toelaat'
         WHEN b.source_kind = 'cbs' AND b.share_low < b.share_high
              THEN 'alleen afronding (geen teller en noemer)'
    END AS interval_method,
    i.caveat
FROM bounded AS b
JOIN marts.indicators AS i USING (indicator_id)
