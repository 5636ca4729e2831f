-- validate_read_parquet: every column of an uploaded Parquet file, as stored (validation connection only).
-- $path  VARCHAR  a private temporary copy of the uploaded file (row count already capped from the footer)
SELECT * FROM read_parquet($path)
