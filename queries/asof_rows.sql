-- asof_rows: the contract rows in force at the as-of point (newest visible snapshot wins per key).
-- $files  LIST<VARCHAR>  Parquet files of the visible snapshots
-- $seqs   LIST<INTEGER>  their publish sequence numbers, same order
-- $ids    LIST<VARCHAR>  their snapshot ids, same order
--
-- Output: indicator_id, municipality_code, fiscal_year, value, snapshot_id (where the value comes from).
WITH snaps AS (
    SELECT unnest($files) AS filename, unnest($seqs) AS seq, unnest($ids) AS snapshot_id
)
SELECT o.indicator_id, o.municipality_code, o.fiscal_year::INTEGER AS fiscal_year, o.value::DOUBLE AS value,
       s.snapshot_id
FROM read_parquet($files, filename = true) AS o
JOIN snaps AS s USING (filename)
QUALIFY row_number() OVER (PARTITION BY o.indicator_id, o.municipality_code, o.fiscal_year ORDER BY s.seq DESC) = 1
ORDER BY o.indicator_id, o.municipality_code, o.fiscal_year
