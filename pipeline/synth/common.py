"""Small tools the generator shares: published targets, integer allocation, assignment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import Settings, read_yaml
from ..estimators import round_half_up


@dataclass
class Published:
    """Published values by id (the generator's calibration targets)."""

    values: dict[str, dict]

    @classmethod
    def load(cls, settings: Settings, cfg: dict | None = None) -> Published:
        """The wave's published values; for a wave without any (``published_values: null``), the
        targets of its generator config (``targets``: the first wave's values carried forward, the
        listed ones replaced; see pipeline/synth/targets.py)."""
        targets = (cfg or {}).get("targets")
        if targets is None:
            rows = read_yaml(settings.path(settings.wave_config["published_values"]))
            return cls({r["id"]: r for r in rows})
        values = {r["id"]: r for r in read_yaml(settings.path(targets["carry_forward"]))}
        values.update({r["id"]: r for r in targets["values"]})
        return cls(values)

    def __call__(self, id_: str) -> float:
        return float(self.values[id_]["value"])


def key(qid: str, *dims: str) -> str:
    return "__".join([qid, *dims])


def count_for_share(n: int, pct: float) -> int:
    """The count out of n whose share rounds (half up) to pct, nearest to pct * n."""
    best = None
    for k in range(n + 1):
        rounds_right = round_half_up(100.0 * k / n) == round_half_up(pct)
        if rounds_right and (best is None or abs(k - pct * n / 100) < abs(best - pct * n / 100)):
            best = k
    if best is None:
        raise ValueError(f"no count out of {n} rounds to {pct}%")
    return best


def largest_remainder(x: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to x summing exactly to total."""
    x = np.asarray(x, dtype=float)
    if total == 0 or x.sum() == 0:
        return np.zeros_like(x, dtype=int)
    scaled = x / x.sum() * total
    base = np.floor(scaled).astype(int)
    rest = total - base.sum()
    order = np.argsort(-(scaled - base), kind="stable")
    base[order[:rest]] += 1
    return base


def choose(
    rng: np.random.Generator,
    codes: list[str],
    k: int,
    score: np.ndarray | None = None,
    noise: float = 1.0,
) -> list[str]:
    """k LAs, more likely those with a high score (score + Gumbel noise), in frame order."""
    codes = list(codes)
    s = np.zeros(len(codes)) if score is None else np.asarray(score, dtype=float)
    perturbed = s + noise * rng.gumbel(size=len(codes))
    picked = {codes[i] for i in np.argsort(-perturbed, kind="stable")[:k]}
    return [c for c in codes if c in picked]


def assign_counts(
    rng: np.random.Generator,
    codes: list[str],
    counts: dict[str, int],
    score: np.ndarray | None = None,
    noise: float = 1.0,
) -> dict[str, str]:
    """Give each LA one category so that category c has counts[c] LAs.

    Categories are filled in the order given, each from the LAs with the highest
    score + noise, so answers follow LA characteristics rather than being spread evenly.
    """
    if sum(counts.values()) != len(codes):
        raise ValueError("counts must add up to the number of LAs")
    s = np.zeros(len(codes)) if score is None else np.asarray(score, dtype=float)
    order = np.argsort(-(s + noise * rng.gumbel(size=len(codes))), kind="stable")
    out, i = {}, 0
    for cat, n in counts.items():
        for j in order[i : i + n]:
            out[codes[j]] = cat
        i += n
    return out
