-- values_cached: the `values` query's output for some indicators and places, read from the
-- pre-aggregated file of one snapshot set (dashboard/materialize.py writes it, sorted by indicator).
-- $file           VARCHAR        the pre-aggregated Parquet file (values-<key>.parquet)
-- $indicator_ids  LIST<VARCHAR>  indicators to return; empty = all
-- $places         LIST<VARCHAR>  place codes to return; empty = all
--
-- Output: the columns of queries/values.sql, same rows. IN (subquery) rather than list_contains:
-- DuckDB turns it into a join whose key range is pushed into the Parquet scan, so only the row
-- groups of the asked indicators are read. No ORDER BY: the caller sorts the (small) result.
SELECT *
FROM read_parquet($file)
WHERE (len($indicator_ids) = 0 OR indicator_id IN (SELECT unnest($indicator_ids)))
  AND (len($places) = 0 OR place_code IN (SELECT unnest($places)))
