-- asof_values_for_keys: the values in force within an upload's keys (the as-of rule: queries/macros/as_of.sql),
-- for its warnings (large revisions: the same key; large jumps: the year before). Reading only these keys keeps
-- a 1M-row upload from pulling every published row (6M at national scale) into memory.
-- $files           LIST<VARCHAR>  Parquet files of the visible snapshots
-- $seqs            LIST<INTEGER>  their publish sequence numbers, same order
-- $ids             LIST<VARCHAR>  their snapshot ids, same order
-- $kinds           LIST<VARCHAR>  their kinds, same order
-- $indicators      LIST<VARCHAR>  the upload's indicator ids
-- $municipalities  LIST<VARCHAR>  its municipality codes
-- $fiscal_years    LIST<INTEGER>  its fiscal years and the year before each
--
-- Output (unordered): indicator_id, municipality_code, fiscal_year, value, for every published key whose indicator,
-- municipality and year are all in the lists.
SELECT indicator_id, municipality_code, fiscal_year, value
FROM as_of($files, $seqs, $ids, $kinds)
WHERE indicator_id = ANY($indicators) AND municipality_code = ANY($municipalities)
  AND fiscal_year = ANY($fiscal_years)
