-- Young people with youth care in natura by form of care and household position, per region (Nederland,
-- landsdeel, provincie, jeugdregio) and period, 2015-2017 (82965NED), long format: one row per region,
-- period, form of care and position. It shows which forms of care go together with a one-parent household,
-- beside the gemeente/wijk tables of staging.household_position (which hold only all youth care).
-- A form counts every young person with that form, alone or combined with other care (CBS's Totaal* columns),
-- so the forms overlap and do not add up to all youth care; the three positions add up to the total.
-- Persoonskenmerken is matched on its title (in the snapshot the title is the key; a live fetch has codes).
-- Counts are rounded by CBS to multiples of 5; suppressed cells stay NULL. region_name, the period and
-- source_modified come from the table's own dimensions and metadata.
WITH cells AS (
    SELECT Persoonskenmerken, RegioS, Perioden, column_key, value
    FROM raw.cbs_82965ned
    UNPIVOT INCLUDE NULLS (value FOR column_key IN (
        TotaalJongerenMetJeugdzorgInNatura_1, TotaalJeugdhulpZonderVerblijf_2, TotaalJeugdhulpMetVerblijf_9,
        TotaalJeugdbescherming_16, TotaalJeugdreclassering_22))
)
SELECT
    '82965NED' AS source_table,
    normalise_region_code(c.RegioS) AS region_code,
    trim(n.title) AS region_name,
    trim(c.Perioden) AS period_key,
    p.year,
    p.period_type,
    p.period_number,
    p.status,
    CASE c.column_key
        WHEN 'TotaalJongerenMetJeugdzorgInNatura_1' THEN 'alle jeugdzorg in natura'
        WHEN 'TotaalJeugdhulpZonderVerblijf_2' THEN 'jeugdhulp zonder verblijf'
        WHEN 'TotaalJeugdhulpMetVerblijf_9' THEN 'jeugdhulp met verblijf'
        WHEN 'TotaalJeugdbescherming_16' THEN 'jeugdbescherming'
        WHEN 'TotaalJeugdreclassering_22' THEN 'jeugdreclassering'
    END AS care_form,
    c.column_key,
    CASE trim(d.title)
        WHEN 'Totaal' THEN 'total'
        WHEN 'Positie: kind in eenouderhuishouden' THEN 'one_parent'
        WHEN 'Positie: thuiswonend kind bij paar' THEN 'couple'
        WHEN 'Positie: overig lid' THEN 'other'
    END AS household_position,
    CAST(c.value AS DOUBLE) AS youth_count,
    t.modified AS source_modified
FROM cells AS c
JOIN raw.cbs_82965ned_dimensions AS d ON d.dimension = 'Persoonskenmerken' AND d.key = c.Persoonskenmerken
JOIN cbs_periods('raw.cbs_82965ned_dimensions') AS p ON p.period_key = trim(c.Perioden)
CROSS JOIN raw.cbs_82965ned_metadata AS t
LEFT JOIN raw.cbs_82965ned_dimensions AS n ON n.dimension = 'RegioS' AND n.key = normalise_region_code(c.RegioS)
WHERE trim(d.title) IN ('Totaal', 'Positie: kind in eenouderhuishouden', 'Positie: thuiswonend kind bij paar',
                        'Positie: overig lid')
