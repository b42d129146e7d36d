-- Young people with youth care by household position, per region (Nederland, gemeente, wijk) and period, from
-- the yearly CBS wijken tables (one table per year, one series). CBS renamed the columns over the years
-- ("tweeoudergezin" became "bij een paar" in 2018); this model gives each one name. Only the slice of all youth
-- care is read: 'Totaal jeugdzorg' (2015-2016) and 'Totaal alle jeugdzorg in natura' (from 2017). The three
-- positions add up to the total. Counts are rounded by CBS to multiples of 5; suppressed cells stay NULL.
-- wijk_boundary_change is CBS's IndelingswijzigingWijken: 1 = wijk unchanged since the previous year.
-- region_name, the period and source_modified come from each table's own dimensions and metadata.
WITH cells AS (
    SELECT '82964NED' AS source_table, VormenVanJeugdzorg AS form_key, Wijken, Perioden,
           TotaalJongerenMetJeugdzorg_5 AS youth_total, ThuiswonendKindInEenouderGezin_10 AS one_parent,
           ThuiswonendKindInTweeouderGezin_11 AS couple, AndereHuishoudens_12 AS other_household,
           IndelingswijzigingWijken_4 AS wijk_boundary_change
    FROM raw.cbs_82964ned
    UNION ALL
    SELECT '83563NED', TypeJeugdzorg, Wijken, Perioden, TotaalJongerenMetJeugdzorg_5,
           ThuiswonendKindInEenouderGezin_10, ThuiswonendKindInTweeouderGezin_11, AndereHuishoudens_12,
           IndelingswijzigingWijken_4
    FROM raw.cbs_83563ned
    UNION ALL
    SELECT '83782NED', VormenVanJeugdzorg, Wijken, Perioden, TotaalJongerenMetJeugdzorgInNatura_1,
           ThuiswonendKindInEenouderGezin_6, ThuiswonendKindInTweeouderGezin_7, AndereHuishoudens_8,
           IndelingswijzigingWijken_25
    FROM raw.cbs_83782ned
    UNION ALL
    SELECT '84316NED', VormenVanJeugdzorg, Wijken, Perioden, TotaalJongerenMetJeugdzorgInNatura_1,
           ThuiswonendKindInEenouderhuishouden_6, ThuiswonendKindBijEenPaar_7, AnderHuishouden_8,
           IndelingswijzigingWijken_25
    FROM raw.cbs_84316ned
    UNION ALL
    SELECT '84615NED', VormenVanJeugdzorg, Wijken, Perioden, TotaalJongerenMetJeugdzorgInNatura_1,
           ThuiswonendKindInEenouderhuishouden_6, ThuiswonendKindBijEenPaar_7, AnderHuishouden_8,
           IndelingswijzigingWijken_25
    FROM raw.cbs_84615ned
    UNION ALL
    SELECT '84856NED', VormenVanJeugdzorg, Wijken, Perioden, TotaalJongerenMetJeugdzorgInNatura_1,
           ThuiswonendKindInEenouderhuishouden_6, ThuiswonendKindBijEenPaar_7, AnderHuishouden_8,
           IndelingswijzigingWijken_25
    FROM raw.cbs_84856ned
    UNION ALL
    SELECT '85075NED', VormenVanJeugdzorg, Wijken, Perioden, TotaalJongerenMetJeugdzorgInNatura_1,
           ThuiswonendKindInEenouderhuishouden_6, ThuiswonendKindBijEenPaar_7, AnderHuishouden_8,
           IndelingswijzigingWijken_21
    FROM raw.cbs_85075ned
    UNION ALL
    SELECT '85335NED', VormenVanJeugdzorg, Wijken, Perioden, TotaalJongerenMetJeugdzorgInNatura_1,
           ThuiswonendKindInEenouderhuishouden_6, ThuiswonendKindBijEenPaar_7, AnderHuishouden_8,
           IndelingswijzigingWijken_21
    FROM raw.cbs_85335ned
    UNION ALL
    SELECT '85685NED', VormenVanJeugdzorg, Wijken, Perioden, TotaalJongerenMetJeugdzorgInNatura_1,
           ThuiswonendKindInEenouderhuishouden_6, ThuiswonendKindBijEenPaar_7, AnderHuishouden_8,
           IndelingswijzigingWijken_21
    FROM raw.cbs_85685ned
    UNION ALL
    SELECT '85990NED', Vormen, Wijken, Perioden, TotaalJongerenMetJeugdzorgInNatura_1,
           ThuiswonendKindInEenouderhuishouden_6, ThuiswonendKindBijEenPaar_7, AnderHuishouden_8,
           IndelingswijzigingWijken_21
    FROM raw.cbs_85990ned
),
dimensions AS (
    SELECT * FROM raw.cbs_82964ned_dimensions UNION ALL SELECT * FROM raw.cbs_83563ned_dimensions
    UNION ALL SELECT * FROM raw.cbs_83782ned_dimensions UNION ALL SELECT * FROM raw.cbs_84316ned_dimensions
    UNION ALL SELECT * FROM raw.cbs_84615ned_dimensions UNION ALL SELECT * FROM raw.cbs_84856ned_dimensions
    UNION ALL SELECT * FROM raw.cbs_85075ned_dimensions UNION ALL SELECT * FROM raw.cbs_85335ned_dimensions
    UNION ALL SELECT * FROM raw.cbs_85685ned_dimensions UNION ALL SELECT * FROM raw.cbs_85990ned_dimensions
),
metadata AS (
    SELECT * FROM raw.cbs_82964ned_metadata UNION ALL SELECT * FROM raw.cbs_83563ned_metadata
    UNION ALL SELECT * FROM raw.cbs_83782ned_metadata UNION ALL SELECT * FROM raw.cbs_84316ned_metadata
    UNION ALL SELECT * FROM raw.cbs_84615ned_metadata UNION ALL SELECT * FROM raw.cbs_84856ned_metadata
    UNION ALL SELECT * FROM raw.cbs_85075ned_metadata UNION ALL SELECT * FROM raw.cbs_85335ned_metadata
    UNION ALL SELECT * FROM raw.cbs_85685ned_metadata UNION ALL SELECT * FROM raw.cbs_85990ned_metadata
)
SELECT
    c.source_table,
    normalise_region_code(c.Wijken) AS region_code,
    trim(n.title) AS region_name,
    trim(c.Perioden) AS period_key,
    p.year,
    p.period_type,
    p.period_number,
    p.status,
    CAST(c.youth_total AS DOUBLE) AS youth_total,
    CAST(c.one_parent AS DOUBLE) AS one_parent,
    CAST(c.couple AS DOUBLE) AS couple,
    CAST(c.other_household AS DOUBLE) AS other_household,
    CAST(c.wijk_boundary_change AS INTEGER) AS wijk_boundary_change,
    t.modified AS source_modified
FROM cells AS c
JOIN dimensions AS d
    ON d.table_id = c.source_table AND d.dimension IN ('VormenVanJeugdzorg', 'TypeJeugdzorg', 'Vormen')
   AND d.key = c.form_key
JOIN cbs_periods('dimensions') AS p ON p.table_id = c.source_table AND p.period_key = trim(c.Perioden)
JOIN metadata AS t ON t.table_id = c.source_table
LEFT JOIN dimensions AS n
    ON n.table_id = c.source_table AND n.dimension = 'Wijken' AND n.key = normalise_region_code(c.Wijken)
WHERE d.title IN ('Totaal jeugdzorg', 'Totaal alle jeugdzorg in natura')
