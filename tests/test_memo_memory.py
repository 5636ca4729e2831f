"""What the memos hold is what they count: a small frame cut from a large one no longer keeps the large one's
strings alive in a cached section, and every page section of a worker shares one byte budget."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard.ui import layout
from dashboard.ui.state import Ledger, ViewCache, ViewKey, compact, deep_size, frame_bytes

ROWS = 200_000


def _big() -> pl.DataFrame:
    # Labels longer than 12 bytes: Polars keeps those in shared buffers that views point into.
    return pl.DataFrame({
        "row": range(ROWS),
        "label": [f"indicator label number {i % 997} of the plan" for i in range(ROWS)],
        "status": pl.Series(["met", "missed"] * (ROWS // 2), dtype=pl.Enum(["met", "missed"])),
    })


def test_a_frame_cut_from_a_large_one_is_counted_with_what_it_keeps_alive() -> None:
    small = _big().filter(pl.col("row") < 5)
    assert small.estimated_size() < 2_000  # what Polars says it holds
    assert frame_bytes(small) > 5_000_000  # what it keeps alive: the large frame's label buffers
    assert deep_size({"table": small}) > 5_000_000


def test_compact_keeps_the_rows_and_types_and_lets_the_rest_go() -> None:
    small = _big().filter(pl.col("row") < 5)
    kept = compact(small)
    assert kept.equals(small) and kept.schema == small.schema  # same rows, same Enum
    assert frame_bytes(kept) < 10_000


@dataclass(frozen=True)
class Section:
    rows: list[str]
    tables: tuple[pl.DataFrame, ...]
    by_name: dict[str, pl.DataFrame]
    note: str = ""


def test_compact_goes_through_a_section_and_leaves_small_ones_as_they_are() -> None:
    big = _big()
    cut = Section(["a"], (big.head(3), big.tail(2)), {"x": big.slice(10, 4)})
    kept = compact(cut)
    assert kept is not cut and kept.rows is cut.rows
    assert [t.height for t in kept.tables] == [3, 2] and kept.by_name["x"].equals(cut.by_name["x"])
    assert deep_size(kept) < 100_000 < 5_000_000 < deep_size(cut)
    own = Section(["b"], (pl.DataFrame({"label": ["a long label of its own rows"] * 3}),), {})
    assert compact(own) is own  # nothing kept alive beyond its rows: no copy


def test_sections_of_every_function_share_one_byte_budget() -> None:
    ledger = Ledger(max_bytes=100, size=len)
    first = ViewCache(lambda v, n: "x" * n, max_entries=10, ledger=ledger)
    second = ViewCache(lambda v, n: "y" * n, max_entries=10, ledger=ledger)
    first("a", 40)
    second("a", 40)
    first("a", 40)  # used again: now the most recent
    second("b", 30)  # 110 bytes: the least recently used of either goes (second's "a")
    held = [[args for args, _kwargs in c.keys()] for c in (first, second)]  # noqa: SIM118 (ViewCache.keys)
    assert held == [[("a", 40)], [("b", 30)]]
    assert ledger.nbytes == 70
    first("big", 500)  # alone above the budget: kept (it is being handed out), everything older goes
    assert (len(first), len(second), ledger.nbytes) == (1, 0, 500)
    first.clear()
    assert ledger.nbytes == 0 and len(ledger) == 0


def test_page_sections_are_compacted_and_counted_in_the_workers_ledger() -> None:
    big = _big()

    @layout.per_view
    def section(v: ViewKey, n: int) -> Section:
        return Section([], (big.head(n),), {})

    before = layout.SECTIONS.nbytes
    try:
        got = section(ViewKey("s", None), 3)
        assert frame_bytes(got.tables[0]) < 10_000
        assert 0 < layout.SECTIONS.nbytes - before < 100_000
    finally:
        section.clear()  # type: ignore[attr-defined]
    assert layout.SECTIONS.nbytes == before
