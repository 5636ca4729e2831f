-- preview_changes_for_keys: each row of a candidate snapshot against the as-of rows with its keys.
-- $candidate       VARCHAR        Parquet file of the validated candidate (a private temporary file)
-- $files           LIST<VARCHAR>  Parquet files of the visible snapshots
-- $seqs            LIST<INTEGER>  their publish sequence numbers, same order
-- $ids             LIST<VARCHAR>  their snapshot ids, same order
-- $kinds           LIST<VARCHAR>  their kinds, same order
-- $indicators      LIST<VARCHAR>  the candidate's indicator ids
-- $municipalities  LIST<VARCHAR>  its municipality codes
-- $fiscal_years    LIST<INTEGER>  its fiscal years
--
-- Output: indicator_id, municipality_code, fiscal_year, new_value, old_value, old_snapshot,
-- change ('add' = a key not published before, 'revise' = a different value, 'same' = the value already in force).
-- Only published keys within the candidate's indicators, places and years can meet a candidate row, so the as-of
-- rule (queries/macros/as_of.sql) runs on those alone: a 1M-row candidate no longer ranks every published row
-- (6M at national scale).
WITH cur AS (
    SELECT indicator_id, municipality_code, fiscal_year, value, snapshot_id
    FROM as_of($files, $seqs, $ids, $kinds)
    WHERE indicator_id = ANY($indicators) AND municipality_code = ANY($municipalities)
      AND fiscal_year = ANY($fiscal_years)
),
cand AS (
    SELECT indicator_id, municipality_code, fiscal_year::INTEGER AS fiscal_year, value
    FROM read_parquet($candidate)
)
SELECT c.indicator_id, c.municipality_code, c.fiscal_year, c.value::DOUBLE AS new_value,
       cur.value::DOUBLE AS old_value, cur.snapshot_id AS old_snapshot,
       CASE WHEN cur.indicator_id IS NULL THEN 'add'
            WHEN cur.value IS NOT DISTINCT FROM c.value THEN 'same'
            ELSE 'revise' END AS change
FROM cand AS c
LEFT JOIN cur USING (indicator_id, municipality_code, fiscal_year)
ORDER BY c.indicator_id, c.municipality_code, c.fiscal_year
