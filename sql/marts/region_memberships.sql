-- Per boundary year (1 January), every gemeente with its inhabitants, jeugdregio, provincie, landsdeel and
-- COROP-gebied: the crosswalk for comparing a gemeente with its regions and for aggregating gemeenten.
SELECT * FROM staging.gemeente_memberships
ORDER BY boundary_year, gemeente_code
