-- Population denominators per gemeente and year: inhabitants, children 0-14 and households with children
-- (84799NED, Kerncijfers wijken en buurten 2020, 1 January 2020) and minor children in private households
-- (86006NED, 2011-2023; CBS publishes these in thousands, converted here to persons).
SELECT
    normalise_region_code(WijkenEnBuurten) AS region_code,
    2020 AS year,
    '84799NED' AS source_table,
    AantalInwoners_5 AS inhabitants,
    k_0Tot15Jaar_8 AS children_0_14,
    HuishoudensMetKinderen_31 AS households_with_children,
    PersonenPerSoortUitkeringBijstand_83 AS persons_with_bijstand,
    CAST(NULL AS DOUBLE) AS minor_children
FROM raw.cbs_84799ned
UNION ALL
SELECT
    normalise_region_code(RegioS),
    CAST(left(Perioden, 4) AS INTEGER),
    '86006NED',
    NULL, NULL, NULL, NULL,
    MinderjarigeKinderen_3 * 1000
FROM raw.cbs_86006ned
WHERE region_level(normalise_region_code(RegioS)) IN ('gemeente', 'land')
