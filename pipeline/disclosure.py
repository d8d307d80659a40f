"""Disclosure control and the publication set: what is published, apart from working files.

Rule (GSS symbol ``c``): in any table published per LA, a count below
``config/analysis.yaml: suppression.min_count`` is suppressed (primary suppression; zeros
too unless ``suppression.zeros`` is false). Tables carry row totals (an LA's total over the
columns) and column totals (the sum over the LAs): so that a suppressed cell cannot be
back-calculated, every row and column that has exactly one suppressed cell gets a second one
(secondary suppression: the smallest published count of that line, repeated until no line has
exactly one). Then every suppressed cell that the published cells and non-negative counts still
pin to one value (``pinned_cells``: the table is a network whose flow conservation is the
additive equations; a cell can move only on a cycle of suppressed cells) is freed by suppressing
the cheapest published cells that close such a cycle, in its row or column when that is enough,
totals included when needed. This always ends with a protected table. Rates computed from a
suppressed count are suppressed too.

``publication/`` per wave holds the open-data tables meant for release (the national figure
and prose tables, the regressions and the per-LA tables built here); everything else in
``data/processed/<wave>/`` is a working file.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd

from .config import Settings

SUPPRESSED = "c"
NOT_AVAILABLE = "x"


# ------------------------------------------------------------------------------------------------
# Suppression on a table with row and column totals


def with_totals(counts: pd.DataFrame) -> pd.DataFrame:
    """Add a 'total' column (row sums) and a 'total' row (column sums) to a count table."""
    t = counts.copy()
    t["total"] = t.sum(axis=1)
    t.loc["total"] = t.sum(axis=0)
    return t


def _lines(shape: tuple[int, int]) -> list[list[tuple[int, int]]]:
    """Every additive line of a table with totals: each row and each column (totals included)."""
    nr, nc = shape
    return [[(i, j) for j in range(nc)] for i in range(nr)] + [[(i, j) for i in range(nr)] for j in range(nc)]


def primary_mask(table: pd.DataFrame, min_count: int, zeros: bool = True) -> np.ndarray:
    v = table.to_numpy(float)
    small = v < min_count
    return small if zeros else small & (v != 0)


def secondary_mask(table: pd.DataFrame, mask: np.ndarray) -> np.ndarray:
    """Suppress more cells until no row or column has exactly one suppressed cell and no suppressed
    cell is pinned to a single value by the published cells (see ``pinned_cells``).

    A pinned cell is freed by suppressing the published cells of the cheapest path that closes a
    cycle through it in the table's network (see ``_network``; a cell costs its count plus one, so
    small interior cells go before totals): often one more cell of its row or column, otherwise
    cells further away, totals included. Suppressed zeros held at 0 come first (they pin the other
    cells). Should no path exist, the cell's whole row and column are suppressed. Every step
    suppresses at least one more cell and a fully suppressed table pins nothing, so this always ends
    with a protected table."""
    v = table.to_numpy(float)
    mask = _close_lines(v, mask.copy())
    while not mask.all():
        zeros, others = _pinned(v, mask)
        if not zeros and not others:
            break
        cell = (zeros or others)[0]
        before = int(mask.sum())
        path = _freeing_path(v, mask, cell, directed=bool(zeros))
        if path:
            mask[tuple(np.array(path).T)] = True
        else:
            mask[cell[0], :] = True
            mask[:, cell[1]] = True
        if int(mask.sum()) == before:  # not expected: a pinned cell's row or column has a published cell
            mask[:] = True
        mask = _close_lines(v, mask)
    return mask


def _close_lines(v: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """While a row or column has exactly one suppressed cell, suppress its smallest published cell
    (interior cells before totals; a line has at least two cells, so there is always one)."""
    changed = True
    while changed:
        changed = False
        for line in _lines(v.shape):
            hidden = [c for c in line if mask[c]]
            if len(hidden) == 1:
                mask[_smallest_open(v, mask, line)] = True
                changed = True
    return mask


def _smallest_open(v: np.ndarray, mask: np.ndarray, line) -> tuple[int, int]:
    """The published cell of a line with the smallest value (interior cells before totals)."""
    last_r, last_c = v.shape[0] - 1, v.shape[1] - 1
    open_cells = [c for c in line if not mask[c]]
    return min(open_cells, key=lambda c: (c[0] == last_r or c[1] == last_c, v[c], c))


def _network(shape: tuple[int, int]) -> dict[tuple[int, int], tuple[int, int]]:
    """The table as a network: a node per line (rows 0..R-1, then columns R..R+C-1) and an arc per
    cell, from one of its two lines to the other, such that the additive equations are flow
    conservation at every node. An interior cell and the grand total run from their column to their
    row; an LA's total and a column total run from their row to their column. (A unit more on the
    cycle interior (i, j) -> row total -> grand total -> column total keeps every line adding up.)
    Equivalently the equations are the network's incidence matrix, totally unimodular, so the
    smallest and largest value of a suppressed cell are whole numbers."""
    nr, nc = shape
    arcs = {}
    for i in range(nr):
        for j in range(nc):
            row, col = i, nr + j
            arcs[(i, j)] = (col, row) if (i == nr - 1) == (j == nc - 1) else (row, col)
    return arcs


def pinned_cells(v: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed cells whose value the published cells determine, given non-negative counts.

    The true table is one solution; a suppressed cell can move when some cycle of suppressed cells
    in the network (``_network``) goes through it, traversing a cell in its arc's direction (more)
    or, if its count is positive, against it (less). So: a suppressed zero is held at 0 unless its
    arc lies in a strongly connected part of the suppressed arcs (zeros one way, other cells both
    ways); any other suppressed cell is pinned when it is a bridge of the suppressed cells that are
    not held at 0 (no cycle goes through it). A cell that is not pinned ranges over at least one
    whole unit (``ranges`` computes the range by linear programming)."""
    zeros, others = _pinned(v, mask)
    return sorted(zeros + others)


def _pinned(v: np.ndarray, mask: np.ndarray) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Pinned cells (see ``pinned_cells``): suppressed zeros held at 0, and the others; each sorted."""
    arcs = _network(v.shape)
    hidden = [(int(i), int(j)) for i, j in zip(*np.nonzero(mask), strict=True)]
    out_arcs: dict[int, list[int]] = {}
    for c in hidden:
        a, b = arcs[c]
        out_arcs.setdefault(a, []).append(b)
        if v[c] != 0:
            out_arcs.setdefault(b, []).append(a)
    component = _strong_components(out_arcs)
    held = [c for c in hidden if v[c] == 0 and component.get(arcs[c][0]) != component.get(arcs[c][1])]
    held_set = set(held)
    bridges = _bridges([(c, *arcs[c]) for c in hidden if c not in held_set])
    return sorted(held), sorted(bridges)


def _strong_components(out_arcs: dict[int, list[int]]) -> dict[int, int]:
    """Strongly connected component of every node (Tarjan, iterative)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    component: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    counter = 0
    for root in list(out_arcs):
        if root in index:
            continue
        work = [(root, iter(out_arcs.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(out_arcs.get(nxt, ()))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component[w] = node
                    if w == node:
                        break
    return component


def _bridges(edges: list[tuple[tuple[int, int], int, int]]) -> list[tuple[int, int]]:
    """The edges (cell, node, node) of an undirected graph that lie on no cycle (iterative DFS)."""
    adjacent: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for cell, a, b in edges:
        adjacent.setdefault(a, []).append((b, cell))
        adjacent.setdefault(b, []).append((a, cell))
    depth: dict[int, int] = {}
    low: dict[int, int] = {}
    found = []
    for root in adjacent:
        if root in depth:
            continue
        depth[root] = low[root] = 0
        work = [(root, None, iter(adjacent[root]))]
        while work:
            node, via, it = work[-1]
            advanced = False
            for nxt, cell in it:
                if cell == via:
                    continue
                if nxt in depth:
                    low[node] = min(low[node], depth[nxt])
                else:
                    depth[nxt] = low[nxt] = depth[node] + 1
                    work.append((nxt, cell, iter(adjacent[nxt])))
                    advanced = True
                    break
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > depth[parent]:
                    found.append(via)
    return found


def _freeing_path(
    v: np.ndarray, mask: np.ndarray, cell: tuple[int, int], directed: bool
) -> list[tuple[int, int]]:
    """The published cells to suppress, at least cost, so that a cycle goes through ``cell``: a
    path back from the head of its arc to its tail (``directed``: a held zero, which can only grow;
    zeros, suppressed or published, are then crossed only in their arc's direction) or between its
    two lines either way (a bridge; no zero is held then). Suppressed cells cost nothing, published
    ones their count plus one. Empty if there is no such path."""
    import heapq

    arcs = _network(v.shape)
    tail, head = arcs[cell]
    out_arcs: dict[int, list[tuple[int, float, tuple[int, int]]]] = {}
    for c, (a, b) in arcs.items():
        if c == cell:
            continue
        cost = 0.0 if mask[c] else float(v[c]) + 1.0
        out_arcs.setdefault(a, []).append((b, cost, c))
        if v[c] != 0 or not directed:
            out_arcs.setdefault(b, []).append((a, cost, c))
    start, goal = head, tail
    best = {start: 0.0}
    back: dict[int, tuple[int, tuple[int, int]]] = {}
    queue = [(0.0, start)]
    while queue:
        d, node = heapq.heappop(queue)
        if node == goal:
            break
        if d > best[node]:
            continue
        for nxt, cost, c in out_arcs.get(node, ()):
            if d + cost < best.get(nxt, np.inf):
                best[nxt] = d + cost
                back[nxt] = (node, c)
                heapq.heappush(queue, (d + cost, nxt))
    if goal not in back:
        return []
    path, node = [], goal
    while node != start:
        node, c = back[node]
        if not mask[c]:
            path.append(c)
    return path


def _equations(v: np.ndarray, mask: np.ndarray):
    """The additive lines as equations in the suppressed cells: A x = b (published cells moved right)."""
    cells = [(int(i), int(j)) for i, j in zip(*np.nonzero(mask), strict=True)]
    index = {c: k for k, c in enumerate(cells)}
    rows, rhs = [], []
    for line in _lines(v.shape):
        total = line[-1]  # interior cells of the line minus its total cell = 0
        a = np.zeros(len(cells))
        b = 0.0
        for c in line:
            sign = -1.0 if c == total else 1.0
            if mask[c]:
                a[index[c]] += sign
            else:
                b -= sign * v[c]
        if a.any():
            rows.append(a)
            rhs.append(b)
    return cells, np.array(rows).reshape(len(rows), len(cells)), np.array(rhs)


def ranges(v: np.ndarray, mask: np.ndarray) -> dict[tuple[int, int], tuple[float, float]]:
    """For each suppressed cell, the smallest and largest value consistent with every published
    cell, the additive rows and columns, and non-negative counts (linear programming)."""
    from scipy.optimize import linprog

    cells, A, b = _equations(v, mask)
    if not cells:
        return {}
    index = {c: k for k, c in enumerate(cells)}
    A, b = (A, b) if len(A) else (None, None)
    out = {}
    for c, k in index.items():
        obj = np.zeros(len(cells))
        obj[k] = 1.0
        lo = linprog(obj, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-obj, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        out[(int(c[0]), int(c[1]))] = (lo.fun, -hi.fun if hi.status == 0 else np.inf)
    return out


def suppress(counts: pd.DataFrame, min_count: int, zeros: bool = True) -> tuple[pd.DataFrame, np.ndarray]:
    """Counts with totals, and the mask of cells to publish as 'c' (primary + secondary).

    With no rows there is nothing to protect: the totals row is published as it is (zeros)."""
    table = with_totals(counts)
    if counts.empty:
        return table, np.zeros(table.shape, bool)
    return table, secondary_mask(table, primary_mask(table, min_count, zeros))


# ------------------------------------------------------------------------------------------------
# Publication tables


PHASES = {
    "pupils_placed_primary": "Primary (KS1-2)",
    "pupils_placed_secondary": "Secondary (KS3-4)",
    "pupils_placed_post16": "Post-16 (KS5)",
}
RATES = {
    "ap_use_per_10k_primary": (
        "pupils_placed_primary",
        "Primary pupils placed in AP per 10,000 primary pupils",
    ),
    "ap_use_per_10k_secondary": (
        "pupils_placed_secondary",
        "Secondary pupils placed in AP per 10,000 secondary pupils",
    ),
}


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return NOT_AVAILABLE
    return f"{float(x):.1f}" if not float(x).is_integer() else str(int(x))


def la_pupils_placed(la_frame: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per LA: pupils placed in AP by phase with the LA total and rates, suppressed; EES layout.

    Non-responding LAs and LAs that did not answer are 'x'; the national row is the total over
    the LAs that answered (not an estimate for England)."""
    sup = settings.analysis["suppression"]
    frame = la_frame.set_index("la_code")
    answered = frame[frame["pupils_placed_total"].notna()]
    counts = pd.DataFrame(
        {
            "pupils_placed_primary": answered["pupils_placed_primary"],
            "pupils_placed_secondary": answered["pupils_placed_secondary"],
            "pupils_placed_post16": answered["pupils_placed_total"]
            - answered["pupils_placed_primary"]
            - answered["pupils_placed_secondary"],
        }
    ).astype(float)
    table, mask = suppress(counts, int(sup["min_count"]), bool(sup.get("zeros", True)))
    shown = table.map(_fmt).astype(object)
    shown = shown.mask(mask, SUPPRESSED).rename(columns={"total": "pupils_placed_total"})
    if counts.empty:  # nobody answered: the national row is unavailable, not zero
        shown.loc["total"] = NOT_AVAILABLE
    for rate, (count, _) in RATES.items():
        vals = answered[rate].reindex(shown.index).tolist()
        shown[rate] = [
            SUPPRESSED if c == SUPPRESSED else (_fmt(x) if i != "total" else NOT_AVAILABLE)
            for i, c, x in zip(shown.index, shown[count].tolist(), vals, strict=True)
        ]
    by_la = shown.to_dict("index")  # plain dicts: one lookup per LA instead of a row Series
    rows = []
    places = ["region_code", "region_name", "old_la_code", "la_name"]
    for code, r in frame[places].to_dict("index").items():
        base = {
            "time_period": settings.time_period,
            "time_identifier": settings.time_identifier,
            "geographic_level": "Local authority",
            "country_code": "E92000001",
            "country_name": "England",
            "region_code": r["region_code"],
            "region_name": r["region_name"],
            "old_la_code": r["old_la_code"],
            "new_la_code": code,
            "la_name": r["la_name"],
        }
        vals = by_la.get(code)
        for col in [*PHASES, "pupils_placed_total", *RATES]:
            base[col] = vals[col] if vals is not None else NOT_AVAILABLE
        rows.append(base)
    national = {
        "time_period": settings.time_period,
        "time_identifier": settings.time_identifier,
        "geographic_level": "National",
        "country_code": "E92000001",
        "country_name": "England",
        "region_code": "",
        "region_name": "",
        "old_la_code": "",
        "new_la_code": "",
        "la_name": "",  # a National row leaves the LA columns blank (EES); it totals the LAs answering
    }
    national.update({col: shown.loc["total", col] for col in [*PHASES, "pupils_placed_total", *RATES]})
    data = pd.DataFrame([national, *rows])
    # geography columns are EES's own: never in the metadata
    meta = [_meta(c, "Indicator", f"Pupils placed in AP by the LA: {lab}", 0) for c, lab in PHASES.items()]
    meta.append(_meta("pupils_placed_total", "Indicator", "Pupils placed in AP by the LA: all phases", 0))
    meta += [_meta(c, "Indicator", lab, 1) for c, (_, lab) in RATES.items()]
    return data, pd.DataFrame(meta)


def _meta(col: str, kind: str, label: str, dp="") -> dict:
    return {
        "col_name": col,
        "col_type": kind,
        "label": label,
        "indicator_grouping": "",
        "indicator_unit": "",
        "indicator_dp": dp if kind == "Indicator" else "",
        "filter_hint": "",
        "filter_grouping_column": "",
    }


PUBLISHED_PATTERNS = (
    "fig*.csv",
    "txt_*.csv",
    "regressions.csv",
    "regressions.meta.csv",
    "nonresponse_respondents_vs_frame*.csv",
    "nonresponse_headline_estimates*.csv",
    "nonresponse_grossed_up_totals*.csv",
)
README = """# Publication tables ({wave})

The tables meant for release, in DfE open-data (EES) format with their .meta.csv. Everything
else in data/processed/{wave}/ is a working file (la_frame.csv, responses.csv, ...) and is not
for publication as it stands.

- la_pupils_placed.csv: pupils placed in AP per LA, by phase. Counts below {min_count} are
  suppressed ("c"), with secondary suppression so that no suppressed count can be worked out
  from the LA's total or the column totals; rates from a suppressed count are suppressed too.
  "x": the LA did not answer (or did not respond to the survey). The National row is the total
  (and the rates) of the LAs that answered, not of England.
- fig*.csv, txt_*.csv: national tables behind the figures and the prose (no LA-level counts;
  lowest/highest LA values are suppressed where fewer than {min_count} LAs answered).
- regressions.csv: the regression models (see docs/methods.md).
- nonresponse_*.csv: respondents against the frame, headline estimates unweighted and with
  calibration weights, England totals grossed up three ways (a sensitivity; docs/methods.md).

Data: {note}
"""


def write_publication(settings: Settings, la_frame: pd.DataFrame) -> list[str]:
    """Write data/processed/<wave>/publication/: the release set, LA tables suppressed."""
    from .present import write_csv, write_text

    out = settings.processed_dir / "publication"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for pattern in PUBLISHED_PATTERNS:
        for path in sorted(settings.processed_dir.glob(pattern)):
            shutil.copyfile(path, out / path.name)
            written.append(path.name)
    if {"pupils_placed_total", *PHASES, *RATES} - {"pupils_placed_post16"} <= set(la_frame.columns):
        data, meta = la_pupils_placed(la_frame, settings)
        write_csv(out / "la_pupils_placed.csv", data)
        write_csv(out / "la_pupils_placed.meta.csv", meta)
        written += ["la_pupils_placed.csv", "la_pupils_placed.meta.csv"]
    min_count = settings.analysis["suppression"]["min_count"]
    write_text(
        out / "README.md", README.format(wave=settings.wave, min_count=min_count, note=settings.data_note)
    )
    return written
