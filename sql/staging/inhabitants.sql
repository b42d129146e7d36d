-- Inhabitants on 1 January per gemeente and year (Inwonertal of Gebieden in Nederland <year>, on that year's
-- boundaries; equal to 84799NED AantalInwoners for 2020) and for Nederland as the sum of its gemeenten.
-- The denominator of every "per 1 000 inwoners" rate.
SELECT boundary_year AS year, gemeente_code AS region_code, CAST(inhabitants AS DOUBLE) AS inhabitants
FROM staging.gemeente_memberships
UNION ALL
SELECT boundary_year, 'NL01', CAST(sum(inhabitants) AS DOUBLE)
FROM staging.gemeente_memberships
GROUP BY boundary_year
