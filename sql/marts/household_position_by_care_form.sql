-- Household position by form of youth care, per region (Nederland, landsdeel, provincie, jeugdregio) and
-- period, 2015-2017 (82965NED, staging.household_position_by_care_form): of the young people with a form of
-- care, the share who live as a child in a one-parent household, compared with that share among all young
-- people with youth care in natura in the same region and period. Complements marts.household_position
-- (gemeente/wijk, all youth care only): e.g. young people with jeugdbescherming live far more often in a
-- one-parent household than young people with youth care in general.
-- Share = one-parent / all young people with that form (the three positions add up to it), with a Wilson 95%
-- interval. The forms overlap (a young person with two forms counts in both), so they are not independent
-- groups. CBS rounds counts to fives; small_numbers when fewer than 50 young people have the form.
-- Suppressed cells stay NULL and give a NULL share. An association in registers, not an effect of a
-- parents' separation on children. Series break 2015 -> 2016: for jeugdhulp met verblijf and jeugdbescherming
-- 'overig lid' jumps (NL verblijf 13,830 -> 23,000) while one-parent and couple fall, so the verblijf ratio
-- flips from 1.31 (2015) to 0.84 (2016); the caveat says so.
WITH cells AS (
    SELECT
        source_table, region_code, region_name, period_key, year, period_type, period_number, status, source_modified,
        care_form,
        max(youth_count) FILTER (WHERE household_position = 'total') AS youth_with_care_form,
        max(youth_count) FILTER (WHERE household_position = 'one_parent') AS one_parent
    FROM staging.household_position_by_care_form
    GROUP BY ALL
),
shares AS (
    SELECT *, one_parent / nullif(youth_with_care_form, 0) * 100 AS one_parent_share
    FROM cells
),
all_youth_care AS (
    SELECT source_table, region_code, period_key, one_parent_share AS all_youth_care_share
    FROM shares WHERE care_form = 'alle jeugdzorg in natura'
)
SELECT
    s.region_code,
    s.region_name,
    region_level(s.region_code) AS region_level,
    s.period_key,
    s.year,
    s.period_type,
    s.period_number,
    s.care_form,
    s.youth_with_care_form,
    s.one_parent,
    s.one_parent_share,
    wilson_low(s.one_parent, s.youth_with_care_form) AS one_parent_share_low,
    wilson_high(s.one_parent, s.youth_with_care_form) AS one_parent_share_high,
    a.all_youth_care_share,
    s.one_parent_share / nullif(a.all_youth_care_share, 0) AS ratio_to_all_youth_care,
    s.youth_with_care_form < 50 AS small_numbers,
    s.status,
    s.source_table,
    s.source_modified,
    'Samenhang in registers tussen vorm van jeugdzorg en huishoudenspositie, geen effect van een scheiding op '
        || 'kinderen: een eenouderhuishouden ontstaat ook door overlijden of doordat ouders nooit samenwoonden, en '
        || 'de zorg kan aan de huishoudenssituatie voorafgaan. De vormen overlappen: een jongere met meer vormen '
        || 'telt bij elke vorm mee. Trendbreuk: van 2015 op 2016 stijgt bij jeugdhulp met verblijf en '
        || 'jeugdbescherming het deel ''overig lid'' sterk en daalt het deel in een eenouderhuishouden; vergelijk 2015 '
        || 'daarom niet zonder meer met 2016-2017.' AS caveat
FROM shares AS s
LEFT JOIN all_youth_care AS a
    ON a.source_table = s.source_table AND a.region_code = s.region_code AND a.period_key = s.period_key
ORDER BY s.period_key, s.region_code,
    CASE s.care_form WHEN 'alle jeugdzorg in natura' THEN 1 WHEN 'jeugdhulp zonder verblijf' THEN 2
        WHEN 'jeugdhulp met verblijf' THEN 3 WHEN 'jeugdbescherming' THEN 4 ELSE 5 END
