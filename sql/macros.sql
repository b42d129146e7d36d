-- Macros every model may use; created in the warehouse before any model runs, so analysts have them too.
-- z_95() and z_998() (the z of a two-sided 95% and 99.8% interval) are created just before this file from
-- pipelines/kindbelang/confidence.py, the one place those numbers live (sql_models.run_macros).

-- Level of a CBS region code, from its prefix.
CREATE OR REPLACE MACRO region_level(code) AS CASE left(code, 2)
    WHEN 'NL' THEN 'land'
    WHEN 'LD' THEN 'landsdeel'
    WHEN 'PV' THEN 'provincie'
    WHEN 'CR' THEN 'corop'
    WHEN 'JZ' THEN 'jeugdregio'
    WHEN 'AM' THEN 'arbeidsmarktregio'
    WHEN 'GM' THEN 'gemeente'
    WHEN 'WK' THEN 'wijk'
    WHEN 'BU' THEN 'buurt'
END;

-- Nederland has two CBS codes: NL01 in most tables, NL00 in Kerncijfers wijken en buurten.
CREATE OR REPLACE MACRO normalise_region_code(code) AS CASE WHEN trim(code) = 'NL00' THEN 'NL01' ELSE trim(code) END;

-- Wilson interval (in %) for a share of x out of n, 95% unless z := z_998() asks for 99.8%: honest for small n and
-- for shares near 0 or 100. A comparison share lies outside it exactly when the score test rejects it.
-- (Clamped to 0-100: at x = 0 or x = n the formula gives 0 or 100 up to floating-point noise; greatest() and
-- least() skip NULLs, hence the explicit NULL test.)
CREATE OR REPLACE MACRO wilson_low(x, n, z := z_95()) AS CASE WHEN n > 0 AND x IS NOT NULL THEN greatest(0, 100 * (
    (x / n + z ^ 2 / (2 * n)) - z * sqrt(x / n * (1 - x / n) / n + z ^ 2 / (4 * n ^ 2))) / (1 + z ^ 2 / n)) END;
CREATE OR REPLACE MACRO wilson_high(x, n, z := z_95()) AS CASE WHEN n > 0 AND x IS NOT NULL THEN least(100, 100 * (
    (x / n + z ^ 2 / (2 * n)) + z * sqrt(x / n * (1 - x / n) / n + z ^ 2 / (4 * n ^ 2))) / (1 + z ^ 2 / n)) END;

-- Two-proportion score test: z for share p1 of n1 against share p0 of n0 (pooled variance under equal shares).
CREATE OR REPLACE MACRO two_proportion_z(p1, n1, p0, n0) AS CASE WHEN n1 > 0 AND n0 > 0 THEN
    (p1 - p0) / nullif(sqrt(((p1 * n1 + p0 * n0) / (n1 + n0)) * (1 - (p1 * n1 + p0 * n0) / (n1 + n0))
                            * (1 / n1 + 1 / n0)), 0) END;

-- A CBS period as people read it ('2021', '2021 1e halfjaar'): the one definition, for both boundary views.
CREATE OR REPLACE MACRO cbs_period_label(year, period_type, period_number) AS CASE WHEN period_type = 'jaar'
    THEN CAST(year AS VARCHAR) ELSE year || ' ' || period_number || 'e ' || period_type END;

-- max(x, 0) that keeps NULL (greatest() skips NULLs: greatest(NULL, 0) is 0, which would invent a value).
CREATE OR REPLACE MACRO non_negative(x) AS CASE WHEN x IS NOT NULL THEN greatest(x, 0) END;

-- The periods of CBS tables, from dimension rows (raw.cbs_<id>_dimensions; `dimensions` names a table or a CTE of
-- the model, so a model passes only the tables it reads), parsed from the CBS key (2021JJ00, 2021HJ01, 2015KW01,
-- 2021MM06). status is the release status CBS gives per period in the Perioden list (voorlopig, nader voorlopig,
-- definitief); 'onbekend' where the source did not carry it, as in the processed exports of the snapshot.
CREATE OR REPLACE MACRO cbs_periods(dimensions) AS TABLE
WITH periods AS (
    SELECT
        table_id,
        key AS period_key,
        title AS period_title,
        CAST(left(key, 4) AS INTEGER) AS year,
        substr(key, 5, 2) AS kind,
        CAST(right(key, 2) AS INTEGER) AS number,
        status
    FROM query_table(dimensions)
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
FROM periods;

-- Every topic column of CBS tables with its title, unit and meaning, from metadata rows (raw.cbs_<id>_metadata, a
-- table or a CTE, as in cbs_periods): the tables' DataProperties, received live or reconstructed from catalog.yaml
-- for the snapshot (see `reconstructed` in the metadata).
CREATE OR REPLACE MACRO cbs_columns(metadata) AS TABLE
SELECT
    t.table_id,
    p ->> 'Key' AS column_key,
    p ->> 'Title' AS column_title,
    p ->> 'Unit' AS unit,
    p ->> 'Datatype' AS datatype,
    p ->> 'Description' AS meaning,
    p ->> 'Denominator' AS denominator
FROM query_table(metadata) AS t,
    unnest(CAST(t.metadata -> 'data_properties' AS JSON[])) AS props(p)
WHERE p ->> 'odata.type' = 'Cbs.OData.Topic';
