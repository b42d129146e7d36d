-- Region dimension: every gemeente (2015-2025), jeugdregio, provincie, landsdeel and COROP-gebied, and
-- Nederland, with its latest name, level and the boundary years in which it existed. Gemeenten also carry
-- the begin and end date from 70739NED.
WITH memberships AS (
    SELECT boundary_year, gemeente_code AS code, gemeente_name AS name FROM staging.gemeente_memberships
    UNION ALL SELECT boundary_year, jeugdregio_code, jeugdregio_name FROM staging.gemeente_memberships
    UNION ALL SELECT boundary_year, provincie_code, provincie_name FROM staging.gemeente_memberships
    UNION ALL SELECT boundary_year, landsdeel_code, landsdeel_name FROM staging.gemeente_memberships
    UNION ALL SELECT boundary_year, corop_code, corop_name FROM staging.gemeente_memberships
    UNION ALL SELECT boundary_year, 'NL01', 'Nederland' FROM staging.gemeente_memberships
)
SELECT
    m.code AS region_code,
    arg_max(m.name, m.boundary_year) AS region_name,
    region_level(m.code) AS region_level,
    min(m.boundary_year) AS first_boundary_year,
    max(m.boundary_year) AS last_boundary_year,
    any_value(h.begin_date) AS begin_date,
    any_value(h.end_date) AS end_date
FROM memberships AS m
LEFT JOIN staging.gemeente_history AS h ON h.gemeente_code = m.code
GROUP BY m.code
ORDER BY region_level, region_code
