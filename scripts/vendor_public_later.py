"""Vendor the public context files of later waves into data/raw/public/ (run once, by hand).

Reads the shared public-data folder (``../shared/public-data`` by default, or argv[1]) and writes
the LA frames of January 2023 and 2024/25, the January 2023 census headcounts, the 2021/22
exclusions (LA and national/regional) and IMD 2015 and RUC 2011 re-summarised onto the January
2023 frame. Every value is copied or summed from the sources, never estimated; provenance and
checks are in data/raw/public/SOURCES.md. Not part of the pipeline: compute reads only the outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "raw" / "public"
CENSUS_DAY_2023 = pd.Timestamp("2023-01-19")
LA_TYPES = {
    "E06": "Unitary authority",
    "E08": "Metropolitan district",
    "E09": "London borough",
    "E10": "Shire county",
}
# District make-up of the reorganised LAs (from the notes of la_reorganisations_2018_2025.csv).
DISTRICT_SUCCESSORS_2023 = {
    "E06000028": "E06000058",  # Bournemouth -> BCP
    "E06000029": "E06000058",  # Poole -> BCP
    "E07000048": "E06000058",  # Christchurch (Dorset county) -> BCP
    "E07000049": "E06000059",  # East Dorset -> Dorset
    "E07000050": "E06000059",  # North Dorset -> Dorset
    "E07000051": "E06000059",  # Purbeck -> Dorset
    "E07000052": "E06000059",  # West Dorset -> Dorset
    "E07000053": "E06000059",  # Weymouth and Portland -> Dorset
    "E07000150": "E06000061",  # Corby -> North Northamptonshire
    "E07000152": "E06000061",  # East Northamptonshire
    "E07000153": "E06000061",  # Kettering
    "E07000156": "E06000061",  # Wellingborough
    "E07000151": "E06000062",  # Daventry -> West Northamptonshire
    "E07000154": "E06000062",  # Northampton
    "E07000155": "E06000062",  # South Northamptonshire
}
RECODED_2023 = {"E10000002": "E06000060"}  # Buckinghamshire county -> unitary (same area)


def parse_date(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="%d/%m/%Y", errors="coerce")


def region_names(shared: Path) -> dict[str, str]:
    lookup = pd.read_csv(shared / "la_lookup_2018.csv")
    return dict(zip(lookup["region_code"], lookup["region_name"], strict=False))


def frame_rows(las: pd.DataFrame, regions: dict[str, str]) -> pd.DataFrame:
    """las.csv rows in the frame's columns (LA type and region name added from the codes)."""
    out = pd.DataFrame(
        {
            "new_la_code": las["new_la_code"],
            "old_la_code": las["old_la_code"].astype(str),
            "la_name": las["la_name"],
            "region_code": las["parent_geography_code"],
            "region_name": las["parent_geography_code"].map(regions),
            "la_type": las["entity_code"].map(LA_TYPES),
            "ons_entity_code": las["entity_code"],
            "date_of_operation": las["date_of_operation"],
            "date_of_termination": las["date_of_termination"].fillna(""),
        }
    )
    assert out["region_name"].notna().all() and out["la_type"].notna().all()
    return out.sort_values(["region_code", "old_la_code"]).reset_index(drop=True)


def frame_on(shared: Path, day: pd.Timestamp) -> pd.DataFrame:
    """LAs with education responsibility whose code was in operation on ``day``."""
    las = pd.read_csv(shared / "raw" / "dfe-published-data-qa_las.csv", dtype=str)
    start, end = parse_date(las["date_of_operation"]), parse_date(las["date_of_termination"])
    live = (start <= day) & (end.isna() | (end > day))
    keep = las[live & las["entity_code"].isin(list(LA_TYPES)) & ~las["new_la_code"].str.contains("/")]
    return frame_rows(keep, region_names(shared))


def frame_2025(shared: Path) -> pd.DataFrame:
    las = pd.read_csv(shared / "later" / "la_frame_2024_25.csv", dtype=str)
    return frame_rows(las, region_names(shared))


def exclusions(shared: Path) -> pd.DataFrame:
    exc = pd.read_csv(
        shared / "later" / "exc_nat_region_la_fy.csv", encoding="utf-8-sig", dtype={"old_la_code": str}
    )
    return exc.replace({"region_name": {"Yorkshire and the Humber": "Yorkshire and The Humber"}})


PHASES = {
    "state-funded primary": "primary",
    "state-funded secondary": "secondary",
    "special": "special",
    "Total": "total",
}
MEASURES = ["num_schools", "headcount", "perm_excl", "perm_excl_rate", "suspension", "susp_rate"]
MEASURES += ["one_plus_susp", "one_plus_susp_rate"]


def wide_by_la(exc: pd.DataFrame, time_period: int, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per frame LA with <phase>_<measure> columns of one year."""
    rows = exc[(exc["time_period"] == time_period) & (exc["geographic_level"] == "Local authority")].copy()
    rows["phase"] = rows["school_type"].map(PHASES)
    wide = rows.pivot(index="new_la_code", columns="phase", values=MEASURES)
    wide.columns = [f"{phase}_{measure}" for measure, phase in wide.columns]
    cols = [f"{p}_{m}" for p in PHASES.values() for m in MEASURES]
    wide = wide.reindex(columns=cols).reset_index()
    out = frame[["new_la_code", "old_la_code", "la_name", "region_name"]].merge(
        wide, on="new_la_code", how="left"
    )
    assert len(out) == len(frame) and out["total_headcount"].notna().all(), "frame and exclusions LAs differ"
    return out


def pupils_2023(shared: Path, exc: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """January 2023 census headcounts (the 2022/23 headcount of the exclusions release) by phase."""
    wide = wide_by_la(exc, 202223, frame)
    ap = pd.read_csv(shared / "later" / "send_ap_dashboard_ap_counts_extract.csv", dtype={"old_la_code": str})
    ap = ap[(ap["time_period"] == 202223) & (ap["geographic_level"] == "Local authority")]
    ap = ap[ap["prov_type"] == "State-funded AP school"][["new_la_code", "total"]]
    out = wide[["new_la_code", "old_la_code", "la_name"]].copy()
    for phase in ("primary", "secondary", "special", "total"):
        out[f"{phase}_headcount"] = wide[f"{phase}_headcount"].astype("Int64")
    out = out.merge(ap.rename(columns={"total": "pru_headcount"}), on="new_la_code", how="left")
    out["pru_headcount"] = out["pru_headcount"].astype("Int64")
    return out[
        ["new_la_code", "old_la_code", "la_name", "primary_headcount", "secondary_headcount"]
        + ["special_headcount", "pru_headcount", "total_headcount"]
    ]


def exclusions_national(exc: pd.DataFrame, time_period: int, year_label: str) -> pd.DataFrame:
    rows = exc[(exc["time_period"] == time_period) & (exc["geographic_level"] != "Local authority")]
    out = pd.DataFrame(
        {
            "academic_year": year_label,
            "geographic_level": rows["geographic_level"],
            "area_name": rows["region_name"].fillna(rows["country_name"]),
            "school_type": rows["school_type"]
            .map(
                {
                    "state-funded primary": "Primary",
                    "state-funded secondary": "Secondary",
                    "special": "Special",
                }
            )
            .fillna(rows["school_type"]),
        }
    )
    for m in MEASURES:
        out[m] = rows[m]
    return out.sort_values(["geographic_level", "area_name", "school_type"]).reset_index(drop=True)


def district_to_la_2023(shared: Path) -> pd.Series:
    lad = pd.read_csv(shared / "lad13_to_la2018.csv")
    la = lad["new_la_code"].replace(RECODED_2023)
    la = lad["lad13_code"].map(DISTRICT_SUCCESSORS_2023).fillna(la)
    return pd.Series(la.to_numpy(), index=lad["lad13_code"])


def imd_on(frame: pd.DataFrame, shared: Path) -> pd.DataFrame:
    """IMD 2015 LSOA scores summarised (unweighted) onto the frame's LAs (as imd2015_by_la.csv)."""
    lsoa = pd.read_csv(shared / "raw" / "imd2015_lsoa11_england.csv.gz")
    lsoa["la"] = lsoa["lad13_code"].map(district_to_la_2023(shared))
    g = lsoa.groupby("la")
    out = pd.DataFrame(
        {
            "n_lsoa": g.size(),
            "n_lsoa_most_deprived_10pc": g["IMD_decile"].apply(lambda d: int((d == 1).sum())),
            "imd_avg_score_unweighted": g["IMD_score"].mean().round(4),
            "imd_avg_rank_unweighted": g["IMD_rank"].mean().round(2),
        }
    )
    out["imd_prop_lsoa_most_deprived_10pc"] = (out["n_lsoa_most_deprived_10pc"] / out["n_lsoa"]).round(4)
    out["imd_rank_of_avg_score_unweighted"] = out["imd_avg_score_unweighted"].rank(
        ascending=False, method="first"
    )
    out["imd_rank_of_avg_rank_unweighted"] = out["imd_avg_rank_unweighted"].rank(
        ascending=True, method="first"
    )
    out = out.astype({"imd_rank_of_avg_score_unweighted": int, "imd_rank_of_avg_rank_unweighted": int})
    res = frame[["new_la_code", "old_la_code", "la_name"]].merge(out, left_on="new_la_code", right_index=True)
    assert len(res) == len(frame) and res["n_lsoa"].sum() == len(lsoa)
    return res


def ruc_code(rural_pct: float, major_pct: float, minor_pct: float) -> int:
    """Defra LA thresholds on the rural (incl. hub towns) share, then the conurbation shares."""
    if rural_pct >= 80:
        return 1
    if rural_pct >= 50:
        return 2
    if rural_pct >= 26:
        return 3
    if major_pct >= 50:
        return 6
    if minor_pct >= 50:
        return 5
    return 4


def rurality_on(frame: pd.DataFrame, shared: Path) -> pd.DataFrame:
    """RUC 2011 of the frame's LAs: official for unchanged single-tier LAs, derived from districts."""
    ruc = pd.read_csv(shared / "raw" / "ruc11_lad_2011_en_lu.csv")
    ruc["la"] = ruc["LAD18CD"].map(district_to_la_2023(shared))
    ruc["n"] = 1
    cols = {
        "Rural including hub towns (rural & rural related) population 2011": "rural",
        "Total population 2011": "total",
        "Urban Major Conurbation population 2011": "major",
        "Urban Minor Conurbation population 2011": "minor",
    }
    ruc["broad"] = ruc["Broad RUC11"].str.strip()
    summed = ruc.rename(columns=cols).groupby("la")[[*cols.values(), "n"]].sum()
    for b, name in [
        ("Predominantly Rural", "pred_rural"),
        ("Urban with Significant Rural", "sig_rural"),
        ("Predominantly Urban", "pred_urban"),
    ]:
        summed[name] = ruc[ruc["broad"] == b].groupby("la").size().reindex(summed.index, fill_value=0)
    names = {1: "Mainly Rural", 2: "Largely Rural", 3: "Urban with Significant Rural"}
    names |= {
        4: "Urban with City and Town",
        5: "Urban with Minor Conurbation",
        6: "Urban with Major Conurbation",
    }
    broad = {1: "Predominantly Rural", 2: "Predominantly Rural", 3: "Urban with Significant Rural"}
    rows = []
    for la, r in summed.iterrows():
        pct = 100 * r["rural"] / r["total"]
        code = ruc_code(pct, 100 * r["major"] / r["total"], 100 * r["minor"] / r["total"])
        rows.append(
            {
                "new_la_code": la,
                "ruc11_code": code,
                "ruc11_name": names[code],
                "broad_ruc11": broad.get(code, "Predominantly Urban"),
                "rural_incl_hub_towns_pct": round(pct, 2),
                "rural_incl_hub_towns_pop_2011": int(r["rural"]),
                "total_pop_2011": int(r["total"]),
                "urban_major_conurbation_pct": round(100 * r["major"] / r["total"], 2),
                "urban_minor_conurbation_pct": round(100 * r["minor"] / r["total"], 2),
                "n_districts": int(r["n"]),
                "n_districts_pred_rural": int(r["pred_rural"]),
                "n_districts_urban_sig_rural": int(r["sig_rural"]),
                "n_districts_pred_urban": int(r["pred_urban"]),
                "classification_basis": "official: the LA is one district"
                if r["n"] == 1
                else "derived: Defra thresholds on the summed 2011 populations of its districts",
            }
        )
    out = frame[["new_la_code", "old_la_code", "la_name"]].merge(pd.DataFrame(rows), on="new_la_code")
    assert len(out) == len(frame)
    return out


def main(shared: Path) -> None:
    frame23 = frame_on(shared, CENSUS_DAY_2023)
    exc = exclusions(shared)
    files = {
        "la_frame_2023.csv": frame23,
        "la_frame_2025.csv": frame_2025(shared),
        "pupils_jan2023_by_la.csv": pupils_2023(shared, exc, frame23),
        "exclusions_2021_22_by_la.csv": wide_by_la(exc, 202122, frame23).assign(academic_year="2021/22"),
        "exclusions_2021_22_national_regional.csv": exclusions_national(exc, 202122, "2021/22"),
        "imd2015_by_la_2023.csv": imd_on(frame23, shared),
        "rural_urban_by_la_2023.csv": rurality_on(frame23, shared),
    }
    for name, df in files.items():
        df.to_csv(OUT / name, index=False, lineterminator="\n")
        print(f"{name}: {len(df)} rows")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "public-data")
