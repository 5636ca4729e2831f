"""The one SQL runner: loads queries/NAME.sql, checks its declared $params, returns Polars.

Rules shared by several queries are DuckDB macros in queries/macros/NAME.sql (one macro NAME per file,
e.g. the as-of rule `as_of`); a query that calls NAME(...) gets the macro defined on its own cursor first.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from dashboard.config import QUERIES_DIR

if TYPE_CHECKING:  # pyarrow only for run_arrow's type: not imported by every process that runs a query
    import pyarrow as pa

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Header lines look like:  -- $files  LIST<VARCHAR>  what it is
_PARAM = re.compile(r"^--\s*\$([a-z_][a-z0-9_]*)\b", re.MULTILINE)


MACROS_DIR = QUERIES_DIR / "macros"


@dataclass(frozen=True)
class Query:
    """One SQL file, the parameters its header declares and the macro definitions it needs (in order)."""

    name: str
    sql: str
    params: frozenset[str]
    macros: tuple[str, ...] = ()


def query_names() -> list[str]:
    """Names of all queries shipped in queries/ (the allow-list)."""
    return sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))


@functools.cache
def load(name: str) -> Query:
    """Load a named query; names outside queries/ are refused."""
    if not _NAME.match(name) or name not in query_names():
        raise ValueError(f"unknown query: {name!r}")
    sql = (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")
    return Query(name, sql, frozenset(_PARAM.findall(sql)), _macros_for(_body(sql)))


@functools.cache
def macros() -> dict[str, str]:
    """The shared macros: name -> its `CREATE OR REPLACE TEMP MACRO` statement (queries/macros/NAME.sql)."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(MACROS_DIR.glob("*.sql"))}


def _body(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())  # comments may name a macro


def _macros_for(body: str) -> tuple[str, ...]:
    """Definitions of the macros a query body calls (a macro does not call another one)."""
    return tuple(d for name, d in macros().items() if re.search(rf"\b{name}\s*\(", body))


def prepare(cur: duckdb.DuckDBPyConnection, q: Query) -> None:
    """Define the macros the query needs on this cursor (TEMP: they live and die with it)."""
    for definition in q.macros:
        cur.execute(definition)


# The shared connection's share of a worker's memory budget (1.5 GB per worker, bench/memory.py), in MB:
# $GUNMA_DUCKDB_MEMORY_MB. Past it a query spills to temp_directory() instead of growing the worker (at national
# scale some do: without a folder to spill to they failed). 256, not 512: a worker's peak over 50 as-of snapshots
# at national scale came when snapshots were first viewed before their pre-aggregated file existed (values
# computed from the snapshots): 1,541-1,619 MB with 512, 1,258-1,360 MB with 256. That direct path got 1.1-2x
# slower (e.g. one place's profile 1.6 -> 3.2 s, until the file is built); the pre-aggregated queries did not.
MEMORY_MB = 256


def default_memory_limit() -> str:
    """The DuckDB memory limit of the shared connection ($GUNMA_DUCKDB_MEMORY_MB, default MEMORY_MB)."""
    return f"{float(os.environ.get('GUNMA_DUCKDB_MEMORY_MB') or MEMORY_MB):g}MB"


def temp_directory() -> str:
    """Where DuckDB spills past its memory limit: under the system's temporary folder ($TMPDIR), which every
    deployment can write (DuckDB's default, .tmp/ in the working folder, is on a read-only root file system)."""
    return os.path.join(tempfile.gettempdir(), "gunma-duckdb")


def connect(memory_limit: str | None = None, threads: int = 2) -> duckdb.DuckDBPyConnection:
    """A process-wide in-memory DuckDB connection; callers take a cursor() per query."""
    return duckdb.connect(config={"memory_limit": memory_limit or default_memory_limit(), "threads": threads,
                                  "temp_directory": temp_directory()})


def checked(name: str, params: dict[str, Any]) -> Query:
    """The named query, once the given parameters are exactly those its header declares."""
    q = load(name)
    given = set(params)
    if given != q.params:
        raise ValueError(
            f"query {name}: missing {sorted(q.params - given)}, unexpected {sorted(given - q.params)}"
        )
    return q


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pl.DataFrame:
    """Run queries/NAME.sql with bound parameters on a fresh cursor and return a Polars frame."""
    q = checked(name, params)
    cur = con.cursor()  # a cursor per query: a shared connection is not thread-safe
    try:
        prepare(cur, q)
        return cur.sql(q.sql, params=params).pl()
    finally:
        cur.close()


def run_arrow(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pa.Table:
    """Same as run(), returning an Arrow table (for writing Parquet without a copy through Polars)."""
    q = checked(name, params)
    cur = con.cursor()
    try:
        prepare(cur, q)
        return cur.sql(q.sql, params=params).to_arrow_table()
    finally:
        cur.close()
