"""Reproduce: compare every published value of the report with what the pipeline computed.

This module and the synthetic-data generator are the only code that reads the published
values. Each published value gets one status:

- ``match``: the computed value, rounded as the report rounds, agrees with the published one read
  with its qualifier (``exact`` equal; ``lower_bound`` computed >= published; ``upper_bound``
  computed <= published; ``approximate`` within 5% or one rounding unit), **and** every claim the
  report makes about it (``claims`` in ``config/reproduction/``) holds.
- ``definition``: an analysis definition the report states (band edge, threshold), used as a
  parameter; checked for consistency but not counted as reproduced.
- ``known_inconsistency``: the report contradicts itself on the value (with the arithmetic in
  config); the value is not compared, but the directions the report states about it still are.
- ``pending_data``: TEMPORARY, listed in ``config/reproduction/pending.yaml``: the value matches
  (or is a known inconsistency) but a strict claim check fails on these returns; counted and
  listed in the summary line, never silent, never hiding a value that does not match.
- ``mismatch``, ``not_computed``, ``external`` (never computed).

Claims are checked on the per-LA distribution, not on one value (readings of the report's words,
e.g. "a small number" = at most 15% of the LAs answering, are in ``readings.yaml``):

- ``count_beyond``: "a (very) small number of LAs above X": the count of LAs above X (X = the
  id's published value, or a reading such as "almost all") is between the reading's bounds.
- ``modal_band``: "most common grouping between A and B": in equal bands of that width starting
  at A (whole-number rates, the LAs below A one more group), the band A-B holds strictly more
  LAs than any other band. Both edges count.
- ``share_within``: "most LAs between A and B": the share of LAs within [A, B] meets the reading.
- ``clustered``: "clustered around the average": the share of LAs within the reading's relative
  distance of the distribution's mean meets the reading.
- ``count_flagged``: "a small number of LAs did X": the count of LAs flagged (a yes/no per LA)
  is between the reading's bounds.
- ``significant_difference``: "group A significantly more often X than group B" (line 517): the
  share is higher in A and Fisher's exact test (two-sided) gives p below the findings' level.
- ``range_edge``: "ranged from A to B" (an observed range): the computed extreme rounds to the
  edge, so the edge is attained and the range is two-sided, not merely contained.
- ``direction``: "A is higher than B": computed A > computed B, or > the published B where B is
  outside the survey (``than_published``); the report's published A > B is checked when the
  config is read.

``modal_band``, ``share_within`` and a ``count_beyond`` at the id's own published value replace
the value check (the published value is the claim's parameter); the others are checked in
addition to it.

Findings (unit ``finding``, e.g. ``txt.regression.*``). A computed finding is a value dict
``{"id", "value", "unit": "finding", "n_las", "basis"}`` where ``value`` is the signed effect
(a difference, group minus comparison group, or a regression coefficient) and may carry
``"p_value"`` (two-sided). It matches when the sign agrees with the published direction and, for
ids the report calls statistically significant (``findings.significant`` in ``readings.yaml``),
``p_value`` is below ``findings.significance_level``; a missing ``p_value`` then fails.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .config import Settings, read_yaml
from .estimators import round_half_up

COLUMNS = [
    "id",
    "figure",
    "source",
    "published",
    "computed",
    "unit",
    "rounding",
    "qualifier",
    "status",
    "basis",
    "n_las",
    "note",
    "claim",
]
APPROXIMATE_TOLERANCE = 0.05
STATUSES = (
    "match",
    "mismatch",
    "pending_data",
    "known_inconsistency",
    "not_computed",
    "definition",
    "external",
)
DISTRIBUTION_CHECKS = ("count_beyond", "count_flagged", "modal_band", "share_within", "clustered")
GROUP_CHECKS = ("significant_difference",)
REPLACES_VALUE_CHECK = ("modal_band", "share_within")  # and count_beyond at the id's own value
CHECKS = (*DISTRIBUTION_CHECKS, *GROUP_CHECKS, "direction", "range_edge")
DISTRIBUTIONS = (
    "places_per_10k.primary",
    "places_per_10k.secondary",
    "pupils_per_10k.primary",
    "pupils_per_10k.secondary",
    "independent_place_share",
    "wider_range.independent_place_share",
    "ap_reasons_selected",
    "pex_arrangement_unspecified.primary",
    "pex_arrangement_unspecified.secondary",
    "pex_charge_continues",
    "rural.wider_range",
    "rural.mostly_state_funded",
)


class ReproductionConfigError(ValueError):
    """A mistake in config/reproduction/: the message names the file and key."""


# ---- value checks ---------------------------------------------------------------------------------


def load_published(settings: Settings) -> list[dict]:
    return read_yaml(settings.path(settings.wave_config["published_values"]))


def rounded(x: float, rounding) -> float:
    return round_half_up(x, rounding) if rounding else x


def is_missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def matches(published: float, computed: float, rounding, qualifier: str) -> bool:
    """Does the computed value reproduce the published one, as the report rounds and words it?"""
    if is_missing(computed):
        return False
    c = rounded(computed, rounding)
    if qualifier == "lower_bound":
        return c >= published
    if qualifier == "upper_bound":
        return c <= published
    if qualifier == "approximate":
        return abs(c - published) <= max(APPROXIMATE_TOLERANCE * abs(published), rounding or 0)
    return math.isclose(c, published, rel_tol=0, abs_tol=1e-9)


def direction(difference: float) -> str:
    """A finding's direction from a computed difference (group minus comparison group)."""
    if is_missing(difference):
        return "not computed"
    return "positive" if difference > 0 else ("negative" if difference < 0 else "no difference")


def finding_holds(
    published_direction: str, value: float, p_value: float | None, significant: bool, level: float
) -> tuple[bool, str]:
    """Direction as stated and, where the report says significant, p < level."""
    got = direction(value)
    if got != published_direction:
        return False, f"direction {got}, report {published_direction}"
    if not significant:
        return True, f"direction {got} as stated"
    if is_missing(p_value):
        return False, f"direction {got}; the report says significant but no p-value was computed"
    ok = p_value < level
    return ok, f"direction {got}; p = {p_value:.3g} ({'<' if ok else '>='} {level:g}, report: significant)"


# ---- distribution checks (pure, on one value per LA) ----------------------------------------------


def _share(k: int, n: int) -> float:
    return 100 * k / n if n else float("nan")


def count_where(hits: pd.Series, what: str, at_least: int, at_most_share: float) -> tuple[bool, str]:
    """'A (very) small number of LAs ...': at_least <= LAs flagged <= at_most_share % of the LAs."""
    hits = hits.dropna().astype(bool)
    n, k = len(hits), int(hits.sum())
    limit = at_most_share / 100 * n
    ok = n > 0 and at_least <= k <= limit
    return ok, (
        f"{k} of {n} LAs {what} ({_share(k, n):.1f}%); reading: at least {at_least}, "
        f"at most {at_most_share:g}% = {limit:.1f}"
    )


def count_beyond(
    values: pd.Series,
    threshold: float,
    at_least: int,
    at_most_share: float,
    inclusive: bool = False,
    below: bool = False,
) -> tuple[bool, str]:
    """'A (very) small number of LAs above X' (or below X): the count of LAs beyond X between
    at_least and at_most_share % of the LAs with a value."""
    v = values.dropna()
    if below:
        hits, sign = (v <= threshold if inclusive else v < threshold), ("<=" if inclusive else "<")
    else:
        hits, sign = (v >= threshold if inclusive else v > threshold), (">=" if inclusive else ">")
    return count_where(hits, f"{sign} {threshold:g}", at_least, at_most_share)


def modal_band(values: pd.Series, lo: float, hi: float) -> tuple[bool, str]:
    """'Most common grouping between lo and hi': with whole-number values cut into bands of that
    width starting at lo (values below lo one more group), the band lo-hi holds strictly more LAs
    than any other."""
    v = values.dropna().map(round_half_up)
    width = hi - lo + 1
    if v.empty or width <= 0:
        return False, "no LAs" if v.empty else f"empty band {lo:g}-{hi:g}"
    groups = ((v - lo) // width).where(v >= lo, -1).astype(int)
    counts = groups.value_counts()
    stated = int(counts.get(0, 0))
    others = counts.drop(0, errors="ignore")
    best_other = int(others.max()) if len(others) else 0
    ok = stated > best_other
    if len(others):
        g = int(others.idxmax())
        other = f"below {lo:g}" if g < 0 else f"{lo + g * width:g}-{hi + g * width:g}"
    else:
        other = "none"
    return ok, (f"{stated} of {len(v)} LAs in {lo:g}-{hi:g}; largest other band ({other}): {best_other}")


def share_within(values: pd.Series, lo: float, hi: float, more_than_share: float) -> tuple[bool, str]:
    """'Most LAs between lo and hi': share of LAs in [lo, hi] above more_than_share %."""
    v = values.dropna()
    k = int(((v >= lo) & (v <= hi)).sum())
    s = _share(k, len(v))
    ok = len(v) > 0 and s > more_than_share
    return ok, f"{k} of {len(v)} LAs in {lo:g}-{hi:g} ({s:.1f}%); reading: more than {more_than_share:g}%"


def clustered(values: pd.Series, within_relative: float, more_than_share: float) -> tuple[bool, str]:
    """'Most LAs clustered around the average': share of LAs within within_relative x mean of the
    mean above more_than_share %."""
    v = values.dropna()
    if v.empty:
        return False, "no LAs"
    mean = v.mean()
    d = within_relative * abs(mean)
    k = int(((v - mean).abs() <= d).sum())
    s = _share(k, len(v))
    ok = s > more_than_share
    return ok, (
        f"{k} of {len(v)} LAs within {d:.1f} of the mean {mean:.1f} ({s:.1f}%); "
        f"reading: more than {more_than_share:g}%"
    )


def fisher_exact_p(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test of the table [[a, b], [c, d]]: under fixed margins
    (hypergeometric), the probability of every table no more likely than the observed one, with
    scipy.stats.fisher_exact's relative tolerance of 1e-7. Exact integer arithmetic; written out
    so that the run does not import scipy.stats for one test."""
    row, col, n = a + b, a + c, a + b + c + d
    ways = math.comb(n, col)
    p = {
        k: math.comb(row, k) * math.comb(n - row, col - k) / ways
        for k in range(max(0, col - (n - row)), min(row, col) + 1)
    }
    observed = p[a] * (1 + 1e-7)
    return min(1.0, sum(q for q in p.values() if q <= observed))


def significant_difference(higher: pd.Series, lower: pd.Series, level: float) -> tuple[bool, str]:
    """'Group A significantly more often X than group B' (one yes/no per LA in each group): the
    share is higher in A and Fisher's exact test (two-sided, small groups) gives p < level."""
    a, b = higher.dropna().astype(bool), lower.dropna().astype(bool)
    if a.empty or b.empty:
        return False, "a group has no LAs"
    ka, kb = int(a.sum()), int(b.sum())
    p = fisher_exact_p(ka, len(a) - ka, kb, len(b) - kb)
    sa, sb = _share(ka, len(a)), _share(kb, len(b))
    ok = sa > sb and p < level
    return ok, (
        f"{ka} of {len(a)} ({sa:.1f}%) vs {kb} of {len(b)} ({sb:.1f}%); Fisher's exact p = {p:.3g} "
        f"(report: higher, significant at {level:g})"
    )


def range_edge(published: dict, computed: float | None) -> tuple[bool, str]:
    """'Ranged from A to B': the edge is attained, i.e. the computed extreme rounds to the
    published edge (not merely lies inside it)."""
    if is_missing(computed):
        return False, "edge not computed"
    ok = matches(float(published["value"]), computed, published["rounding"], "exact")
    c = rounded(computed, published["rounding"])
    return ok, f"range edge {c:g} {'=' if ok else '!='} {published['value']:g} (the report names the extreme)"


def direction_holds(greater: float, lesser: float, names: tuple[str, str]) -> tuple[bool, str]:
    """'A is higher than B' on the computed values."""
    if is_missing(greater) or is_missing(lesser):
        return False, f"{names[0]} > {names[1]} not computed"
    ok = greater > lesser
    return ok, f"{names[0]} {greater:.4g} {'>' if ok else '<='} {names[1]} {lesser:.4g} (report: >)"


# ---- rules from config/reproduction/ ---------------------------------------------------------------


@dataclass
class Rules:
    """Everything config/reproduction/ says about how to read the report."""

    readings: dict[str, dict] = field(default_factory=dict)
    claims: dict[str, list[dict]] = field(default_factory=dict)
    known_inconsistencies: dict[str, str] = field(default_factory=dict)
    inconsistency_arithmetic: dict[str, str] = field(default_factory=dict)
    pending_data: list[str] = field(default_factory=list)
    significance_level: float = 0.05
    significant: set[str] = field(default_factory=set)
    origin: dict[str, str] = field(default_factory=dict)  # "section.key" -> file, for messages


READING_KEYS = {"at_least", "at_most_share", "more_than_share", "within_relative", "threshold"}


def load_rules(folder: Path) -> Rules:
    """Merge every YAML file of config/reproduction/ (a key defined twice is an error)."""
    rules = Rules()
    for path in sorted(folder.glob("*.yaml")):
        part = read_yaml(path) or {}
        where = path.as_posix()
        unknown = set(part) - {
            "readings",
            "claims",
            "known_inconsistencies",
            "inconsistency_arithmetic",
            "pending_data",
            "findings",
        }
        if unknown:
            raise ReproductionConfigError(f"{where}: unknown top-level key(s) {sorted(unknown)}")
        for section in ("readings", "claims", "known_inconsistencies", "inconsistency_arithmetic"):
            target = getattr(rules, section)
            for key, val in (part.get(section) or {}).items():
                if key in target:
                    raise ReproductionConfigError(
                        f"{where}: {section}.{key}: already defined in {rules.origin[f'{section}.{key}']}"
                    )
                if section == "claims":
                    val = val if isinstance(val, list) else [val]
                target[key] = val
                rules.origin[f"{section}.{key}"] = where
        for id_ in part.get("pending_data") or []:
            rules.pending_data.append(id_)
            rules.origin[f"pending_data.{id_}"] = where
        findings = part.get("findings") or {}
        if "significance_level" in findings:
            rules.significance_level = float(findings["significance_level"])
        rules.significant |= set(findings.get("significant") or [])
        for id_ in findings.get("significant") or []:
            rules.origin[f"findings.significant.{id_}"] = where
    _check_readings(rules)
    return rules


def _check_readings(rules: Rules) -> None:
    for name, r in rules.readings.items():
        where = f"{rules.origin[f'readings.{name}']}: readings.{name}"
        if not isinstance(r, dict) or not r or set(r) - READING_KEYS:
            raise ReproductionConfigError(
                f"{where}: expected a mapping with keys from {sorted(READING_KEYS)}"
            )
    for id_, claims in rules.claims.items():
        where = rules.origin[f"claims.{id_}"]
        for i, c in enumerate(claims):
            key = f"{where}: claims.{id_}[{i}]"
            if not isinstance(c, dict) or c.get("check") not in CHECKS:
                raise ReproductionConfigError(f"{key}.check: expected one of {list(CHECKS)}")
            if c["check"] in DISTRIBUTION_CHECKS and c.get("distribution") not in DISTRIBUTIONS:
                raise ReproductionConfigError(
                    f"{key}.distribution: {c.get('distribution')!r} is not one of {list(DISTRIBUTIONS)}"
                )
            if c["check"] in GROUP_CHECKS and not (
                len(c.get("groups") or []) == 2 and set(c["groups"]) <= set(DISTRIBUTIONS)
            ):
                raise ReproductionConfigError(
                    f"{key}.groups: expected [higher group, lower group] from {list(DISTRIBUTIONS)}"
                )
            for k in ("reading", "threshold_reading"):
                if k in c and c[k] not in rules.readings:
                    raise ReproductionConfigError(f"{key}.{k}: unknown reading {c[k]!r}")
            if (
                c["check"] in ("count_beyond", "count_flagged", "share_within", "clustered")
                and "reading" not in c
            ):
                raise ReproductionConfigError(f"{key}.reading: missing")
            if c["check"] in ("modal_band", "share_within") and len(c.get("band") or []) != 2:
                raise ReproductionConfigError(f"{key}.band: expected [id of the lower edge, id of the upper]")
            if c.get("side", "above") not in ("above", "below"):
                raise ReproductionConfigError(f"{key}.side: expected 'above' or 'below'")
            if c["check"] == "direction" and not (c.get("greater") and c.get("than")):
                raise ReproductionConfigError(f"{key}: a direction needs 'greater' and 'than' ids")


def check_against_published(rules: Rules, published: dict[str, dict]) -> None:
    """Every id the config names exists, and each stated direction is the report's."""
    named = [(f"claims.{i}", i) for i in rules.claims]
    named += [(f"known_inconsistencies.{i}", i) for i in rules.known_inconsistencies]
    named += [(f"pending_data.{i}", i) for i in rules.pending_data]
    named += [(f"findings.significant.{i}", i) for i in rules.significant]
    for id_, claims in rules.claims.items():
        for c in claims:
            named += [(f"claims.{id_}", x) for x in (*(c.get("band") or []), c.get("greater"), c.get("than"))]
    for key, id_ in named:
        if id_ is not None and id_ not in published:
            where = rules.origin.get(key, "config/reproduction")
            raise ReproductionConfigError(f"{where}: {key}: {id_!r} is not a published value id")
    for id_, claims in rules.claims.items():
        for c in claims:
            if c["check"] == "direction":
                a, b = published[c["greater"]]["value"], published[c["than"]]["value"]
                if not (a is not None and b is not None and a > b):
                    raise ReproductionConfigError(
                        f"{rules.origin[f'claims.{id_}']}: claims.{id_}: the report does not state "
                        f"{c['greater']} > {c['than']}"
                    )
    for id_ in rules.known_inconsistencies:
        if id_ not in rules.inconsistency_arithmetic:
            where = rules.origin[f"known_inconsistencies.{id_}"]
            raise ReproductionConfigError(
                f"{where}: inconsistency_arithmetic.{id_}: missing (why no data can meet the value)"
            )


# ---- per-LA distributions ---------------------------------------------------------------------------


def la_distributions(settings: Settings, derived: dict | None) -> dict[str, pd.Series]:
    """One value per answering LA for each distribution a claim can name.

    Built with the analysis' own helpers, so each is exactly the set of LA rates or shares whose
    mean the analysis publishes (the back-test checks the means agree). A wave that lacks the
    answers a distribution needs simply does not have it: its claims then fail, visibly.
    """
    if derived is None:
        return {}
    from .analyse import NoAnswers
    from .analysis.common import Data

    d = Data(settings, derived)
    threshold = float(settings.figures["fig04"]["state_funded_threshold"])
    out: dict[str, pd.Series] = {}
    for builder, args in (
        (_rate_distributions, (d,)),
        (_place_share_distributions, (d, threshold)),
        (_reasons_distribution, (derived["clean"],)),
        (_pex_distributions, (derived["clean"],)),
    ):
        try:
            out.update(builder(*args))
        except (NoAnswers, KeyError, ValueError, IndexError):
            continue
    return out


def _rate_distributions(d) -> dict[str, pd.Series]:
    places, pupils = d.rates("places"), d.rates("pupils")
    return {
        "places_per_10k.primary": places["primary"],
        "places_per_10k.secondary": places["secondary"],
        "pupils_per_10k.primary": pupils["primary"],
        "pupils_per_10k.secondary": pupils["secondary"],
    }


def _place_share_distributions(d, threshold: float) -> dict[str, pd.Series]:
    from .analysis.provision import _la_state_share

    share = _la_state_share(d)
    independent = 100 - share["state"]  # the non-state remainder counts as independent (line 515)
    wider = share["state"] < threshold
    rural = d.ctx["rurality"].reindex(share.index).fillna("").str.contains("Rural")  # as Figure 4
    return {
        "independent_place_share": independent,
        "wider_range.independent_place_share": independent[wider],
        "rural.wider_range": rural[wider],
        "rural.mostly_state_funded": rural[~wider],
    }


def _reasons_distribution(clean: pd.DataFrame) -> dict[str, pd.Series]:
    from .derive import choice_answers

    reasons = choice_answers(clean, "ap_reasons")
    return {"ap_reasons_selected": reasons["value"].eq("yes").groupby(reasons["la_code"]).sum()}


def _pex_distributions(clean: pd.DataFrame) -> dict[str, pd.Series]:
    from .derive import choice_answers

    arrangement = choice_answers(clean, "pex_financial_arrangement")
    duration = choice_answers(clean, "pex_charge_duration")
    out = {}
    for ph in ("primary", "secondary"):
        a = arrangement.loc[arrangement["school_phase"] == ph].set_index("la_code")["value"]
        out[f"pex_arrangement_unspecified.{ph}"] = a[a.ne("none")].eq("unspecified")  # LAs with one
    # LAs answering the charge-duration item whose charge continues in either phase
    out["pex_charge_continues"] = duration["value"].eq("to_end_of_phase").groupby(duration["la_code"]).any()
    return out


# ---- claims ------------------------------------------------------------------------------------------


def short_names(a: str, b: str) -> tuple[str, str]:
    """The parts of two ids that differ: ('ks3', 'ks4.exec_summary') for sibling ids."""
    pa, pb = a.split("."), b.split(".")
    while len(pa) > 1 and len(pb) > 1 and pa[0] == pb[0]:
        pa, pb = pa[1:], pb[1:]
    while len(pa) > 1 and len(pb) > 1 and pa[-1] == pb[-1]:
        pa, pb = pa[:-1], pb[:-1]
    return ".".join(pa), ".".join(pb)


def replaces_value_check(claim: dict) -> bool:
    """Is the published value the claim's own parameter (a band edge, the X of 'above X')?"""
    if claim["check"] == "count_beyond":
        return "threshold" not in claim and "threshold_reading" not in claim
    return claim["check"] in REPLACES_VALUE_CHECK


def evaluate_claim(
    claim: dict,
    id_: str,
    published: dict[str, dict],
    computed: dict[str, dict],
    distributions: dict[str, pd.Series],
    readings: dict[str, dict],
    level: float = 0.05,
) -> tuple[bool, str]:
    """Run one configured claim check; (holds, what was measured)."""
    kind = claim["check"]
    if kind == "range_edge":
        return range_edge(published[id_], computed.get(id_, {}).get("value"))
    if kind == "significant_difference":
        groups = [distributions.get(g) for g in claim["groups"]]
        if any(g is None for g in groups):
            return False, f"{claim['groups']}: no per-LA data (not given, or the wave lacks the answers)"
        return significant_difference(groups[0], groups[1], level)
    if kind == "direction":
        a, b = claim["greater"], claim["than"]
        ca, cb = (computed.get(x, {}).get("value", float("nan")) for x in (a, b))
        if claim.get("than_published"):  # the comparison is with a value outside the survey
            cb = float(published[b]["value"])
        na, nb = short_names(a, b)
        return direction_holds(ca, cb, (na, nb + (" (published)" if claim.get("than_published") else "")))
    values = distributions.get(claim["distribution"])
    if values is None:
        return False, f"{claim['distribution']}: no per-LA data (not given, or the wave lacks the answers)"
    reading = readings.get(claim.get("reading"), {})
    at_least, at_most = int(reading.get("at_least", 1)), float(reading.get("at_most_share", 100))
    if kind == "count_flagged":
        return count_where(values, claim.get("what", "flagged"), at_least, at_most)
    if kind == "count_beyond":
        if "threshold_reading" in claim:
            threshold, inclusive = float(readings[claim["threshold_reading"]]["threshold"]), True
        elif "threshold" in claim:
            threshold, inclusive = float(claim["threshold"]), bool(claim.get("inclusive", False))
        else:
            threshold, inclusive = float(published[id_]["value"]), False
        below = claim.get("side", "above") == "below"
        return count_beyond(values, threshold, at_least, at_most, inclusive, below)
    if kind == "clustered":
        return clustered(values, float(reading["within_relative"]), float(reading["more_than_share"]))
    lo, hi = (float(published[x]["value"]) for x in claim["band"])
    if kind == "modal_band":
        return modal_band(values, lo, hi)
    return share_within(values, lo, hi, float(reading["more_than_share"]))


def compare(
    published: list[dict],
    computed: dict[str, dict],
    inconsistencies: dict[str, str] | Rules,
    distributions: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """One row per published value with its status (see the module docstring)."""
    rules = (
        inconsistencies
        if isinstance(inconsistencies, Rules)
        else Rules(known_inconsistencies=inconsistencies)
    )
    by_id = {p["id"]: p for p in published}
    distributions = distributions or {}
    rows = []
    for p in published:
        c = computed.get(p["id"])
        cval = c["value"] if c else float("nan")
        cval = float("nan") if is_missing(cval) else cval
        claims = [] if p["source"] == "external" else rules.claims.get(p["id"], [])
        results = [
            evaluate_claim(
                x, p["id"], by_id, computed, distributions, rules.readings, rules.significance_level
            )
            for x in claims
        ]
        claims_ok = all(ok for ok, _ in results)
        claim_text = "; ".join(("holds: " if ok else "FAILS: ") + text for ok, text in results)
        note = ""
        if p["source"] == "external":
            status, cval = "external", float("nan")
        elif p["id"] in rules.known_inconsistencies:
            note = rules.known_inconsistencies[p["id"]]
            if claims_ok:
                status = "known_inconsistency"
            else:
                status = "pending_data" if p["id"] in rules.pending_data else "mismatch"
        elif c is None or p["value"] is None:
            status = "not_computed"
        else:
            if p["unit"] == "finding":
                value_ok, text = finding_holds(
                    p["value"],
                    cval,
                    c.get("p_value"),
                    p["id"] in rules.significant,
                    rules.significance_level,
                )
                claim_text = "; ".join(x for x in (text, claim_text) if x)
            elif any(replaces_value_check(x) for x in claims):
                value_ok = True  # the published value is the claim's parameter, checked by the claim
            else:
                value_ok = matches(float(p["value"]), cval, p["rounding"], p["qualifier"])
            if value_ok and claims_ok:
                status = "definition" if c.get("basis") == "definition" else "match"
            elif (value_ok or p["unit"] == "finding") and p["id"] in rules.pending_data:
                # a regression finding's value is its direction and significance: one the
                # synthetic returns were not calibrated to may be listed as pending (pending.yaml)
                status = "pending_data"
            else:
                status = "mismatch"
        rows.append(
            {
                "id": p["id"],
                "figure": p["figure"] if p["figure"] is not None else "",
                "source": p["source"],
                "published": p["value"],
                "computed": "" if math.isnan(cval) else round(cval, 4),
                "unit": p["unit"],
                "rounding": p["rounding"] if p["rounding"] is not None else "",
                "qualifier": p["qualifier"],
                "status": status,
                "basis": c["basis"] if c else "",
                "n_las": c["n_las"] if c and c.get("n_las") is not None else "",
                "note": note,
                "claim": claim_text,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def summary(table: pd.DataFrame) -> str:
    """'reproduced N of M ...': M counts survey and public values, not definitions or external."""
    counts = table["status"].value_counts()
    counted = table[~table["status"].isin(["external", "definition"])]
    n_match = int(counts.get("match", 0))
    parts = [f"reproduced {n_match} of {len(counted)} published survey and public values"]
    for status in ("mismatch", "known_inconsistency", "not_computed"):
        parts.append(f"{int(counts.get(status, 0))} {status.replace('_', ' ')}")
    if counts.get("pending_data", 0):
        parts.append(f"{int(counts['pending_data'])} pending data (temporary: strict claim fails)")
    parts.append(f"{int(counts.get('definition', 0))} analysis definitions (not counted)")
    parts.append(f"{int(counts.get('external', 0))} external")
    return "; ".join(parts)


def manifest_lines(files: list[Path], root: Path) -> list[str]:
    """'sha256  path' for each return file, sorted: the identity of a set of returns."""
    lines = []
    for f in sorted(files):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        lines.append(f"{digest}  {f.relative_to(root).as_posix()}")
    return lines


def gate_applies(settings: Settings) -> bool:
    """Is this the set of returns the published values were reproduced from?

    The wave config may name a manifest (sha256 of every return). Mismatches fail the run only
    when the returns are exactly those; for any other returns (a new wave, an LA removed or
    corrected) the comparison is reported but not fatal.
    """
    from .ingest import return_files

    name = settings.wave_config.get("reproduction_manifest")
    path = settings.path(name) if name else None
    if path is None or not path.exists():
        return False
    expected = path.read_text(encoding="utf-8").splitlines()
    return manifest_lines(return_files(settings), settings.root) == expected


def prepare(settings: Settings) -> tuple[list[dict], Rules]:
    """The published values and the checked reading rules: the slow part of the comparison
    (parsing the published-values file), which needs nothing computed, so a run does it early."""
    published = load_published(settings)
    try:
        rules = load_rules(settings.cfg / "reproduction")
        check_against_published(rules, {p["id"]: p for p in published})
    except ReproductionConfigError as exc:  # a user's config mistake: one line, no traceback
        raise SystemExit(f"configuration error: {exc}") from None
    return published, rules


def run(
    settings: Settings, computed_values: list[dict], derived: dict | None = None, prepared=None
) -> tuple[pd.DataFrame, str, bool]:
    """Compare, summarise, and say whether mismatches should fail the run.

    ``derived`` (the derive stage's output) gives the per-LA distributions the claims are checked
    on; without it every distribution claim fails. ``prepared``: ``prepare(settings)``, if done.
    """
    published, rules = prepared if prepared is not None else prepare(settings)
    computed = {v["id"]: v for v in computed_values}
    table = compare(published, computed, rules, la_distributions(settings, derived))
    strict = gate_applies(settings)
    line = summary(table)
    if not strict:
        line += " (returns differ from the reproduction manifest: mismatches reported, not fatal)"
    ki = table.loc[table["status"] == "known_inconsistency", "id"].tolist()
    if ki:
        line += "\nknown inconsistencies (docs/reproduction.md): " + ", ".join(ki)
    pending = table.loc[table["status"] == "pending_data", "id"].tolist()
    if pending:
        line += "\npending data (config/reproduction/pending.yaml, TEMPORARY): " + ", ".join(pending)
    stale = table.loc[table["id"].isin(rules.pending_data) & (table["status"] == "match"), "id"]
    if len(stale):
        line += "\npending_data entries no longer failing (remove them): " + ", ".join(stale)
    return table, line, strict
