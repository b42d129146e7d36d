-- Debt restructuring (WSNP) per region and year: persons in the WSNP on 31 December (84926NED) and persons for
-- whom the WSNP was pronounced in the year (84924NED). The snapshot is truncated: gemeenten after
-- Noardeast-Fryslân (alphabetically) are missing, and stay missing (never zero).
SELECT '84926NED' AS source_table, 'in_wsnp' AS measure, normalise_region_code(RegioS) AS region_code,
       trim(Perioden) AS period_key, CAST(left(Perioden, 4) AS INTEGER) AS year,
       CAST(PersonenMetUitgesprokenSchuldsanering_1 AS DOUBLE) AS persons
FROM raw.cbs_84926ned
UNION ALL
SELECT '84924NED', 'wsnp_pronounced', normalise_region_code(RegioS), trim(Perioden),
       CAST(left(Perioden, 4) AS INTEGER), CAST(PersonenMetUitgesprokenSchuldsanering_1 AS DOUBLE)
FROM raw.cbs_84924ned
