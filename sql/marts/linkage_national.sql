-- National over-representation of parental problems among children with youth care, from the curated
-- publication figures (raw.publications, data/publications/SOURCES.md). Per ouderdomein and youth-care group:
-- the published share with the parental problem among children (or households) with youth care, the share
-- in the reference group, and the ratio. A ratio is taken as published where the publication gives one
-- (ratio_source = 'gepubliceerd'); otherwise it is computed from the two published shares ('berekend'), low with
-- low and high with high for ranges. published_* columns keep the literal wording ('ruim 2', '47-62').
-- National figures only: an association in registers, not an effect on children. See `caveat` per row.
WITH pairs (ouderdomein, measure, youth_care_group, source_id, indicator, youth_group, reference_indicator,
            reference_group, published_ratio_indicator, published_ratio_group, caveat) AS (VALUES
    ('schulden_inkomen', 'Kinderen die opgroeien in een gezin met een uitkering', 'Ambulante jeugdhulp',
     'rvs2023_kinderen_uit_de_knel', 'Kinderen die opgroeien in een gezin met een uitkering', 'Ambulante jeugdhulp',
     'Kinderen die opgroeien in een gezin met een uitkering', 'Geen jeugdhulp', NULL, NULL,
     'Uitkering is een benadering van inkomensproblemen, geen schulden; RVS-advies citeert CBS, peiljaar niet genoemd.'),
    ('schulden_inkomen', 'Kinderen die opgroeien in een gezin met een uitkering',
     'Jeugdhulp met verblijf of jeugdreclassering',
     'rvs2023_kinderen_uit_de_knel', 'Kinderen die opgroeien in een gezin met een uitkering',
     'Jeugdhulp met verblijf of jeugdreclassering',
     'Kinderen die opgroeien in een gezin met een uitkering', 'Geen jeugdhulp', NULL, NULL,
     'Uitkering is een benadering van inkomensproblemen, geen schulden; RVS-advies citeert CBS, peiljaar niet genoemd.'),
    ('schulden_inkomen', 'Kans op jeugdhulp bij problematische schulden in het huishouden', 'Jeugdhulp',
     'rvs2023_kinderen_uit_de_knel', NULL, NULL, NULL, NULL,
     'Relatieve kans op problematische schulden/jeugdhulp bij problematische schulden in het huishouden', 'Kinderen',
     'Alleen een gepubliceerde relatieve kans, geen aandelen; de RVS noemt zelf problemen ontwikkelen en jeugdhulp samen.'),
    ('justitie', 'Kinderen met een ouder die verdacht wordt van een misdrijf', 'Jeugdhulp',
     'rvs2023_kinderen_uit_de_knel', 'Kinderen met een ouder die verdacht wordt van een misdrijf', 'Jeugdhulp',
     'Kinderen die samenwonen met een volwassene die verdacht wordt van een misdrijf', 'Geen jeugdhulp', NULL, NULL,
     'Referentiegroep anders gedefinieerd (samenwonende volwassene, niet ouder) en afgerond op 1%: de verhouding is een grove indicatie.'),
    ('justitie', 'Kinderen met een ouder die verdacht wordt van een misdrijf', 'Jeugdbescherming',
     'rvs2023_kinderen_uit_de_knel', 'Kinderen met een ouder die verdacht wordt van een misdrijf', 'Jeugdbescherming',
     'Kinderen die samenwonen met een volwassene die verdacht wordt van een misdrijf', 'Geen jeugdhulp', NULL, NULL,
     'Referentiegroep anders gedefinieerd (samenwonende volwassene, niet ouder) en afgerond op 1%: de verhouding is een grove indicatie.'),
    ('justitie', 'Volwassenen in het huishouden geregistreerd als slachtoffer van een misdrijf',
     'Jeugdhulp met verblijf', 'rvs2023_kinderen_uit_de_knel',
     'Volwassenen geregistreerd als slachtoffer van een misdrijf', 'Huishoudens met jeugdhulp met verblijf',
     'Volwassenen geregistreerd als slachtoffer van een misdrijf', 'Huishoudens zonder jeugdhulp', NULL, NULL,
     'Aandeel van volwassenen in het huishouden, niet van kinderen; slachtofferschap, geen verdenking.'),
    ('justitie', 'Volwassenen in het huishouden geregistreerd als slachtoffer van een misdrijf',
     'Jeugdreclassering', 'rvs2023_kinderen_uit_de_knel',
     'Volwassenen geregistreerd als slachtoffer van een misdrijf', 'Huishoudens met jeugdreclassering',
     'Volwassenen geregistreerd als slachtoffer van een misdrijf', 'Huishoudens zonder jeugdhulp', NULL, NULL,
     'Aandeel van volwassenen in het huishouden, niet van kinderen; slachtofferschap, geen verdenking.'),
    ('relaties_scheiding', 'Aandeel kinderen met gescheiden ouders', 'Jeugdhulp',
     'rvs2023_kinderen_uit_de_knel', 'Aandeel kinderen met gescheiden ouders', 'Jeugdhulp (afhankelijk van type)',
     NULL, NULL, 'Verhouding aandeel gescheiden ouders jeugdhulp t.o.v. zonder jeugdhulp', 'Jeugdhulp',
     'Bandbreedte over typen jeugdhulp; het aandeel zonder jeugdhulp is niet gepubliceerd, de verhouding wel.'),
    ('relaties_scheiding', 'Aandeel kinderen met gescheiden ouders', 'Jeugdhulp met verblijf',
     'rvs2023_kinderen_uit_de_knel', 'Aandeel kinderen met gescheiden ouders', 'Jeugdhulp met verblijf',
     NULL, NULL, NULL, NULL,
     'Het aandeel zonder jeugdhulp is niet gepubliceerd: geen verhouding te berekenen.'),
    ('ggz_gezondheid', 'Kans op (ambulante) jeugdhulp als een ouder specialistische ggz ontvangt', 'Jeugdhulp',
     'rvs2023_kinderen_uit_de_knel', NULL, NULL, NULL, NULL,
     'Relatieve kans op (ambulante) jeugdhulp als een ouder specialistische ggz ontvangt', 'Kinderen',
     'Alleen een gepubliceerde relatieve kans, geen aandelen.'),
    ('ggz_gezondheid', 'Kans op (ambulante) jeugdhulp als beide ouders specialistische ggz ontvangen', 'Jeugdhulp',
     'rvs2023_kinderen_uit_de_knel', NULL, NULL, NULL, NULL,
     'Relatieve kans op (ambulante) jeugdhulp als beide ouders specialistische ggz ontvangen', 'Kinderen',
     'Alleen een gepubliceerde relatieve kans, geen aandelen.')
),
ggz_households (youth_care_group, youth_group) AS (VALUES
    ('Jeugdzorg', 'Jeugdzorg'), ('Jeugdhulp', 'Jeugdhulp'), ('Jeugdhulp met verblijf', 'Jeugdhulp - Met verblijf'),
    ('Jeugdbescherming', 'Jeugdbescherming'), ('Jeugdreclassering', 'Jeugdreclassering')
),
all_pairs AS (
    SELECT * FROM pairs
    UNION ALL
    -- CBS Doelgroepenanalyse jeugd- en gezinsbescherming 2021, households with at least one minor child.
    SELECT 'ggz_gezondheid', 'Huishoudens met psychische problemen (ggz-zorgkosten of psychofarmaca)', g.youth_care_group,
           'cbs2023_doelgroepenanalyse_jgb_2021',
           'Huishoudens met psychische problemen (ggz-zorgkosten of uitgifte psycho(ana)leptica bij minstens een gezinslid)',
           g.youth_group,
           'Huishoudens met psychische problemen (ggz-zorgkosten of uitgifte psycho(ana)leptica bij minstens een gezinslid)',
           'Totaal huishoudens', NULL, NULL,
           'Huishoudens (gezinstype 3, met minstens een minderjarig kind), niet kinderen; de referentie is alle huishoudens inclusief die met jeugdzorg, dus de verhouding is eerder te laag dan te hoog. Grafiekwaarden door de curator uit tekst zonder scheidingstekens gehaald.'
    FROM ggz_households AS g
),
pub AS (
    SELECT *,
           try_cast(regexp_extract(value, '([0-9]+(\.[0-9]+)?)', 1) AS DOUBLE) AS low,
           coalesce(try_cast(nullif(regexp_extract(value, '-([0-9]+(\.[0-9]+)?)$', 1), '') AS DOUBLE),
                    try_cast(regexp_extract(value, '([0-9]+(\.[0-9]+)?)', 1) AS DOUBLE)) AS high
    FROM raw.publications
    -- The household-type split of the CBS figure: only households with minor children.
    WHERE coalesce(group2, 'Gezinstype 3: huishoudens met minimaal een minderjarig thuiswonend kind')
          = 'Gezinstype 3: huishoudens met minimaal een minderjarig thuiswonend kind'
)
SELECT
    p.ouderdomein,
    p.measure,
    p.youth_care_group,
    coalesce(y.period, r.period, q.period) AS period_label,
    y.low AS share_youth_care_low,
    y.high AS share_youth_care_high,
    y.value AS published_share_youth_care,
    coalesce(r."group", 'niet gepubliceerd') AS reference_group,
    r.low AS share_reference_low,
    r.high AS share_reference_high,
    r.value AS published_share_reference,
    coalesce(q.low, y.low / nullif(r.low, 0)) AS ratio_low,
    coalesce(q.high, y.high / nullif(r.high, 0)) AS ratio_high,
    q.value AS published_ratio,
    CASE WHEN q.value IS NOT NULL THEN 'gepubliceerd' WHEN r.value IS NOT NULL THEN 'berekend' END AS ratio_source,
    coalesce(y.unit, q.unit) AS unit,
    -- The quoted wording where the curated file has it ('ruim twee keer zo groot'), else the figure as printed.
    coalesce(nullif(regexp_extract(coalesce(q.note, y.note, ''), '''([^'']+)''', 1), ''), q.value, y.value)
        AS published_wording,
    p.source_id AS source,
    coalesce(y."table", q."table") AS source_section,
    coalesce(y.url, q.url) AS source_url,
    p.caveat || ' Nationaal verband in registraties tussen groepen, geen effect op kinderen.' AS caveat
FROM all_pairs AS p
LEFT JOIN pub AS y ON y.source_id = p.source_id AND y.indicator = p.indicator AND y."group" = p.youth_group
LEFT JOIN pub AS r ON r.source_id = p.source_id AND r.indicator = p.reference_indicator AND r."group" = p.reference_group
LEFT JOIN pub AS q ON q.source_id = p.source_id AND q.indicator = p.published_ratio_indicator
                  AND q."group" = p.published_ratio_group
