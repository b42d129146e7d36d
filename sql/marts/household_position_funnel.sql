-- Funnel limits for marts.household_position per gemeente: for 41 group sizes spread evenly on a log scale between
-- the smallest and the largest gemeente of each period, the band in which a gemeente's one-parent share is not
-- distinguishable from the national share (score test around the national share, 95% and 99.8%). A gemeente
-- outside the 99.8% band is exactly one the mart flags 'hoger' or 'lager' (its 99.8% Wilson interval excludes the
-- national share). Limits are clamped to 0-100%.
WITH gemeenten AS (
    SELECT source_table, period_key, any_value(national_share) / 100 AS p0,
           min(youth_with_youth_care) AS smallest, max(youth_with_youth_care) AS largest
    FROM marts.household_position
    WHERE region_level = 'gemeente' AND one_parent_share IS NOT NULL AND youth_with_youth_care > 0
    GROUP BY source_table, period_key
),
national AS (
    SELECT source_table, period_key, status, source_modified
    FROM marts.household_position WHERE region_code = 'NL01'
),
sizes AS (
    SELECT g.*, step, smallest * pow(largest / smallest, step / 40) AS group_size
    FROM gemeenten AS g, range(41) AS steps(step)
),
levels AS (
    SELECT * FROM (VALUES ('95%', z_95()), ('99,8%', z_998())) AS l(confidence, z)
)
SELECT
    s.source_table,
    s.period_key,
    l.confidence,
    s.step,
    s.group_size AS youth_with_youth_care,
    100 * s.p0 AS national_share,
    greatest(0, 100 * (s.p0 - l.z * sqrt(s.p0 * (1 - s.p0) / s.group_size))) AS limit_low,
    least(100, 100 * (s.p0 + l.z * sqrt(s.p0 * (1 - s.p0) / s.group_size))) AS limit_high,
    nl.status,
    nl.source_modified
FROM sizes AS s
CROSS JOIN levels AS l
LEFT JOIN national AS nl ON nl.source_table = s.source_table AND nl.period_key = s.period_key
ORDER BY s.source_table, s.period_key, l.confidence, s.step
