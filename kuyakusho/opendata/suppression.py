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
    hidden_rows: frozenset[int] = frozenset()  # rows whose total must be withheld too (every cell suppressed)

    def is_suppressed(self, row: int, column: int) -> bool:
        return (row, column) in self.suppressed


def protect(table: Sequence[Sequence[int]], threshold: int) -> Protected:
    """The cells to suppress in ``table`` (rows × columns of non-negative counts).

    When a small cell has no positive cell that could hide it (its row holds nothing else: the row's total *is*
    the cell), the whole row is withheld, its total included (``hidden_rows``); rows withheld have no equation,
    so the graph treats them all as one free vertex and cells between them and the columns must again lie on a
    cycle.
    """
    rows = len(table)
    columns = len(table[0]) if rows else 0
    if any(len(r) != columns for r in table):
        raise ValueError("the table is not rectangular")
    if any(v < 0 for r in table for v in r):
        raise ValueError("counts are never negative")
    primary = frozenset((i, j) for i in range(rows) for j in range(columns) if 0 < table[i][j] < threshold)
    suppressed = set(primary)
    hidden: set[int] = set()
    if not primary:
        return Protected(frozenset(), primary)
    while True:
        bridge = _first_bridge(suppressed, hidden)
        if bridge is None:
            return Protected(frozenset(suppressed), primary, frozenset(hidden))
        complement = _complement_for(bridge, suppressed, table, hidden)
        if complement is not None:
            suppressed.add(complement)
            continue
        row = bridge[0] if bridge[0] not in hidden else _smallest_row_in_column(bridge[1], table, hidden)
        if row is None:
            raise ValueError(f"cell {bridge} cannot be protected in this table (a single row or column?)")
        hidden.add(row)
        suppressed |= {(row, j) for j in range(columns)}


def _vertex(kind: str, n: int, hidden: set[int]) -> tuple[str, int]:
    return ("g", 0) if kind == "r" and n in hidden else (kind, n)


def _smallest_row_in_column(column: int, table: Sequence[Sequence[int]], hidden: set[int]) -> int | None:
    best = min(((table[i][column], i) for i in range(len(table)) if i not in hidden and table[i][column] > 0),
               default=None)
    return best[1] if best else None


def _first_bridge(cells: set[Cell], hidden: set[int]) -> Cell | None:
    """A suppressed cell that lies on no cycle of the row–column graph (withheld rows merged into one vertex)."""
    adjacency: dict[tuple[str, int], list[tuple[tuple[str, int], Cell]]] = {}
    for i, j in sorted(cells):
        r, c = _vertex("r", i, hidden), ("c", j)
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


def _component_without(edge: Cell, cells: set[Cell], hidden: set[int]) -> tuple[set[tuple[str, int]], set[int]]:
    """Row vertices and columns reachable from the edge's row once the edge is removed (withheld rows are one
    vertex)."""
    rest = cells - {edge}
    by_row: dict[tuple[str, int], list[int]] = {}
    by_col: dict[int, list[int]] = {}
    for i, j in rest:
        by_row.setdefault(_vertex("r", i, hidden), []).append(j)
        by_col.setdefault(j, []).append(i)
    start = _vertex("r", edge[0], hidden)
    seen_rows: set[tuple[str, int]] = {start}
    cols: set[int] = set()
    frontier: list[tuple[str, int]] = [start]
    while frontier:
        vertex = frontier.pop()
        if vertex[0] in ("r", "g"):
            for j in by_row.get(vertex, []):
                if j not in cols:
                    cols.add(j)
                    frontier.append(("c", j))
        else:
            for i in by_col.get(vertex[1], []):
                v = _vertex("r", i, hidden)
                if v not in seen_rows:
                    seen_rows.add(v)
                    frontier.append(v)
    return seen_rows, cols


def _complement_for(bridge: Cell, cells: set[Cell], table: Sequence[Sequence[int]],
                    hidden: set[int]) -> Cell | None:
    """The smallest positive unsuppressed cell that joins the bridge's two sides (so the bridge is on a cycle);
    never a zero (±1 round a cycle must keep every hidden count non-negative)."""
    seen, side_cols = _component_without(bridge, cells, hidden)
    n_rows, n_cols = len(table), len(table[0])
    side_rows = {i for i in range(n_rows) if _vertex("r", i, hidden) in seen}
    other_rows = [i for i in range(n_rows) if i not in side_rows]
    other_cols = [j for j in range(n_cols) if j not in side_cols]
    best: tuple[int, Cell] | None = None
    candidates = [(i, j) for i in side_rows for j in other_cols] + [(i, j) for i in other_rows for j in side_cols]
    for i, j in candidates:
        if (i, j) in cells or table[i][j] <= 0 or i in hidden:
            continue
        key = (table[i][j], (i, j))
        if best is None or key < best:
            best = key
    return best[1] if best else None
