"""The data model of validation: limits, problems, results and the keys an upload touches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dashboard.validate.messages import render

IGNORED_COLUMNS = ("indicator_name", "municipality_name")  # template helper columns: accepted, ignored
EXTENSIONS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx"}


@dataclass(frozen=True)
class Limits:
    """Bounds for reading one untrusted file."""

    max_bytes: int = 30 * 2**20  # the upload itself
    max_rows: int = 2_000_000  # Parquet and CSV data rows
    max_xlsx_rows: int = 200_000  # openpyxl is slow; larger files should come as Parquet or CSV
    max_columns: int = 50
    max_uncompressed: int = 256 * 2**20  # decoded data (Parquet, CSV) / xlsx zip members, as declared
    memory_limit: str = "384MB"  # the validation DuckDB connection (inside the reader process)
    seconds: float = 8.0  # CPU time for reading and checking in the reader process, before it is stopped
    wall_factor: float = 4.0  # ... and wall-clock time x this (a busy machine slows the clock, not the work)
    max_per_rule: int = 1000  # problem records kept per rule (counts are always complete)
    note_max_chars: int = 2000
    max_line_chars: int = 100_000  # one CSV line (a full valid line is a few thousand characters at most)
    max_xlsx_cells: int = 2_000_000  # cells in all sheets of a workbook (the row limit x 10 columns)
    process_memory: int = 900 * 2**20  # the reader process's resident memory (watched; the process is stopped)
    isolate: bool = True  # read and check in a separate process with the memory and time limits above


@dataclass(frozen=True)
class Problem:
    """One problem (or warning) found in a file: where it is, what it is, and why."""

    row: int | None  # 1-based data row (the header is not counted); None for the whole file/column
    column: str | None
    value: str | None
    rule: str
    message_id: str  # its sentence in messages.MESSAGES
    params: dict[str, Any] = field(default_factory=dict)  # the sentence's named parameters
    line: int | None = None  # the line of the file (CSV: the row plus the lines before the data)
    severity: str = "error"  # "error" blocks publishing; "warning" does not

    def message(self, lang: str = "ja") -> str:
        """The problem in words in the given language (rendered here, at the edge, from the rule's sentence)."""
        return render(self, lang)

    @property
    def message_ja(self) -> str:
        """The message in Japanese."""
        return self.message("ja")

    @property
    def message_en(self) -> str:
        """The message in English."""
        return self.message("en")


@dataclass
class Result:
    """Outcome of validating one file."""

    file_name: str
    file_format: str | None  # 'parquet' | 'csv' | 'xlsx' as detected from the content
    rows: int
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # problems per rule, beyond max_per_rule too
    frame: pl.DataFrame | None = None  # the contract frame, only when there are no errors
    reader: dict[str, float] = field(default_factory=dict)  # the reader process: seconds, peak_mb (for benchmarks)

    @property
    def ok(self) -> bool:
        """True when the file can be published."""
        return not self.errors and self.frame is not None

    def problems_frame(self, lang: str = "ja") -> pl.DataFrame:
        """Errors then warnings as a table for display (plain text cells)."""
        rows = [{"severity": p.severity, "row": p.row, "column": p.column, "value": p.value, "rule": p.rule,
                 "message": p.message(lang)} for p in [*self.errors, *self.warnings]]
        schema = {"severity": pl.Utf8, "row": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "rule": pl.Utf8,
                  "message": pl.Utf8}
        return pl.DataFrame(rows, schema=schema)


@dataclass(frozen=True)
class Keys:
    """The published data an upload can be compared with: its indicators (and the references of their relative
    bounds), its places (and every municipality, for coverage), and its fiscal years plus the year before each
    (large revisions compare the same key, large jumps the year before)."""

    indicator_ids: list[str]
    municipality_codes: list[str]
    fiscal_years: list[int]

    @classmethod
    def of(cls, frame: pl.DataFrame) -> Keys:
        """The keys of a contract frame (indicator_id, municipality_code, fiscal_year)."""
        years = frame["fiscal_year"].unique().to_list()
        return cls(indicator_ids=sorted(frame["indicator_id"].unique().to_list()),
                   municipality_codes=sorted(frame["municipality_code"].unique().to_list()),
                   fiscal_years=sorted({int(y) for y in years} | {int(y) - 1 for y in years}))


# The published rows (indicator_id, municipality_code, fiscal_year, value): a frame, or a function given the
# upload's Keys that returns at least the published rows within them (so a store need not read everything).
Published = pl.DataFrame | Callable[[Keys], pl.DataFrame] | None
