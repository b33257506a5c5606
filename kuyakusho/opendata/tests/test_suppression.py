"""Small-cell protection: an attacker with the published table and its totals cannot work out a hidden cell."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kuyakusho.opendata.suppression import protect


def _rank(rows: list[list[Fraction]]) -> int:
    m = [r[:] for r in rows]
    rank, cols = 0, len(m[0]) if m else 0
    for c in range(cols):
        pivot = next((i for i in range(rank, len(m)) if m[i][c] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][c] != 0:
                f = m[i][c] / m[rank][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[rank], strict=True)]
        rank += 1
    return rank


def determined_cells(table: list[list[int]], suppressed: set[tuple[int, int]],
                     hidden_rows: set[int] | frozenset[int] = frozenset()) -> set[tuple[int, int]]:
    """The hidden cells an attacker can compute exactly from the visible cells, every column total and the totals
    of the rows not withheld: a cell is determined iff its unit vector lies in the row space of the equations
    over the hidden cells."""
    unknowns = sorted(suppressed)
    index = {cell: k for k, cell in enumerate(unknowns)}
    equations: list[list[Fraction]] = []
    for i in range(len(table)):
        if i not in hidden_rows:
            equations.append([Fraction(1) if u[0] == i else Fraction(0) for u in unknowns])
    for j in range(len(table[0])):
        equations.append([Fraction(1) if u[1] == j else Fraction(0) for u in unknowns])
    base = _rank(equations)
    found = set()
    for cell, k in index.items():
        unit = [Fraction(1) if n == k else Fraction(0) for n in range(len(unknowns))]
        if _rank([*equations, unit]) == base:
            found.add(cell)
    return found


def test_small_cells_are_suppressed_and_complemented():
    table = [[12, 3, 40], [20, 30, 25], [15, 11, 50]]
    result = protect(table, 10)
    assert result.primary == {(0, 1)}
    assert (0, 1) in result.suppressed and len(result.suppressed) >= 4  # a lone hidden cell is the total minus the rest
    assert not determined_cells(table, set(result.suppressed))


def test_the_attack_recovers_a_cell_hidden_without_complements():
    """The check can fail: hiding only the small cell lets subtraction reveal it."""
    table = [[12, 3, 40], [20, 30, 25], [15, 11, 50]]
    assert determined_cells(table, {(0, 1)}) == {(0, 1)}
    row_total = sum(table[0])
    assert row_total - 12 - 40 == 3


def test_a_bridge_between_two_cycles_is_closed():
    # Two 2×2 blocks of small cells joined by one more small cell: that one would be a bridge.
    table = [[1, 2, 50, 50, 50], [3, 4, 50, 50, 50], [50, 5, 1, 2, 50], [50, 50, 3, 4, 50], [50, 50, 50, 50, 50]]
    result = protect(table, 10)
    assert not determined_cells(table, set(result.suppressed))


def test_refuses_what_cannot_be_protected():
    with pytest.raises(ValueError):
        protect([[3, 40, 50]], 10)  # a single row: its total reveals the sum, the column totals each cell


def test_a_row_whose_total_is_the_small_cell_is_withheld_with_another():
    """Row 0 holds one person in one band: its total would tell the cell, so the row (and its total) is withheld,
    and cells of other rows with it, or the column totals would tell the row."""
    table = [[0, 1, 0], [20, 30, 25], [15, 11, 50], [12, 13, 14]]
    result = protect(table, 10)
    assert result.hidden_rows == {0} and len(result.suppressed) > 3
    assert not determined_cells(table, set(result.suppressed), result.hidden_rows)
    # the plain attack, subtracting zeros from the published total, has nothing to subtract from
    assert determined_cells(table, {(0, 1), (0, 0), (0, 2)}) == {(0, 0), (0, 1), (0, 2)}


def test_zero_and_large_cells_are_published():
    table = [[0, 50], [50, 50]]
    assert protect(table, 10).suppressed == frozenset()


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 7).flatmap(lambda rows: st.integers(2, 7).flatmap(lambda cols: st.lists(
    st.lists(st.sampled_from([0, 1, 2, 5, 9, 10, 14, 40, 200]), min_size=cols, max_size=cols),
    min_size=rows, max_size=rows))))
def test_no_hidden_cell_is_ever_determined(table):
    try:
        result = protect(table, 10)
    except ValueError:
        return  # the table cannot be protected (the caller then withholds it)
    assert result.primary <= result.suppressed
    assert all(0 < table[i][j] < 10 for i, j in result.primary)
    assert not determined_cells(table, set(result.suppressed), result.hidden_rows)
    # Outside withheld rows every hidden count is at least 1, so moving ±1 round a cycle of hidden cells gives
    # another table, all counts non-negative, with the same published numbers: the hidden values stay unknown.
    assert all(table[i][j] >= 1 for i, j in result.suppressed if i not in result.hidden_rows)
