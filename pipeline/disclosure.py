"""Disclosure control and the publication set: what is published, apart from working files.

Rule (GSS symbol ``c``): in any table published per LA, a count below
``config/analysis.yaml: suppression.min_count`` is suppressed (primary suppression; zeros
too unless ``suppression.zeros`` is false). Tables carry row totals (an LA's total over the
columns) and column totals (the sum over the LAs): so that a suppressed cell cannot be
back-calculated, every row and column that has exactly one suppressed cell gets a second one
(secondary suppression: the smallest published count of that line, repeated until no line has
exactly one). Then each suppressed cell is checked against the published totals by linear
programming (its smallest and largest value given every published cell and non-negative
counts); any cell pinned to one value gets a further suppression in its row. Rates computed
from a suppressed count are suppressed too.

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
    """Suppress more cells until no row or column has exactly one suppressed cell; then until no
    suppressed cell is pinned to a single value by the published cells (see ``ranges``)."""
    v = table.to_numpy(float)
    mask = mask.copy()
    while True:
        changed = True
        while changed:
            changed = False
            for line in _lines(v.shape):
                hidden = [c for c in line if mask[c]]
                if len(hidden) == 1:
                    mask[_smallest_open(v, mask, line, avoid=hidden[0])] = True
                    changed = True
        pinned = pinned_cells(v, mask)
        if not pinned:
            return mask
        i, _ = pinned[0]
        mask[_smallest_open(v, mask, [(i, j) for j in range(v.shape[1])], avoid=pinned[0])] = True


def _smallest_open(v: np.ndarray, mask: np.ndarray, line, avoid) -> tuple[int, int]:
    """The published cell of a line with the smallest value (interior cells before totals)."""
    last_r, last_c = v.shape[0] - 1, v.shape[1] - 1
    open_cells = [c for c in line if not mask[c] and c != avoid]
    if not open_cells:
        raise ValueError("nothing left to suppress in a line with one suppressed cell")
    return min(open_cells, key=lambda c: (c[0] == last_r or c[1] == last_c, v[c], c))


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


def pinned_cells(v: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed cells the published cells determine: by the equations alone (the cell is zero in
    every null-space direction), or by non-negativity (a line whose suppressed cells sum to 0).
    Fast check used while suppressing; ``ranges`` is the full linear-programming check."""
    cells, A, b = _equations(v, mask)
    if not cells:
        return []
    _, sing, vt = np.linalg.svd(A) if len(A) else (None, np.array([]), np.eye(len(cells)))
    rank = int((sing > 1e-9).sum())
    null = vt[rank:]
    pinned = {cells[k] for k in range(len(cells)) if not np.any(np.abs(null[:, k]) > 1e-9)}
    for a, rhs in zip(A, b, strict=True):
        if np.all(a >= 0) and abs(rhs) < 1e-9:  # non-negative cells summing to zero: all zero
            pinned |= {cells[k] for k in np.nonzero(a)[0]}
    return sorted(pinned)


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
        "la_name": f"Total of the {len(answered)} LAs that answered",
    }
    national.update({col: shown.loc["total", col] for col in [*PHASES, "pupils_placed_total", *RATES]})
    data = pd.DataFrame([national, *rows])
    meta = [
        _meta(c, "Filter", c.replace("_", " ").capitalize())
        for c in ("region_code", "region_name", "old_la_code", "new_la_code", "la_name")
    ]
    meta += [_meta(c, "Indicator", f"Pupils placed in AP by the LA: {lab}", 0) for c, lab in PHASES.items()]
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
  "x": the LA did not answer (or did not respond to the survey).
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
