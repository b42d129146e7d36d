-- Every period of every raw CBS table, parsed from its CBS key (2021JJ00, 2021HJ01, 2015KW01, 2021MM06).
-- status is the release status CBS gives per period in the Perioden list (voorlopig, nader voorlopig,
-- definitief); 'onbekend' where the source did not carry it, as in the processed exports of the snapshot.
WITH periods AS (
    SELECT
        table_id,
        key AS period_key,
        title AS period_title,
        CAST(left(key, 4) AS INTEGER) AS year,
        substr(key, 5, 2) AS kind,
        CAST(right(key, 2) AS INTEGER) AS number,
        status
    FROM raw.cbs_dimensions
    WHERE dimension = 'Perioden'
)
SELECT
    table_id,
    period_key,
    period_title,
    year,
    CASE kind WHEN 'JJ' THEN 'jaar' WHEN 'HJ' THEN 'halfjaar' WHEN 'KW' THEN 'kwartaal' WHEN 'MM' THEN 'maand' END
        AS period_type,
    CASE WHEN kind = 'JJ' THEN NULL ELSE number END AS period_number,
    CASE kind
        WHEN 'JJ' THEN make_date(year, 1, 1)
        WHEN 'HJ' THEN make_date(year, 6 * (number - 1) + 1, 1)
        WHEN 'KW' THEN make_date(year, 3 * (number - 1) + 1, 1)
        WHEN 'MM' THEN make_date(year, number, 1)
    END AS period_start,
    CASE kind
        WHEN 'JJ' THEN make_date(year, 12, 31)
        WHEN 'HJ' THEN last_day(make_date(year, 6 * number, 1))
        WHEN 'KW' THEN last_day(make_date(year, 3 * number, 1))
        WHEN 'MM' THEN last_day(make_date(year, number, 1))
    END AS period_end,
    coalesce(nullif(lower(trim(status)), ''), 'onbekend') AS status
FROM periods
