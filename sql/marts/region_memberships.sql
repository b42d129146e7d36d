-- Per boundary year (1 January), every gemeente with its inhabitants, jeugdregio, provincie, landsdeel and
-- COROP-gebied: the crosswalk for comparing a gemeente with its regions and for aggregating gemeenten.
-- The published copy of staging.gemeente_memberships (built in Python, regions.py): the site, the Parquet export,
-- docs/sql-voorbeelden.md and the quality suites read it here; staging and intermediate models read the staging table.
SELECT * FROM staging.gemeente_memberships
ORDER BY boundary_year, gemeente_code
