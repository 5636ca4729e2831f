-- values: as-of observations for every place, with catalog roll-ups to 圏域 and prefecture.
-- $files              LIST<VARCHAR>  Parquet files of the snapshots visible at the as-of point
-- $seqs               LIST<INTEGER>  their publish sequence numbers, same order (newest wins)
-- $ids                LIST<VARCHAR>  their snapshot ids, same order
-- $kinds              LIST<VARCHAR>  their kinds ('official' | 'sample'), same order
-- $ind_ids            LIST<VARCHAR>  the loaded catalog's indicators (roll-up rules: the catalog in memory, never
--                                    re-read from disk here, so a query never half-applies an edited catalog)
-- $ind_rollups        LIST<VARCHAR>  their roll-up rule, same order
-- $ind_numerators     LIST<VARCHAR>  their numerator indicator (NULL if none), same order
-- $ind_denominators   LIST<VARCHAR>  their denominator indicator (NULL if none), same order
-- $ind_scales         LIST<DOUBLE>   their scale (NULL: 1), same order
-- $municipalities_csv VARCHAR        path to reference municipalities.csv (圏域 membership)
-- $indicator_ids      LIST<VARCHAR>  indicators to return; empty = all
-- $places             LIST<VARCHAR>  place codes to return (10000, K01…, 5-digit, 00000); empty = all
-- $read_indicators    LIST<VARCHAR>  indicators whose rows to read: the asked ones and the parts of their rates
-- $read_places        LIST<VARCHAR>  place codes whose rows to read: the asked places and their municipalities;
--                                    empty = all (dashboard/asof.py computes both from the catalog)
--
-- Output: indicator_id, place_code, fiscal_year, value, source ('direct' | 'derived' | 'rollup'),
-- n_reporting, n_expected (municipalities behind a roll-up), has_sample, seq (newest snapshot used).
-- Only finite values are returned: a NaN/±inf in a snapshot counts as missing for its key (the newest
-- snapshot's row still wins, so an older value does not come back), and a roll-up or derived value that
-- overflows to ±inf is left out rather than shown.
WITH ind AS (
    SELECT unnest($ind_ids::VARCHAR[]) AS indicator_id, unnest($ind_rollups::VARCHAR[]) AS rollup,
           unnest($ind_numerators::VARCHAR[]) AS numerator, unnest($ind_denominators::VARCHAR[]) AS denominator,
           coalesce(unnest($ind_scales::DOUBLE[]), 1.0) AS scale
),
asked AS (
    SELECT * FROM ind
    WHERE len($indicator_ids) = 0 OR list_contains($indicator_ids, indicator_id)
),
muni AS (
    SELECT code5 AS code, area_code
    FROM read_csv($municipalities_csv, all_varchar = true, header = true)
),
members AS (
    SELECT code, area_code AS place_code FROM muni
    UNION ALL SELECT code, '10000' FROM muni
),
expected AS (
    SELECT place_code, count(*) AS n_expected FROM members GROUP BY place_code
),
-- The as-of rule (queries/macros/as_of.sql) over the rows to read: constant lists, so the filter reaches the scan.
-- A NaN/±inf winner counts as missing for its key: an older value does not come back.
obs_all AS (
    SELECT indicator_id, municipality_code AS code, fiscal_year,
           CASE WHEN isfinite(value) THEN value END AS value, seq, kind
    FROM as_of($files, $seqs, $ids, $kinds)
    WHERE indicator_id = ANY($read_indicators)
      AND (len($read_places) = 0 OR municipality_code = ANY($read_places))
),
obs AS (
    SELECT * FROM obs_all WHERE value IS NOT NULL
),
mobs AS (
    SELECT obs.* FROM obs WHERE code IN (SELECT code FROM muni)
),
-- Numerator/denominator pairs per municipality, for weighted rates. Each side is keyed on the rate
-- first, so the pair join matches (rate, code, year) and never (code, year) across all indicators.
num AS MATERIALIZED (
    SELECT i.indicator_id, i.scale, n.code, n.fiscal_year, n.value, n.seq, n.kind
    FROM asked AS i JOIN mobs AS n ON n.indicator_id = i.numerator
    WHERE i.rollup = 'weighted_rate'
),
den AS MATERIALIZED (
    SELECT i.indicator_id, d.code, d.fiscal_year, d.value, d.seq, d.kind
    FROM asked AS i JOIN mobs AS d ON d.indicator_id = i.denominator
    WHERE i.rollup = 'weighted_rate'
),
pairs AS (
    SELECT n.indicator_id, n.code, n.fiscal_year, n.value AS num, d.value AS den, n.scale,
           greatest(n.seq, d.seq) AS seq, (n.kind = 'sample' OR d.kind = 'sample') AS has_sample
    FROM num AS n
    JOIN den AS d ON d.indicator_id = n.indicator_id AND d.code = n.code AND d.fiscal_year = n.fiscal_year
    WHERE d.value > 0
),
-- Municipal values: a value given in the file wins over one derived from its parts.
mvals AS (
    SELECT indicator_id, code, fiscal_year, value, seq, kind = 'sample' AS has_sample, 'direct' AS source
    FROM mobs WHERE indicator_id IN (SELECT indicator_id FROM asked)
    UNION ALL
    SELECT indicator_id, code, fiscal_year, num / den * scale, seq, has_sample, 'derived'
    FROM pairs
),
mbest AS (
    SELECT * FROM mvals
    QUALIFY row_number() OVER (
        PARTITION BY indicator_id, code, fiscal_year ORDER BY source = 'derived') = 1
),
rolled AS (
    SELECT i.indicator_id, g.place_code, v.fiscal_year,
           CASE any_value(i.rollup)
               WHEN 'sum' THEN sum(v.value)
               WHEN 'mean' THEN avg(v.value)
               WHEN 'count_flag' THEN sum(CASE WHEN v.value >= 0.5 THEN 1 ELSE 0 END)
           END AS value,
           count(*) AS n_reporting, max(v.seq) AS seq, bool_or(v.has_sample) AS has_sample
    FROM mbest AS v
    JOIN asked AS i USING (indicator_id)
    JOIN members AS g USING (code)
    WHERE i.rollup IN ('sum', 'mean', 'count_flag')
    GROUP BY ALL
    UNION ALL
    SELECT p.indicator_id, g.place_code, p.fiscal_year,
           sum(p.num) / sum(p.den) * any_value(p.scale), count(*), max(p.seq), bool_or(p.has_sample)
    FROM pairs AS p
    JOIN members AS g USING (code)
    GROUP BY ALL
),
-- Values given directly for a place that is not a municipality (prefecture, national, 圏域).
direct_other AS (
    SELECT indicator_id, code AS place_code, fiscal_year, value, 'direct' AS source,
           NULL::BIGINT AS n_reporting, seq, kind = 'sample' AS has_sample
    FROM obs
    WHERE code NOT IN (SELECT code FROM muni) AND indicator_id IN (SELECT indicator_id FROM asked)
),
everything AS (
    SELECT indicator_id, code AS place_code, fiscal_year, value, source,
           1::BIGINT AS n_reporting, seq, has_sample
    FROM mbest
    UNION ALL SELECT * FROM direct_other
    UNION ALL
    SELECT indicator_id, place_code, fiscal_year, value, 'rollup', n_reporting, seq, has_sample
    FROM rolled
)
SELECT e.indicator_id, e.place_code, e.fiscal_year::INTEGER AS fiscal_year, e.value::DOUBLE AS value,
       e.source, e.n_reporting, coalesce(x.n_expected, 1) AS n_expected, e.has_sample, e.seq::INTEGER AS seq
FROM everything AS e
LEFT JOIN expected AS x USING (place_code)
WHERE (len($places) = 0 OR list_contains($places, e.place_code)) AND isfinite(e.value::DOUBLE)
-- A figure published for the place itself wins over the roll-up of its municipalities.
QUALIFY row_number() OVER (
    PARTITION BY e.indicator_id, e.place_code, e.fiscal_year ORDER BY e.source = 'rollup') = 1
ORDER BY e.indicator_id, e.place_code, e.fiscal_year
