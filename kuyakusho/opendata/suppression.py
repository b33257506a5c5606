"""Small-cell protection for a two-way table of counts published with its row and column totals.

Pure: no database, no Django. ``protect(table, threshold)`` returns which cells to suppress so that

1. every cell with ``0 < count < threshold`` is suppressed (primary suppression), and
2. no suppressed cell can be worked out from the published cells and totals (complementary suppression).

Why the second step is enough: with row and column totals published, the suppressed cells form a bipartite
graph (an edge between row *r* and column *c* for each suppressed cell). Any cycle of that graph (always of
even length) lets an attacker move +1/−1 alternately round it without changing a single total, so a cell on a
cycle has at least two values consistent with everything published; a cell that lies on no cycle (a *bridge*)
is exactly determined by the totals. So the rule is: no suppressed cell may be a bridge. Complements are chosen
among the positive cells (never zeros, so that ±1 round a cycle stays non-negative), smallest first, which keeps
the information lost small. The heuristic is greedy, not optimal.

The planning area can reuse it for any table of counts with margins (``protect`` works on any rectangular table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Cell = tuple[int, int]


@dataclass(frozen=True)
class Protected:
    suppressed: frozenset[Cell]  # every suppressed cell
    primary: frozenset[Cell]  # those suppressed for being small

    def is_suppressed(self, row: int, column: int) -> bool:
        return (row, column) in self.suppressed


def protect(table: Sequence[Sequence[int]], threshold: int) -> Protected:
    """The cells to suppress in ``table`` (rows × columns of non-negative counts)."""
    rows = len(table)
    columns = len(table[0]) if rows else 0
    if any(len(r) != columns for r in table):
        raise ValueError("the table is not rectangular")
    if any(v < 0 for r in table for v in r):
        raise ValueError("counts are never negative")
    primary = frozenset((i, j) for i in range(rows) for j in range(columns) if 0 < table[i][j] < threshold)
    suppressed = set(primary)
    if not primary:
        return Protected(frozenset(), primary)
    while True:
        bridge = _first_bridge(suppressed)
        if bridge is None:
            return Protected(frozenset(suppressed), primary)
        complement = _complement_for(bridge, suppressed, table)
        if complement is None:
            raise ValueError(f"cell {bridge} cannot be protected in this table (a single row or column?)")
        suppressed.add(complement)


def _first_bridge(cells: set[Cell]) -> Cell | None:
    """A suppressed cell that lies on no cycle of the row–column graph, or None."""
    adjacency: dict[tuple[str, int], list[tuple[tuple[str, int], Cell]]] = {}
    for i, j in sorted(cells):
        r, c = ("r", i), ("c", j)
        adjacency.setdefault(r, []).append((c, (i, j)))
        adjacency.setdefault(c, []).append((r, (i, j)))
    order: dict[tuple[str, int], int] = {}
    low: dict[tuple[str, int], int] = {}
    counter = 0
    for root in adjacency:
        if root in order:
            continue
        # Iterative Tarjan bridge search: (vertex, the edge we came by, iterator position).
        order[root] = low[root] = counter
        counter += 1
        stack: list[tuple[tuple[str, int], Cell | None, int]] = [(root, None, 0)]
        while stack:
            vertex, via, position = stack[-1]
            neighbours = adjacency[vertex]
            if position < len(neighbours):
                stack[-1] = (vertex, via, position + 1)
                nxt, edge = neighbours[position]
                if edge == via:
                    continue
                if nxt in order:
                    low[vertex] = min(low[vertex], order[nxt])
                else:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, edge, 0))
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[vertex])
                    if low[vertex] > order[parent]:
                        assert via is not None
                        return via
    return None


def _component_without(edge: Cell, cells: set[Cell]) -> tuple[set[int], set[int]]:
    """Rows and columns reachable from the edge's row once the edge is removed."""
    rest = cells - {edge}
    by_row: dict[int, list[int]] = {}
    by_col: dict[int, list[int]] = {}
    for i, j in rest:
        by_row.setdefault(i, []).append(j)
        by_col.setdefault(j, []).append(i)
    rows, cols = {edge[0]}, set()
    frontier: list[tuple[str, int]] = [("r", edge[0])]
    while frontier:
        kind, n = frontier.pop()
        if kind == "r":
            for j in by_row.get(n, []):
                if j not in cols:
                    cols.add(j)
                    frontier.append(("c", j))
        else:
            for i in by_col.get(n, []):
                if i not in rows:
                    rows.add(i)
                    frontier.append(("r", i))
    return rows, cols


def _complement_for(bridge: Cell, cells: set[Cell], table: Sequence[Sequence[int]]) -> Cell | None:
    """The unsuppressed cell that joins the bridge's two sides (so the bridge is on a cycle): the smallest positive
    one, a zero only where no positive cell can (a zero complement is still safe for a cell ≥ 1 beside it)."""
    side_rows, side_cols = _component_without(bridge, cells)
    n_rows, n_cols = len(table), len(table[0])
    other_rows = [i for i in range(n_rows) if i not in side_rows]
    other_cols = [j for j in range(n_cols) if j not in side_cols]
    best: tuple[bool, int, Cell] | None = None
    candidates = [(i, j) for i in side_rows for j in other_cols] + [(i, j) for i in other_rows for j in side_cols]
    for i, j in candidates:
        if (i, j) in cells:
            continue
        key = (table[i][j] == 0, table[i][j], (i, j))
        if best is None or key < best:
            best = key
    return best[2] if best else None
