-- Household-position linkage per gemeente and wijk: of the young people with youth care, how many live as a
-- child in a one-parent household (CBS wijken tables, staging.household_position), compared with the same
-- share nationally and, for a wijk, in its own gemeente. Share = one-parent / all young people with youth care
-- (the three positions add up to that total), shown with its Wilson 95% interval. 'hoger'/'lager' only when the
-- 99.8% interval excludes the comparison share (as marts.youth_care_expected signals outside 99.8%), so among
-- hundreds of gemeenten and thousands of wijken few are flagged for noise. CBS rounds counts to fives: shares of
-- small numbers carry that rounding too (small_numbers when fewer than 50 young people have youth care).
-- What this cannot show: the share of children in one-parent households in the whole population of the
-- gemeente is not in the open data of the snapshot (registry gap kinderen_eenouderhuishouden_gemeente), so a
-- high share here may mean more one-parent households in the gemeente, more youth care among them, or both.
-- An association between areas and household positions, not an effect of a parents' separation on children.
WITH shares AS (
    SELECT
        h.*,
        h.one_parent / nullif(h.youth_total, 0) * 100 AS one_parent_share
    FROM staging.household_position AS h
),
national AS (
    SELECT source_table, period_key, one_parent_share AS national_share
    FROM shares WHERE region_code = 'NL01'
),
gemeente AS (
    SELECT source_table, period_key, region_code AS gemeente_code, one_parent_share AS gemeente_share
    FROM shares WHERE region_level(region_code) = 'gemeente'
),
names AS (
    SELECT table_id AS source_table, key AS region_code, trim(title) AS region_name
    FROM raw.cbs_dimensions WHERE dimension = 'Wijken'
)
SELECT
    s.region_code,
    n.region_name,
    region_level(s.region_code) AS region_level,
    CASE WHEN region_level(s.region_code) = 'wijk' THEN 'GM' || substr(s.region_code, 3, 4)
         WHEN region_level(s.region_code) = 'gemeente' THEN s.region_code END AS gemeente_code,
    s.period_key,
    p.year,
    p.period_type,
    p.period_number,
    s.youth_total AS youth_with_youth_care,
    s.one_parent,
    s.couple,
    s.other_household,
    s.one_parent_share,
    wilson_low(s.one_parent, s.youth_total) AS one_parent_share_low,
    wilson_high(s.one_parent, s.youth_total) AS one_parent_share_high,
    nl.national_share,
    s.one_parent_share / nullif(nl.national_share, 0) AS ratio_to_national,
    CASE WHEN s.one_parent_share IS NULL OR s.region_code = 'NL01' THEN NULL
         WHEN wilson_low(s.one_parent, s.youth_total, z := 3.09) > nl.national_share THEN 'hoger dan landelijk'
         WHEN wilson_high(s.one_parent, s.youth_total, z := 3.09) < nl.national_share THEN 'lager dan landelijk'
         ELSE 'niet te onderscheiden van landelijk' END AS compared_with_national,
    CASE WHEN region_level(s.region_code) = 'wijk' THEN g.gemeente_share END AS gemeente_share,
    CASE WHEN region_level(s.region_code) <> 'wijk' OR s.one_parent_share IS NULL OR g.gemeente_share IS NULL
              THEN NULL
         WHEN wilson_low(s.one_parent, s.youth_total, z := 3.09) > g.gemeente_share THEN 'hoger dan de gemeente'
         WHEN wilson_high(s.one_parent, s.youth_total, z := 3.09) < g.gemeente_share THEN 'lager dan de gemeente'
         ELSE 'niet te onderscheiden van de gemeente' END AS compared_with_gemeente,
    s.youth_total < 50 AS small_numbers,
    s.wijk_boundary_change,
    p.status,
    s.source_table,
    t.modified AS source_modified,
    'Samenhang tussen gebieden en huishoudenspositie, geen effect van een scheiding op kinderen. Het aandeel '
        || 'kinderen in eenouderhuishoudens in de hele bevolking per gemeente ontbreekt in de open data.' AS caveat
FROM shares AS s
JOIN staging.cbs_periods AS p ON p.table_id = s.source_table AND p.period_key = s.period_key
JOIN raw.cbs_tables AS t ON t.table_id = s.source_table
LEFT JOIN names AS n ON n.source_table = s.source_table AND n.region_code = s.region_code
LEFT JOIN national AS nl ON nl.source_table = s.source_table AND nl.period_key = s.period_key
LEFT JOIN gemeente AS g
    ON g.source_table = s.source_table AND g.period_key = s.period_key
   AND g.gemeente_code = 'GM' || substr(s.region_code, 3, 4)
ORDER BY s.period_key, s.region_code
