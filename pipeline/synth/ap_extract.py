"""Derive ``data/raw/public/ap_pupils_by_la.csv`` from the shared public AP files (run once).

``python -m pipeline.synth.ap_extract SRC_DIR OUT_CSV`` with SRC_DIR the shared
``public-data/later`` folder: AP census pupils by LA (rows with gender, age, ethnicity and FSM all
``Total``) joined on the DfE LA code and year to the SEND-AP dashboard's state-funded AP school
headcount, LA-funded AP placements and school-arranged AP (2022/23 only). Provenance and sha256
in ``data/raw/public/SOURCES.md``.
"""

from __future__ import annotations

import io
import sys
import zipfile

import pandas as pd

COLUMNS = [
    "time_period",
    "old_la_code",
    "new_la_code",
    "la_name",
    "ap_census_pupils",
    "ap_school_headcount",
    "la_funded_ap_placements",
    "school_arranged_ap",
]
PROV_TYPES = {
    "State-funded AP school": "ap_school_headcount",
    "LA funded AP placements": "la_funded_ap_placements",
    "School arranged AP": "school_arranged_ap",
}


def ap_census_totals(zip_path: str) -> pd.DataFrame:
    with zipfile.ZipFile(zip_path) as z:
        d = pd.read_csv(io.BytesIO(z.read("ap_placements_ap_census.csv")), encoding="utf-8-sig", dtype=str)
    total = (
        (d["gender"] == "Total")
        & (d["age"] == "Total")
        & (d["ethnicity_minor"] == "Total")
        & (d["fsm"] == "Total")
    )
    d = d[total & (d["geographic_level"] == "Local authority")]
    return d[["time_period", "old_la_code", "new_la_code", "la_name", "number_of_pupils"]].rename(
        columns={"number_of_pupils": "ap_census_pupils"}
    )


def dashboard_counts(csv_path: str) -> pd.DataFrame:
    a = pd.read_csv(csv_path, dtype=str)
    a = a[a["geographic_level"] == "Local authority"]
    wide = a.pivot_table(
        index=["time_period", "old_la_code"], columns="prov_type", values="total", aggfunc="first"
    )
    wide = wide.rename(columns=PROV_TYPES).reset_index()
    names = a.drop_duplicates(["time_period", "old_la_code"])[
        ["time_period", "old_la_code", "new_la_code", "la_name"]
    ]
    return names.merge(wide, on=["time_period", "old_la_code"])


def extract(src: str) -> pd.DataFrame:
    apc = ap_census_totals(f"{src}/ap_placements_ap_census.zip")
    out = dashboard_counts(f"{src}/send_ap_dashboard_ap_counts_extract.csv").merge(
        apc[["time_period", "old_la_code", "ap_census_pupils"]],
        on=["time_period", "old_la_code"],
        how="outer",
    )
    names = apc.set_index(["time_period", "old_la_code"])
    for col in ("new_la_code", "la_name"):
        miss = out[col].isna()
        keys = zip(out.loc[miss, "time_period"], out.loc[miss, "old_la_code"], strict=True)
        out.loc[miss, col] = [names.loc[k, col] for k in keys]
    for col in COLUMNS:
        if col not in out:
            out[col] = pd.NA
    return out[COLUMNS].sort_values(["time_period", "old_la_code"])


if __name__ == "__main__":
    extract(sys.argv[1]).to_csv(sys.argv[2], index=False, lineterminator="\n")
