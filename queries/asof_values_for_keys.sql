-- asof_values_for_keys: the values in force (newest visible snapshot wins per key) within an upload's keys,
-- for its warnings (large revisions: the same key; large jumps: the year before). Reading only these keys keeps
-- a 1M-row upload from pulling every published row (6M at national scale) into memory.
-- $files           LIST<VARCHAR>  Parquet files of the visible snapshots
-- $seqs            LIST<INTEGER>  their publish sequence numbers, same order
-- $indicators      LIST<VARCHAR>  the upload's indicator ids
-- $municipalities  LIST<VARCHAR>  its municipality codes
-- $fiscal_years    LIST<INTEGER>  its fiscal years and the year before each
--
-- Output (unordered): indicator_id, municipality_code, fiscal_year, value, for every published key whose indicator,
-- municipality and year are all in the lists. The filters select whole keys, so each key's winner is the same as
-- in asof_rows; `= ANY(list)` becomes a semi join that filters the Parquet scan.
WITH snaps AS (
    SELECT unnest($files) AS filename, unnest($seqs) AS seq
)
SELECT o.indicator_id, o.municipality_code, o.fiscal_year::INTEGER AS fiscal_year, o.value::DOUBLE AS value
FROM read_parquet($files, filename = true) AS o
JOIN snaps AS s USING (filename)
WHERE o.indicator_id = ANY($indicators)
  AND o.municipality_code = ANY($municipalities)
  AND o.fiscal_year = ANY($fiscal_years)
QUALIFY row_number() OVER (PARTITION BY o.indicator_id, o.municipality_code, o.fiscal_year ORDER BY s.seq DESC) = 1
