-- Every gemeente since 1830 with the date it began and (if it no longer exists) ended, from 70739NED.
-- The reference for gemeentelijke herindelingen: a gemeente exists on date d if begin_date <= d < end_date.
SELECT
    trim(g.GebiedsOfGemeentecode_3) AS gemeente_code,
    d.title AS gemeente_name,
    strptime(CAST(g.BegindatumSorteerveld_6 AS VARCHAR), '%Y%m%d')::DATE AS begin_date,
    strptime(CAST(g.EinddatumSorteerveld_7 AS VARCHAR), '%Y%m%d')::DATE AS end_date
FROM raw.cbs_70739ned AS g
JOIN raw.cbs_70739ned_dimensions AS d ON d.dimension = 'RegioS' AND d.key = g.RegioS
WHERE trim(g.GebiedsOfGemeentecode_3) LIKE 'GM%'
