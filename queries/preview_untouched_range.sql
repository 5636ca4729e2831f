-- preview_untouched_range: what a candidate snapshot leaves alone, per indicator, for the indicator ids in [$lo, $hi).
-- $candidate  VARCHAR        Parquet file of the validated candidate (a private temporary file)
-- $files      LIST<VARCHAR>  Parquet files of the visible snapshots
-- $lo         VARCHAR        first indicator id of the range, or NULL for no lower bound
-- $hi         VARCHAR        indicator id just after the range, or NULL for no upper bound
--
-- Output: indicator_id, rows (current as-of rows the candidate does not touch), places, first_year, last_year.
-- Run over consecutive ranges, the caller concatenates the parts in order. A key is in force when any visible
-- snapshot has it (which value wins does not matter here), so DISTINCT keys are enough; one range at a time keeps
-- DuckDB's hash tables to that range's keys (all 6M national keys at once: ~600 MB).
WITH cur AS (
    SELECT DISTINCT indicator_id, municipality_code, fiscal_year::INTEGER AS fiscal_year
    FROM read_parquet($files)
    WHERE ($lo IS NULL OR indicator_id >= $lo) AND ($hi IS NULL OR indicator_id < $hi)
),
cand AS (
    SELECT indicator_id, municipality_code, fiscal_year::INTEGER AS fiscal_year
    FROM read_parquet($candidate)
    WHERE ($lo IS NULL OR indicator_id >= $lo) AND ($hi IS NULL OR indicator_id < $hi)
)
SELECT indicator_id, count(*) AS rows, count(DISTINCT municipality_code) AS places,
       min(fiscal_year) AS first_year, max(fiscal_year) AS last_year
FROM cur
ANTI JOIN cand USING (indicator_id, municipality_code, fiscal_year)
GROUP BY indicator_id
ORDER BY indicator_id
