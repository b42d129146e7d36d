-- Arrears on health-insurance premiums (wanbetalers zorgpremie) per region and year, 81064NED, on 31 December.
-- CBS publishes the count and the share of insured adults; the share's denominator (insured persons 18+) is
-- not published, so it is derived as count / share x 100: the part that harmonised rates are summed from.
SELECT
    '81064NED' AS source_table,
    normalise_region_code(RegioS) AS region_code,
    trim(Perioden) AS period_key,
    CAST(left(Perioden, 4) AS INTEGER) AS year,
    CAST(PersonenMetEenBetalingsachterstand_1 AS DOUBLE) AS persons_in_arrears,
    CAST(PersMetBetalingsachterstandRelatief_2 AS DOUBLE) AS arrears_pct,
    PersonenMetEenBetalingsachterstand_1 / nullif(PersMetBetalingsachterstandRelatief_2, 0) * 100 AS insured_adults_derived
FROM raw.cbs_81064ned
