-- The published values: one row per indicator, region, period and boundary view, for every registry
-- indicator that is not a gap (marts.indicators). Two views in the same columns:
--   boundary_year NULL  the period's own boundaries (staging.indicator_values_own_boundaries: CBS cells,
--                       parental-domain rates and national publication figures);
--   boundary_year = Y   harmonised to the gemeente boundaries of year Y (staging.indicator_values_harmonised:
--                       counts summed, rates recomputed from summed numerators and denominators).
SELECT * FROM staging.indicator_values_own_boundaries
UNION ALL BY NAME
SELECT * FROM staging.indicator_values_harmonised
