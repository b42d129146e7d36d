-- Macros every model may use; created in the warehouse before any model runs, so analysts have them too.

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

-- Wilson interval (in %) for a share of x out of n, z = 1.96 for 95%, 3.09 for 99.8%: honest for small n and for
-- shares near 0 or 100. A comparison share lies outside it exactly when the score test rejects it.
-- (Clamped to 0-100: at x = 0 or x = n the formula gives 0 or 100 up to floating-point noise; greatest() and
-- least() skip NULLs, hence the explicit NULL test.)
CREATE OR REPLACE MACRO wilson_low(x, n, z := 1.96) AS CASE WHEN n > 0 AND x IS NOT NULL THEN greatest(0, 100 * (
    (x / n + z ^ 2 / (2 * n)) - z * sqrt(x / n * (1 - x / n) / n + z ^ 2 / (4 * n ^ 2))) / (1 + z ^ 2 / n)) END;
CREATE OR REPLACE MACRO wilson_high(x, n, z := 1.96) AS CASE WHEN n > 0 AND x IS NOT NULL THEN least(100, 100 * (
    (x / n + z ^ 2 / (2 * n)) + z * sqrt(x / n * (1 - x / n) / n + z ^ 2 / (4 * n ^ 2))) / (1 + z ^ 2 / n)) END;

-- Two-proportion score test: z for share p1 of n1 against share p0 of n0 (pooled variance under equal shares).
CREATE OR REPLACE MACRO two_proportion_z(p1, n1, p0, n0) AS CASE WHEN n1 > 0 AND n0 > 0 THEN
    (p1 - p0) / nullif(sqrt(((p1 * n1 + p0 * n0) / (n1 + n0)) * (1 - (p1 * n1 + p0 * n0) / (n1 + n0))
                            * (1 / n1 + 1 / n0)), 0) END;

-- max(x, 0) that keeps NULL (greatest() skips NULLs: greatest(NULL, 0) is 0, which would invent a value).
CREATE OR REPLACE MACRO non_negative(x) AS CASE WHEN x IS NOT NULL THEN greatest(x, 0) END;
