-- preview_untouched: what a candidate snapshot leaves alone, per indicator.
-- $candidate  VARCHAR        Parquet file of the validated candidate (a private temporary file)
-- $files      LIST<VARCHAR>  Parquet files of the visible snapshots
-- $seqs       LIST<INTEGER>  their publish sequence numbers, same order
--
-- Output: indicator_id, rows (current as-of rows the candidate does not touch), places, first_year, last_year.
WITH snaps AS (
    SELECT unnest($files) AS filename, unnest($seqs) AS seq
),
cur AS (
    SELECT o.indicator_id, o.municipality_code, o.fiscal_year::INTEGER AS fiscal_year
    FROM read_parquet($files, filename = true) AS o
    JOIN snaps AS s USING (filename)
    QUALIFY row_number() OVER (PARTITION BY o.indicator_id, o.municipality_code, o.fiscal_year ORDER BY s.seq DESC) = 1
),
cand AS (
    SELECT indicator_id, municipality_code, fiscal_year::INTEGER AS fiscal_year FROM read_parquet($candidate)
)
SELECT indicator_id, count(*) AS rows, count(DISTINCT municipality_code) AS places,
       min(fiscal_year) AS first_year, max(fiscal_year) AS last_year
FROM cur
ANTI JOIN cand USING (indicator_id, municipality_code, fiscal_year)
GROUP BY indicator_id
ORDER BY indicator_id
