-- as_of: the as-of rule, written once. Per key (indicator, municipality, fiscal year) the row of the newest
-- visible snapshot wins. Every query that reads published snapshots builds on this macro (asof_rows,
-- asof_values_for_keys, preview_changes_for_keys, values); dashboard/db.py defines it on the cursor of each
-- query that calls it, and dashboard/asof.py builds its arguments.
--   files, seqs, ids, kinds   the visible snapshots' Parquet files, publish sequence numbers, ids and kinds
--                             ('official' | 'sample'), same order
--
-- Output (unordered): indicator_id, municipality_code, fiscal_year, value (as published: NaN/±inf are kept,
-- the caller decides), seq, snapshot_id, kind of the winning snapshot. seq is unique per snapshot, so arg_max
-- picks one row per key, as a hash aggregate instead of a sort. A caller's WHERE on the key columns with
-- constant lists (`= ANY($list)`) is pushed below the aggregate into the Parquet scan, so a few keys never
-- pull every published row (6M at national scale); filters select whole keys, so each winner is unchanged.
CREATE OR REPLACE TEMP MACRO as_of(files, seqs, ids, kinds) AS TABLE
WITH snaps AS (
    SELECT unnest(files) AS filename, unnest(seqs) AS seq, unnest(ids) AS snapshot_id, unnest(kinds) AS kind
)
SELECT o.indicator_id, o.municipality_code, o.fiscal_year::INTEGER AS fiscal_year,
       arg_max_null(o.value::DOUBLE, s.seq) AS value, max(s.seq) AS seq,
       arg_max_null(s.snapshot_id, s.seq) AS snapshot_id, arg_max_null(s.kind, s.seq) AS kind
FROM read_parquet(files, filename = true) AS o
JOIN snaps AS s USING (filename)
GROUP BY o.indicator_id, o.municipality_code, o.fiscal_year
