-- Every topic column of every raw CBS table with its title, unit and meaning, from the table's
-- DataProperties (received live, or reconstructed from catalog.yaml for the snapshot: see `reconstructed`).
SELECT
    t.table_id,
    p ->> 'Key' AS column_key,
    p ->> 'Title' AS column_title,
    p ->> 'Unit' AS unit,
    p ->> 'Datatype' AS datatype,
    p ->> 'Description' AS meaning,
    p ->> 'Denominator' AS denominator
FROM raw.cbs_tables AS t,
    unnest(CAST(t.metadata -> 'data_properties' AS JSON[])) AS props(p)
WHERE p ->> 'odata.type' = 'Cbs.OData.Topic'
