-- The parts (numerator, denominator, scale) of every regional indicator in intermediate.indicator_parts,
-- harmonised to one boundary year; marts.indicator_values publishes the registry's indicators from it and
-- marts.association / marts.youth_care_expected use it for the parental domains too.
-- Every regional indicator with a numerator (and, for rates, a denominator) harmonised to one boundary year
-- (intermediate.boundary_crosswalk: the latest year in the snapshot unless KINDBELANG_BOUNDARY_YEAR says otherwise).
-- Per indicator and period, the parts of each gemeente of that period (intermediate.indicator_parts) are multiplied by
-- the crosswalk weight and summed into the gemeente of the boundary year; rates are recomputed as
-- sum(numerator) / sum(denominator) x scale, never averaged. Counts are summed. Weights are 1 except for the
-- four split gemeenten (Haaren, Littenseradiel, Winsum, Slochteren), divided by land-area share, not population.
-- A target gets no value (NULL) if any contributing gemeente's numerator (or, for a rate, denominator) is
-- suppressed or missing: a partial sum is never published. Jeugdregio, provincie and Nederland of the
-- boundary year are the sums of their gemeenten (staging.gemeente_memberships of that year), with the same rule.
-- Every gemeente (and region) of the boundary year has a row for every indicator and period from 2015 on;
-- periods before the first crosswalk year are not harmonised.
-- The rounding ranges (numerator_low/high, denominator_low/high) are summed the same way. An indicator without
-- parts (its true denominator is not in the data, e.g. jeugdreclassering per 12-22-year-old) is harmonised only
-- where nothing needs summing: a gemeente of the boundary year that is exactly one gemeente of the period
-- (weight 1, not split) keeps CBS's published value; merged gemeenten and regions stay empty.
WITH boundary AS (
    SELECT DISTINCT to_boundary_year AS boundary_year FROM intermediate.boundary_crosswalk
),
gemeente_parts AS (
    SELECT p.*
    FROM intermediate.indicator_parts AS p
    WHERE p.region_level = 'gemeente'
),
periods AS (
    SELECT DISTINCT p.indicator_id, p.period_key, p.year, p.period_type, p.period_number, p.scale, p.source_table,
           p.status, p.source_modified, p.published_only
    FROM gemeente_parts AS p
    WHERE p.year IN (SELECT from_year FROM intermediate.boundary_crosswalk)
),
-- Every (period, source gemeente -> target gemeente) pair the crosswalk expects, with the source's parts if any.
contributions AS (
    SELECT per.*, x.from_code, x.to_code, x.weight, x.is_split,
           p.numerator * x.weight AS numerator, p.denominator * x.weight AS denominator,
           p.numerator_low * x.weight AS numerator_low, p.numerator_high * x.weight AS numerator_high,
           p.denominator_low * x.weight AS denominator_low, p.denominator_high * x.weight AS denominator_high,
           p.published_value, p.published_low, p.published_high, coalesce(p.published_above_100, FALSE) AS above_100,
           CASE WHEN per.published_only THEN p.published_value IS NOT NULL AND x.weight = 1 AND NOT x.is_split
                ELSE p.numerator IS NOT NULL AND (per.scale IS NULL OR p.denominator IS NOT NULL) END AS complete
    FROM periods AS per
    JOIN intermediate.boundary_crosswalk AS x ON x.from_year = per.year
    LEFT JOIN gemeente_parts AS p
        ON p.indicator_id = per.indicator_id AND p.period_key = per.period_key
       AND p.source_table = per.source_table AND p.region_code = x.from_code
),
gemeenten AS (
    SELECT indicator_id, period_key, year, period_type, period_number, scale, source_table, status,
           source_modified, published_only, to_code AS gemeente_code,
           -- Without parts only a one-to-one gemeente can keep its published value.
           bool_and(complete) AND (NOT bool_and(published_only) OR count(*) = 1) AS complete,
           sum(numerator) AS numerator, sum(denominator) AS denominator,
           sum(numerator_low) AS numerator_low, sum(numerator_high) AS numerator_high,
           sum(denominator_low) AS denominator_low, sum(denominator_high) AS denominator_high,
           CASE WHEN count(*) = 1 THEN any_value(published_value) END AS published_value,
           CASE WHEN count(*) = 1 THEN any_value(published_low) END AS published_low,
           CASE WHEN count(*) = 1 THEN any_value(published_high) END AS published_high,
           bool_or(above_100) AS published_above_100
    FROM contributions
    GROUP BY ALL
),
memberships AS (
    SELECT m.* FROM staging.gemeente_memberships AS m JOIN boundary AS b ON m.boundary_year = b.boundary_year
),
regions AS (
    SELECT g.*, g.gemeente_code AS region_code FROM gemeenten AS g
    UNION ALL
    SELECT g.*, r.region_code
    FROM gemeenten AS g
    JOIN memberships AS m USING (gemeente_code),
    LATERAL (VALUES (m.jeugdregio_code), (m.provincie_code), ('NL01')) AS r(region_code)
),
summed AS (
    SELECT indicator_id, region_code, period_key, year, period_type, period_number, scale, source_table, status,
           source_modified, published_only,
           bool_and(complete) AND (NOT bool_and(published_only) OR bool_and(region_level(region_code) = 'gemeente'))
               AS complete,
           sum(numerator) AS numerator, sum(denominator) AS denominator,
           sum(numerator_low) AS numerator_low, sum(numerator_high) AS numerator_high,
           sum(denominator_low) AS denominator_low, sum(denominator_high) AS denominator_high,
           CASE WHEN bool_and(region_level(region_code) = 'gemeente') THEN any_value(published_value) END AS published_value,
           CASE WHEN bool_and(region_level(region_code) = 'gemeente') THEN any_value(published_low) END AS published_low,
           CASE WHEN bool_and(region_level(region_code) = 'gemeente') THEN any_value(published_high) END AS published_high,
           bool_or(published_above_100) AS published_above_100
    FROM regions
    GROUP BY ALL
)
SELECT
    s.indicator_id,
    s.region_code,
    region_level(s.region_code) AS region_level,
    s.period_key,
    s.year,
    s.period_type,
    s.period_number,
    CASE WHEN s.complete THEN s.numerator END AS numerator,
    CASE WHEN s.complete AND s.scale IS NOT NULL THEN s.denominator END AS denominator,
    s.scale,
    CASE WHEN s.complete THEN s.numerator_low END AS numerator_low,
    CASE WHEN s.complete THEN s.numerator_high END AS numerator_high,
    CASE WHEN s.complete AND s.scale IS NOT NULL THEN s.denominator_low END AS denominator_low,
    CASE WHEN s.complete AND s.scale IS NOT NULL THEN s.denominator_high END AS denominator_high,
    CASE WHEN s.complete THEN s.published_low END AS published_low,
    CASE WHEN s.complete THEN s.published_high END AS published_high,
    coalesce(s.published_above_100, FALSE) AS published_above_100,
    CASE WHEN NOT s.complete THEN NULL
         WHEN s.published_only THEN s.published_value
         WHEN s.scale IS NULL THEN s.numerator
         ELSE s.numerator / nullif(s.denominator, 0) * s.scale END AS value,
    s.complete AS all_parts_present,
    s.source_table,
    s.status,
    s.source_modified,
    b.boundary_year
FROM summed AS s
CROSS JOIN boundary AS b
ORDER BY s.indicator_id, s.period_key, s.region_code
