-- The parts every regional indicator is built from, per gemeente (and Nederland) and period on the period's
-- own boundaries: numerator, denominator and scale (value = numerator / denominator x scale), so that merged
-- gemeenten can be summed and their rates recomputed, never averaged.
-- Youth care: CBS publishes percentages (82972NED/85098NED) and counts with a share (84134NED/85099NED). The
-- youth population (all young people in the region) is derived as count / share x 100 from 'JZ Totaal
-- jeugdzorg'; numerators of the percentages are share x that population (derivation = 'afgeleid'). CBS rounds
-- counts to fives and shares to one decimal, so derived parts carry that rounding.
-- A suppressed cell gives a NULL numerator and so a NULL value: it is never filled in.
WITH youth AS (
    SELECT region_code, period_key, source_table,
           max(value) FILTER (WHERE column_key = 'JongerenMetJeugdzorg_1') AS jz_count,
           max(value) FILTER (WHERE column_key = 'JongerenMetJeugdzorgRelatief_2') AS jz_pct
    FROM staging.youth_care_counts
    WHERE care_form = 'JZ Totaal jeugdzorg'
    GROUP BY ALL
),
youth_pop AS (
    SELECT *, jz_count / nullif(jz_pct, 0) * 100 AS population FROM youth
),
pct AS (
    SELECT region_code, period_key, source_table,
           max(value) FILTER (WHERE column_key = 'JongerenMetJeugdhulpInNatura_1') AS jh,
           max(value) FILTER (WHERE column_key = 'JongerenMetJeugdhMetVerblInNat_2') AS jh_verblijf,
           max(value) FILTER (WHERE column_key = 'JongerenMetJeugdbescherming_3') AS jb,
           max(value) FILTER (WHERE column_key = 'JeugdbeschEnJeugdhMetVerblInNat_4') AS jb_verblijf,
           max(value) FILTER (WHERE column_key = 'JongerenMetJeugdreclassering_5') AS jr
    FROM staging.youth_care_indicators
    GROUP BY ALL
),
youth_parts AS (
    SELECT 'jeugdzorg_aantal' AS indicator_id, region_code, period_key, jz_count AS numerator,
           CAST(NULL AS DOUBLE) AS denominator, CAST(NULL AS DOUBLE) AS scale, jz_count AS published_value,
           source_table, 'gepubliceerd' AS derivation
    FROM youth_pop
    UNION ALL
    SELECT 'jeugdzorg_pct', region_code, period_key, jz_count, population, 100, jz_pct, source_table,
           'noemer afgeleid: aantal / percentage x 100'
    FROM youth_pop
    UNION ALL
    SELECT i.indicator_id, p.region_code, p.period_key, i.pct / 100 * y.population, y.population, 100, i.pct,
           p.source_table, 'teller en noemer afgeleid uit jeugdzorgpopulatie (84134NED/85099NED)'
    FROM pct AS p
    JOIN youth_pop AS y USING (region_code, period_key),
    LATERAL (VALUES ('jeugdhulp_pct', p.jh), ('jeugdbescherming_pct', p.jb), ('jeugdreclassering_pct', p.jr))
        AS i(indicator_id, pct)
    UNION ALL
    SELECT i.indicator_id, p.region_code, p.period_key, i.pct / 100 * i.base, i.base, 100, i.pct, p.source_table,
           'teller en noemer afgeleid: noemer = jongeren met jeugdhulp resp. jeugdbescherming'
    FROM pct AS p
    JOIN youth_pop AS y USING (region_code, period_key),
    LATERAL (VALUES ('jeugdhulp_verblijf_pct', p.jh_verblijf, p.jh / 100 * y.population),
                    ('jeugdbescherming_verblijf_pct', p.jb_verblijf, p.jb / 100 * y.population))
        AS i(indicator_id, pct, base)
),
parental_parts AS (
    SELECT 'zorgpremie_achterstand_pct' AS indicator_id, region_code, period_key, persons_in_arrears AS numerator,
           insured_adults_derived AS denominator, 100.0 AS scale, arrears_pct AS published_value, source_table,
           'noemer afgeleid: aantal / percentage x 100' AS derivation
    FROM staging.zorgpremie_arrears
    UNION ALL
    SELECT CASE w.measure WHEN 'in_wsnp' THEN 'wsnp_per_1000' ELSE 'wsnp_uitgesproken_per_1000' END,
           w.region_code, w.period_key, w.persons, i.inhabitants, 1000, NULL, w.source_table,
           'noemer: Inwonertal Gebieden in Nederland (1 januari)'
    FROM staging.wsnp AS w
    JOIN staging.inhabitants AS i ON i.region_code = w.region_code AND i.year = w.year
    UNION ALL
    SELECT 'verdachten_per_1000', s.region_code, s.period_key, s.suspects, i.inhabitants, 1000, NULL, s.source_table,
           'noemer: Inwonertal Gebieden in Nederland (1 januari)'
    FROM staging.suspects AS s
    JOIN staging.inhabitants AS i ON i.region_code = s.region_code AND i.year = s.year
    UNION ALL
    SELECT 'bijstand_per_1000', region_code, '2020JJ00', persons_with_bijstand, inhabitants, 1000, NULL, source_table,
           'noemer: AantalInwoners 84799NED (1 januari 2020)'
    FROM staging.population
    WHERE source_table = '84799NED'
    UNION ALL
    SELECT 'jeugdzorg_eenouderhuishouden_pct', region_code, period_key, one_parent, youth_total, 100, NULL,
           source_table, 'noemer: alle jongeren met jeugdzorg in dezelfde tabel'
    FROM staging.household_position
    UNION ALL
    SELECT 'echtscheidingen_met_minderjarigen', region_code, period_key, divorces_with_minor_children, NULL, NULL,
           divorces_with_minor_children, source_table, 'gepubliceerd'
    FROM staging.divorces
    UNION ALL
    SELECT 'echtscheidingen_met_minderjarigen_pct', region_code, period_key, divorces_with_minor_children, divorces,
           100, NULL, source_table, 'berekend uit twee gepubliceerde aantallen'
    FROM staging.divorces
),
parts AS (
    SELECT 'jeugdzorg' AS family, * FROM youth_parts
    UNION ALL
    SELECT 'ouderdomein', * FROM parental_parts
)
SELECT
    p.indicator_id,
    p.family,
    p.region_code,
    region_level(p.region_code) AS region_level,
    p.period_key,
    coalesce(per.year, CAST(left(p.period_key, 4) AS INTEGER)) AS year,
    coalesce(per.period_type, 'jaar') AS period_type,
    per.period_number,
    p.numerator,
    p.denominator,
    p.scale,
    -- The published value where CBS publishes the rate itself; otherwise computed from the parts.
    coalesce(p.published_value, CASE WHEN p.scale IS NULL THEN p.numerator
                                     ELSE p.numerator / nullif(p.denominator, 0) * p.scale END) AS value,
    p.published_value IS NOT NULL AS value_is_published,
    p.derivation,
    p.source_table,
    coalesce(per.status, 'onbekend') AS status,
    t.modified AS source_modified
FROM parts AS p
-- 84799NED has no Perioden dimension (it describes 2020): LEFT JOIN, period from the key.
LEFT JOIN staging.cbs_periods AS per ON per.table_id = p.source_table AND per.period_key = p.period_key
JOIN raw.cbs_tables AS t ON t.table_id = p.source_table
WHERE region_level(p.region_code) IN ('gemeente', 'land')
  -- A gemeente only in years in which it existed (CBS lists former gemeenten with empty cells).
  AND (region_level(p.region_code) = 'land' OR EXISTS (
        SELECT 1 FROM staging.gemeente_memberships AS m
        WHERE m.boundary_year = coalesce(per.year, 2020) AND m.gemeente_code = p.region_code)
       OR (per.year < 2015 AND EXISTS (
        SELECT 1 FROM staging.gemeente_history AS h
        WHERE h.gemeente_code = p.region_code AND h.begin_date <= make_date(per.year, 1, 1)
          AND (h.end_date IS NULL OR h.end_date > make_date(per.year, 1, 1)))))
