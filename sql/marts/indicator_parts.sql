-- The published copy of intermediate.indicator_parts (generated from indicators.yaml by
-- pipelines/kindbelang/assets/indicator_parts.py): numerator, denominator and scale of every indicator figure per
-- gemeente and Nederland, with the ranges CBS's rounding allows. Analysts and the Parquet export read it here;
-- published_only is the generator's flag for the harmonisation (marts.indicators has denominator_missing).
SELECT * EXCLUDE (published_only)
FROM intermediate.indicator_parts
