-- preview_changes_for_keys: each row of a candidate snapshot against the as-of rows with its keys.
-- $candidate       VARCHAR        Parquet file of the validated candidate (a private temporary file)
-- $files           LIST<VARCHAR>  Parquet files of the visible snapshots
-- $seqs            LIST<INTEGER>  their publish sequence numbers, same order
-- $ids             LIST<VARCHAR>  their snapshot ids, same order
-- $indicators      LIST<VARCHAR>  the candidate's indicator ids
-- $municipalities  LIST<VARCHAR>  its municipality codes
-- $fiscal_years    LIST<INTEGER>  its fiscal years
--
-- Output: indicator_id, municipality_code, fiscal_year, new_value, old_value, old_snapshot,
-- change ('add' = a key not published before, 'revise' = a different value, 'same' = the value already in force).
-- Only published keys within the candidate's indicators, places and years can meet a candidate row, so the as-of
-- rule runs on those alone (`= ANY(list)` filters the Parquet scan): a 1M-row candidate no longer ranks every
-- published row (6M at national scale); each key's winner is the same as over all rows.
WITH snaps AS (
    SELECT unnest($files) AS filename, unnest($seqs) AS seq, unnest($ids) AS snapshot_id
),
cur AS (
    SELECT o.indicator_id, o.municipality_code, o.fiscal_year::INTEGER AS fiscal_year, o.value, s.snapshot_id
    FROM read_parquet($files, filename = true) AS o
    JOIN snaps AS s USING (filename)
    WHERE o.indicator_id = ANY($indicators)
      AND o.municipality_code = ANY($municipalities)
      AND o.fiscal_year = ANY($fiscal_years)
    QUALIFY row_number() OVER (PARTITION BY o.indicator_id, o.municipality_code, o.fiscal_year ORDER BY s.seq DESC) = 1
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
