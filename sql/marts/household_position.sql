-- Household-position linkage per gemeente and wijk: of the young people with youth care, how many live as a
-- child in a one-parent household (CBS wijken tables, staging.household_position), compared with the same
-- share nationally and, for a wijk, in its own gemeente. Share = one-parent / all young people with youth care
-- (the three positions add up to that total), shown with its Wilson 95% interval. 'hoger'/'lager' only when the
-- 99.8% interval excludes the comparison share (as marts.youth_care_expected signals outside 99.8%), so among
-- hundreds of gemeenten and thousands of wijken few are flagged for noise. CBS rounds counts to fives: shares of
-- small numbers carry that rounding too (small_numbers when fewer than 50 young people have youth care).
-- Over-representation per gemeente and for Nederland (years with a population base, 2016-2018): among the young people with youth
-- care who live at home as a child (one-parent + couple), the one-parent share, divided by the share of
-- one-parent households among all households with children in the same gemeente and year (indicator
-- eenouderhuishoudens_pct, Maatstaven gemeentefonds, a full count). The ratio's interval is the 99.8% Wilson
-- interval of the youth-care share, taken at the extremes CBS's rounding to fives allows, divided by that base;
-- flagged only when it excludes 1. The base counts households, not children: one-parent households have fewer
-- children on average, so the share of children in them is lower than the household share and the ratio errs
-- on the low side. An association between areas and household positions, not an effect of a separation.
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
households AS (
    SELECT region_code, year, value AS population_share, source_table AS population_source_table
    FROM intermediate.indicator_parts
    WHERE indicator_id = 'eenouderhuishoudens_pct' AND region_level IN ('gemeente', 'land') AND value IS NOT NULL
),
at_home AS (
    -- Rounding extremes of the one-parent share among youth at home: each count may lie 2.5 either side.
    SELECT s.source_table, s.region_code, s.period_key, s.one_parent + s.couple AS youth_at_home,
           wilson_low(greatest(s.one_parent - 2.5, 0), s.one_parent + s.couple, z := z_998()) AS share_low_998,
           wilson_high(least(s.one_parent + 2.5, s.one_parent + s.couple), s.one_parent + s.couple, z := z_998())
               AS share_high_998
    FROM shares AS s
)
SELECT
    s.region_code,
    s.region_name,
    region_level(s.region_code) AS region_level,
    CASE WHEN region_level(s.region_code) = 'wijk' THEN 'GM' || substr(s.region_code, 3, 4)
         WHEN region_level(s.region_code) = 'gemeente' THEN s.region_code END AS gemeente_code,
    s.period_key,
    s.year,
    s.period_type,
    s.period_number,
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
         WHEN wilson_low(s.one_parent, s.youth_total, z := z_998()) > nl.national_share THEN 'hoger dan landelijk'
         WHEN wilson_high(s.one_parent, s.youth_total, z := z_998()) < nl.national_share THEN 'lager dan landelijk'
         ELSE 'niet te onderscheiden van landelijk' END AS compared_with_national,
    CASE WHEN region_level(s.region_code) = 'wijk' THEN g.gemeente_share END AS gemeente_share,
    CASE WHEN region_level(s.region_code) <> 'wijk' OR s.one_parent_share IS NULL OR g.gemeente_share IS NULL
              THEN NULL
         WHEN wilson_low(s.one_parent, s.youth_total, z := z_998()) > g.gemeente_share THEN 'hoger dan de gemeente'
         WHEN wilson_high(s.one_parent, s.youth_total, z := z_998()) < g.gemeente_share THEN 'lager dan de gemeente'
         ELSE 'niet te onderscheiden van de gemeente' END AS compared_with_gemeente,
    a.youth_at_home,
    s.one_parent / nullif(a.youth_at_home, 0) * 100 AS one_parent_share_at_home,
    hh.population_share AS one_parent_households_share,
    s.one_parent / nullif(a.youth_at_home, 0) * 100 / nullif(hh.population_share, 0) AS overrepresentation_ratio,
    a.share_low_998 / nullif(hh.population_share, 0) AS overrepresentation_low,
    a.share_high_998 / nullif(hh.population_share, 0) AS overrepresentation_high,
    CASE WHEN hh.population_share IS NULL OR a.share_low_998 IS NULL THEN NULL
         WHEN a.share_low_998 > hh.population_share THEN 'oververtegenwoordigd'
         WHEN a.share_high_998 < hh.population_share THEN 'ondervertegenwoordigd'
         ELSE 'niet te onderscheiden' END AS overrepresentation,
    hh.population_source_table,
    s.youth_total < 50 AS small_numbers,
    s.wijk_boundary_change,
    s.status,
    s.source_table,
    s.source_modified,
    'Samenhang tussen gebieden en huishoudenspositie, geen effect van een scheiding op kinderen. De '
        || 'vergelijkingsbasis per gemeente (aandeel eenouderhuishoudens onder huishoudens met kinderen, Maatstaven '
        || 'gemeentefonds) is er alleen voor 2016-2018 en telt huishoudens, geen kinderen: de verhouding valt daardoor '
        || 'eerder te laag dan te hoog uit.' AS caveat
FROM shares AS s
LEFT JOIN national AS nl ON nl.source_table = s.source_table AND nl.period_key = s.period_key
LEFT JOIN at_home AS a
    ON a.source_table = s.source_table AND a.region_code = s.region_code AND a.period_key = s.period_key
LEFT JOIN households AS hh
    ON hh.region_code = s.region_code AND hh.year = s.year AND s.period_type = 'jaar'
LEFT JOIN gemeente AS g
    ON g.source_table = s.source_table AND g.period_key = s.period_key
   AND g.gemeente_code = 'GM' || substr(s.region_code, 3, 4)
ORDER BY s.period_key, s.region_code
