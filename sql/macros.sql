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
