-- Registered suspects of crimes by municipality of residence and year, 85655NED, all ages and both sexes
-- (the only complete slice of the snapshot; the importer kept just that slice).
SELECT
    '85655NED' AS source_table,
    normalise_region_code(Woongemeente) AS region_code,
    trim(Perioden) AS period_key,
    CAST(left(Perioden, 4) AS INTEGER) AS year,
    CAST(TotaalVerdachtenVanMisdrijven_1 AS DOUBLE) AS suspects
FROM raw.cbs_85655ned
WHERE Leeftijd = '10000' AND Geslacht = 'Totaal mannen en vrouwen'
