-- The published values: one row per indicator, region, period and boundary view, for every registry
-- indicator that is not a gap (marts.indicators). Two views in the same columns:
--   boundary_year NULL  the period's own boundaries (own_boundaries), from three kinds of source (source_kind):
--     cbs         youth-care forms: the CBS cells the registry names (marts.youth_care_use, all region levels),
--                 with numerator and denominator from intermediate.indicator_parts where they exist (gemeente,
--                 Nederland);
--     cbs         parental domains (ouderdomeinen): rates built in intermediate.indicator_parts (value = numerator /
--                 denominator x scale; suppressed numerator -> no value), gemeente and Nederland;
--     publicatie  national figures from curated publications (raw.publications): the number as published, its
--                 literal wording (published_wording: 'bijna 485.000') and URL. Their period is the published
--                 text (period_label), not a CBS key; year is the first year in it.
--   boundary_year = Y   harmonised to the gemeente boundaries of year Y (harmonised, from
--                       intermediate.indicator_parts_harmonised): counts of merged gemeenten summed, rates
--                       recomputed from summed numerators and denominators (never averaged), splits divided by
--                       land-area share (intermediate.boundary_crosswalk), no value where any contributing
--                       gemeente's numerator is suppressed. Gemeente, jeugdregio, provincie and Nederland of the
--                       boundary year; every gemeente of the boundary year is present for every period from 2015.
-- *_low / *_high: the range the CBS rounding allows for the published value and each part (indicator parts).
-- status is CBS's release status of the period; publications carry none ('onbekend', never guessed).
-- source_organisation / source_label: who published the figure ('Bron: CBS, 85098NED'; 'Bron: Trimbos-instituut,
-- ...'); caveat: the registry's caveat; source_note: the publication's own note on this figure (revisions, wording).
-- value_low / value_high (interval_method says which):
--   a rate with numerator and denominator: the Wilson 95% interval of the extreme shares the CBS rounding allows
--     (published share +/- half its rounding step, or lowest numerator over highest denominator and vice versa),
--     on the smallest denominator the rounding allows. CBS counts whole populations, but a small gemeente's rate
--     still moves by chance from year to year; the interval shows how much. It is never narrower than rounding;
--   a rate without parts (its true denominator is not in the data): the rounding range only;
--   a count: the rounding range (CBS rounds youth-care counts to fives); an exact count gets none;
--   a survey estimate: the source's own 95% interval (interval_source, e.g. the Gezondheidsmonitor's margins);
--   publication figures: empty (their rounding is in published_wording: 'ruim', 'bijna').
-- A share CBS published above 100% (published_above_100) gets the rounding range only: no count model fits it.
WITH registry_sources AS (
    SELECT indicator_id, unit, unnest(sources, recursive := true)
    FROM marts.indicators
    WHERE status <> 'gap'
),
youth_care AS (
    SELECT
        r.indicator_id,
        u.region_code,
        u.region_level,
        u.period_key AS period,
        u.year,
        u.period_type,
        u.period_number,
        u.value,
        p.numerator,
        p.denominator,
        p.scale,
        p.numerator_low, p.numerator_high, p.denominator_low, p.denominator_high,
        -- Regions without parts (provincie, jeugdregio, ...): CBS's rounding of the cell itself.
        coalesce(p.published_low, non_negative(u.value - u.half_step)) AS published_low,
        coalesce(p.published_high, u.value + u.half_step) AS published_high,
        coalesce(p.published_above_100, u.unit = '%' AND u.value > 100) AS published_above_100,
        p.derivation, p.denominator_source, p.interval_source,
        r.unit,
        u.status,
        'cbs' AS source_kind,
        u.source_table,
        'CBS' AS source_organisation,
        'Bron: CBS, ' || u.source_table AS source_label,
        CAST(NULL AS VARCHAR) AS source_note,
        CAST(NULL AS VARCHAR) AS source_url,
        CAST(NULL AS VARCHAR) AS published_wording,
        u.source_modified
    FROM registry_sources AS r
    JOIN (SELECT *, CASE unit WHEN '%' THEN 0.05 WHEN 'aantal' THEN 2.5 END AS half_step
          FROM marts.youth_care_use) AS u
        ON u.source_table = r."table"
       AND u.column_key = r."column"
       AND (r.care_form IS NULL OR u.care_form = r.care_form)
    LEFT JOIN intermediate.indicator_parts AS p
        ON p.indicator_id = r.indicator_id AND p.region_code = u.region_code
       AND p.period_key = u.period_key AND p.source_table = u.source_table
),
parental AS (
    SELECT
        p.indicator_id,
        p.region_code,
        p.region_level,
        p.period_key AS period,
        p.year,
        p.period_type,
        p.period_number,
        p.value,
        p.numerator,
        p.denominator,
        p.scale,
        p.numerator_low, p.numerator_high, p.denominator_low, p.denominator_high,
        p.published_low, p.published_high, p.published_above_100, p.derivation, p.denominator_source,
        p.interval_source,
        i.unit,
        p.status,
        'cbs' AS source_kind,
        p.source_table,
        'CBS' AS source_organisation,
        'Bron: CBS, ' || p.source_table AS source_label,
        CAST(NULL AS VARCHAR) AS source_note,
        CAST(NULL AS VARCHAR) AS source_url,
        CAST(NULL AS VARCHAR) AS published_wording,
        p.source_modified
    FROM intermediate.indicator_parts AS p
    JOIN marts.indicators AS i ON i.indicator_id = p.indicator_id AND i.status <> 'gap'
    WHERE p.family = 'ouderdomein'
),
publication AS (
    SELECT
        r.indicator_id,
        'NL01' AS region_code,
        'land' AS region_level,
        trim(pub.period) AS period,
        CAST(regexp_extract(pub.period, '(19|20)[0-9]{2}') AS INTEGER) AS year,
        -- A stock on a date or a plain year is a yearly figure; 'circa 2023' or 'per jaar' is a one-off.
        CASE WHEN regexp_full_match(trim(pub.period), '(19|20)[0-9]{2}(-12-31)?') THEN 'jaar' ELSE 'eenmalig' END
            AS period_type,
        CAST(NULL AS INTEGER) AS period_number,
        try_cast(pub.value AS DOUBLE) AS value,
        CAST(NULL AS DOUBLE) AS numerator,
        CAST(NULL AS DOUBLE) AS denominator,
        CAST(NULL AS DOUBLE) AS scale,
        r.unit,
        'onbekend' AS status,
        'publicatie' AS source_kind,
        pub.source_id AS source_table,
        pub.organisation AS source_organisation,
        pub.source_label,
        pub.note AS source_note,
        CAST(NULL AS VARCHAR) AS derivation,
        CAST(NULL AS VARCHAR) AS denominator_source,
        CAST(NULL AS VARCHAR) AS interval_source,
        FALSE AS published_above_100,
        pub.url AS source_url,
        -- The literal wording where the curated file quotes it ('bijna 485.000'), else the number as printed.
        coalesce(nullif(regexp_extract(pub.note, '''([^'']+)''', 1), ''), pub.value) AS published_wording,
        CAST(NULL AS VARCHAR) AS source_modified
    FROM registry_sources AS r
    JOIN raw.publications AS pub
        ON pub.source_id = r.publication
       AND pub.indicator = r.publication_indicator
       AND (r.publication_group IS NULL OR pub."group" = r.publication_group)
),
own_boundaries AS (
    SELECT
        indicator_id, region_code, region_level, period,
        -- Readable period: the CBS key as text (2021, 2021 1e halfjaar) or the publication's own period text.
        CASE WHEN source_kind = 'publicatie' THEN period
             ELSE cbs_period_label(year, period_type, period_number) END AS period_label,
        year, period_type, period_number, value, numerator, denominator, scale, numerator_low, numerator_high,
        denominator_low, denominator_high, published_low, published_high, published_above_100, derivation,
        denominator_source, interval_source, unit, status, source_kind, source_table, source_organisation,
        source_label, source_note, source_url, published_wording, source_modified,
        CAST(NULL AS INTEGER) AS boundary_year
    FROM (
        SELECT * FROM youth_care
        UNION ALL BY NAME
        SELECT * FROM parental
        UNION ALL BY NAME
        SELECT * FROM publication
    )
),
published_indicators AS (
    SELECT indicator_id, unit FROM marts.indicators WHERE status <> 'gap'
),
harmonised AS (
    SELECT
        h.indicator_id,
        h.region_code,
        h.region_level,
        h.period_key AS period,
        cbs_period_label(h.year, h.period_type, h.period_number) AS period_label,
        h.year,
        h.period_type,
        h.period_number,
        h.value,
        h.numerator,
        h.denominator,
        h.scale,
        h.numerator_low, h.numerator_high, h.denominator_low, h.denominator_high,
        h.published_low, h.published_high, h.published_above_100,
        'omgerekend naar de indeling van ' || h.boundary_year || ': tellers en noemers opgeteld' AS derivation,
        CAST(NULL AS VARCHAR) AS denominator_source,
        CAST(NULL AS VARCHAR) AS interval_source,
        r.unit,
        h.status,
        'cbs' AS source_kind,
        h.source_table,
        'CBS' AS source_organisation,
        'Bron: CBS, ' || h.source_table || ' (bewerking kindbelang: omgerekend naar de gemeentelijke indeling van '
            || h.boundary_year || ')' AS source_label,
        CAST(NULL AS VARCHAR) AS source_note,
        CAST(NULL AS VARCHAR) AS source_url,
        CAST(NULL AS VARCHAR) AS published_wording,
        h.source_modified,
        h.boundary_year
    FROM intermediate.indicator_parts_harmonised AS h
    JOIN published_indicators AS r USING (indicator_id)
),
combined AS (
    SELECT * FROM own_boundaries
    UNION ALL BY NAME
    SELECT * FROM harmonised
),
bounded AS (
    SELECT *,
           -- Extreme shares (in value units) consistent with the rounded figures.
           coalesce(published_low, numerator_low / nullif(denominator_high, 0) * scale,
                    CASE WHEN scale IS NULL THEN numerator_low END) AS share_low,
           coalesce(published_high, numerator_high / nullif(denominator_low, 0) * scale,
                    CASE WHEN scale IS NULL THEN numerator_high END) AS share_high,
           denominator_low AS n_min
    FROM combined
)
SELECT
    b.* EXCLUDE (scale, share_low, share_high, n_min, numerator_low, numerator_high, denominator_high,
                 published_low, published_high, interval_source),
    -- The range of values consistent with CBS's rounding (before chance is added).
    CASE WHEN b.source_kind = 'cbs' THEN b.share_low END AS rounding_low,
    CASE WHEN b.source_kind = 'cbs' THEN b.share_high END AS rounding_high,
    CASE WHEN b.scale IS NOT NULL AND b.n_min > 0 AND b.share_high <= b.scale AND NOT b.published_above_100
              THEN least(wilson_low(b.share_low / b.scale * b.n_min, b.n_min) / 100 * b.scale, b.share_low)
         WHEN b.source_kind = 'cbs' AND b.share_low < b.share_high THEN b.share_low END AS value_low,
    CASE WHEN b.scale IS NOT NULL AND b.n_min > 0 AND b.share_high <= b.scale AND NOT b.published_above_100
              THEN greatest(wilson_high(b.share_high / b.scale * b.n_min, b.n_min) / 100 * b.scale, b.share_high)
         WHEN b.source_kind = 'cbs' AND b.share_low < b.share_high THEN b.share_high END AS value_high,
    CASE WHEN b.interval_source IS NOT NULL AND b.share_low < b.share_high THEN b.interval_source
         WHEN b.scale IS NOT NULL AND b.n_min > 0 AND b.share_high <= b.scale AND NOT b.published_above_100
              THEN 'Wilson 95% op de uiterste waarden die de CBS-afronding toelaat'
         WHEN b.source_kind = 'cbs' AND b.share_low < b.share_high
              THEN 'alleen afronding (geen teller en noemer)'
    END AS interval_method,
    i.caveat
FROM bounded AS b
JOIN marts.indicators AS i USING (indicator_id)