-- asof_rows: the contract rows in force at the as-of point (the as-of rule: queries/macros/as_of.sql).
-- $files  LIST<VARCHAR>  Parquet files of the visible snapshots
-- $seqs   LIST<INTEGER>  their publish sequence numbers, same order
-- $ids    LIST<VARCHAR>  their snapshot ids, same order
-- $kinds  LIST<VARCHAR>  their kinds, same order
--
-- Output: indicator_id, municipality_code, fiscal_year, value, snapshot_id (where the value comes from).
SELECT indicator_id, municipality_code, fiscal_year, value, snapshot_id
FROM as_of($files, $seqs, $ids, $kinds)
ORDER BY indicator_id, municipality_code, fiscal_year
