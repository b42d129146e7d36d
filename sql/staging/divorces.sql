-- Divorces per year in the Netherlands with and without minor children, 60060NED (marriages only: separations
-- of cohabiting parents are not in StatLine). National only.
SELECT
    '60060NED' AS source_table,
    'NL01' AS region_code,
    trim(Perioden) AS period_key,
    CAST(left(Perioden, 4) AS INTEGER) AS year,
    CAST(TotaalEchtscheidingen_1 AS DOUBLE) AS divorces,
    CAST(TotaalEchtscheidingenMetKinderen_7 AS DOUBLE) AS divorces_with_minor_children,
    CAST(EchtscheidingenZonderKinderen_6 AS DOUBLE) AS divorces_without_minor_children
FROM raw.cbs_60060ned
