-- Stapeling (cumulation) of parental problems between areas: per gemeente of the latest boundary year and per
-- year, in how many parental domains (the registry's ouderdomein) the gemeente belongs to the least favourable
-- fifth. Values come from marts.indicator_values harmonised to the latest boundary year (boundary_year = max), so
-- every year compares the same gemeenten; yearly periods only, gemeente level only.
-- Counted: registry indicators with an ouderdomein, a direction lower_is_better or higher_is_better and a value
-- per gemeente. Neutral indicators (Veilig Thuis, eenouderhuishoudens: more can be better or worse) are excluded;
-- a domain with only neutral indicators (relaties_scheiding today) never counts. A value CBS published above 100%
-- is left out.
-- Least favourable fifth, per indicator and year, among the gemeenten with a value: value >= the 80th percentile
-- (quantile_cont, linear interpolation) when lower is better, value <= the 20th percentile when higher is better.
-- A domain is in the worst fifth when at least one of its indicators is; it has data when at least one of its
-- indicators has a value. worst_fifth_<domain> is NULL without data, so missing data never reads as favourable.
-- domains_in_worst_fifth <= domains_with_data. A domain with more indicators is flagged more often (the union of
-- several fifths): the caveat says so, with the proxies among the row's indicators and any indicator that covers
-- fewer than 90% of the gemeenten that year (WSNP is truncated, adreslozen only in about 40 gemeenten).
-- source_label: the CBS tables of the row's values ('Bron: CBS, ...'; only CBS tables have values per gemeente).
-- This is co-occurrence between areas, not within families (the caveat's first sentence).
WITH latest AS (
    SELECT max(boundary_year) AS boundary_year FROM marts.indicator_values
),
counted AS (
    SELECT indicator_id, title, ouderdomein, direction, status
    FROM marts.indicators
    WHERE ouderdomein IS NOT NULL AND status <> 'gap' AND direction IN ('lower_is_better', 'higher_is_better')
),
gemeente_years AS (
    SELECT DISTINCT v.region_code AS gemeente_code, v.year
    FROM marts.indicator_values AS v
    JOIN counted AS c USING (indicator_id)
    WHERE v.boundary_year = (SELECT boundary_year FROM latest) AND v.region_level = 'gemeente'
      AND v.period_type = 'jaar'
),
valued AS (
    SELECT v.indicator_id, c.title, c.ouderdomein, c.direction, c.status, v.region_code AS gemeente_code, v.year,
           v.value, v.source_table
    FROM marts.indicator_values AS v
    JOIN counted AS c USING (indicator_id)
    WHERE v.boundary_year = (SELECT boundary_year FROM latest) AND v.region_level = 'gemeente'
      AND v.period_type = 'jaar' AND v.source_kind = 'cbs' AND v.value IS NOT NULL
      AND NOT coalesce(v.published_above_100, FALSE)
),
cutoffs AS (
    SELECT indicator_id, year,
           quantile_cont(value, 0.8) AS p80,
           quantile_cont(value, 0.2) AS p20,
           count(*) AS gemeenten_with_value
    FROM valued
    GROUP BY ALL
),
coverage AS (
    -- Gemeenten of the boundary year with any counted value that year: the base for 'covers fewer than 90%'.
    SELECT year, count(*) AS gemeenten FROM gemeente_years GROUP BY ALL
),
flagged AS (
    SELECT v.*,
           CASE WHEN v.direction = 'lower_is_better' THEN v.value >= k.p80 ELSE v.value <= k.p20 END AS worst_fifth
    FROM valued AS v
    JOIN cutoffs AS k USING (indicator_id, year)
),
per_domain AS (
    SELECT gemeente_code, year, ouderdomein, bool_or(worst_fifth) AS worst_fifth
    FROM flagged
    GROUP BY ALL
),
per_gemeente AS (
    SELECT gemeente_code, year,
           list(ouderdomein ORDER BY ouderdomein) FILTER (WHERE worst_fifth) AS worst_domains,
           list(ouderdomein ORDER BY ouderdomein) AS data_domains,
           max(worst_fifth) FILTER (WHERE ouderdomein = 'schulden_inkomen') AS worst_fifth_schulden_inkomen,
           max(worst_fifth) FILTER (WHERE ouderdomein = 'wonen') AS worst_fifth_wonen,
           max(worst_fifth) FILTER (WHERE ouderdomein = 'ggz_gezondheid') AS worst_fifth_ggz_gezondheid,
           max(worst_fifth) FILTER (WHERE ouderdomein = 'relaties_scheiding') AS worst_fifth_relaties_scheiding,
           max(worst_fifth) FILTER (WHERE ouderdomein = 'justitie') AS worst_fifth_justitie
    FROM per_domain
    GROUP BY ALL
),
per_gemeente_indicators AS (
    SELECT gemeente_code, year,
           list(indicator_id ORDER BY indicator_id) FILTER (WHERE worst_fifth) AS worst_indicators,
           list(indicator_id ORDER BY indicator_id) AS data_indicators,
           list(indicator_id ORDER BY indicator_id) FILTER (WHERE status = 'proxy') AS proxies,
           string_agg(title, '; ' ORDER BY title) FILTER (WHERE status = 'proxy') AS proxy_titles,
           list(DISTINCT source_table ORDER BY source_table) AS source_tables
    FROM flagged
    GROUP BY ALL
),
sparse AS (
    -- Per year, the counted indicators that cover fewer than 90% of the gemeenten (with a value or not).
    SELECT k.year,
           string_agg(c.title || ' (' || k.gemeenten_with_value || ' van ' || g.gemeenten || ' gemeenten)', '; '
                      ORDER BY c.title) AS titles
    FROM cutoffs AS k
    JOIN counted AS c USING (indicator_id)
    JOIN coverage AS g USING (year)
    WHERE k.gemeenten_with_value < 0.9 * g.gemeenten
    GROUP BY ALL
),
neutral AS (
    -- Parental indicators with gemeente values that are left out because their direction is neutral.
    SELECT string_agg(DISTINCT i.title, '; ' ORDER BY i.title) AS titles
    FROM marts.indicators AS i
    JOIN marts.indicator_values AS v USING (indicator_id)
    WHERE i.ouderdomein IS NOT NULL AND i.direction = 'neutral' AND v.region_level = 'gemeente'
      AND v.boundary_year = (SELECT boundary_year FROM latest) AND v.value IS NOT NULL
)
SELECT
    gy.gemeente_code,
    m.gemeente_name,
    (SELECT boundary_year FROM latest) AS boundary_year,
    gy.year,
    p.worst_fifth_schulden_inkomen,
    p.worst_fifth_wonen,
    p.worst_fifth_ggz_gezondheid,
    p.worst_fifth_relaties_scheiding,
    p.worst_fifth_justitie,
    coalesce(len(p.worst_domains), 0) AS domains_in_worst_fifth,
    coalesce(len(p.data_domains), 0) AS domains_with_data,
    coalesce(p.worst_domains, []) AS worst_fifth_domains,
    coalesce(p.data_domains, []) AS data_domains,
    coalesce(pi.worst_indicators, []) AS indicators_in_worst_fifth,
    coalesce(pi.data_indicators, []) AS indicators_with_data,
    coalesce(pi.proxies, []) AS proxy_indicators,
    'Bron: CBS, ' || CASE WHEN len(pi.source_tables) = 1 THEN pi.source_tables[1]
                          ELSE array_to_string(pi.source_tables[1:len(pi.source_tables) - 1], ', ') || ' en '
                               || pi.source_tables[len(pi.source_tables)] END
        || ' (bewerking kindbelang: omgerekend naar de gemeentelijke indeling van '
        || (SELECT boundary_year FROM latest) || ', ongunstigste vijfde per indicator en jaar)' AS source_label,
    'Stapeling tussen gebieden, niet binnen gezinnen: dat een gemeente op meerdere domeinen bij het ongunstigste '
        || 'vijfde hoort, zegt niet dat dezelfde gezinnen die problemen hebben. Een domein telt als ongunstig wanneer '
        || 'de gemeente op minstens een indicator van dat domein bij het ongunstigste vijfde van de gemeenten met een '
        || 'cijfer hoort; een domein met meer indicatoren valt daardoor vaker op. Een domein zonder cijfer telt niet '
        || 'als gunstig: het aantal domeinen met een cijfer staat ernaast.'
        || coalesce(' Richting neutraal, dus niet meegeteld: ' || n.titles || '.', '')
        || coalesce(' Benaderingen (proxy) in deze rij: ' || pi.proxy_titles || '.', '')
        || coalesce(' Niet elke gemeente heeft in ' || gy.year || ' een cijfer voor: ' || s.titles
                    || '; het vijfde is dat van de gemeenten met een cijfer.', '') AS caveat
FROM gemeente_years AS gy
LEFT JOIN per_gemeente AS p USING (gemeente_code, year)
LEFT JOIN per_gemeente_indicators AS pi USING (gemeente_code, year)
LEFT JOIN marts.region_memberships AS m
    ON m.gemeente_code = gy.gemeente_code AND m.boundary_year = (SELECT boundary_year FROM latest)
LEFT JOIN sparse AS s ON s.year = gy.year
CROSS JOIN neutral AS n
ORDER BY gy.year, gy.gemeente_code
