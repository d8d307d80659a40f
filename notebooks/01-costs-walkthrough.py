# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Costs of AP places: a walkthrough
#
# Explanation only: the pipeline never runs this notebook. It reads the outputs of
# `make all` and shows, for one provider type, how the place-weighted average of Figure 8 is
# built from LA returns (report footnote 24). **The 2018 returns are synthetic** (see
# docs/synthetic-data.md); context data are real.

# %%
import pandas as pd

from pipeline import derive
from pipeline.config import Settings
from pipeline.estimators import place_weighted_cost

settings = Settings("2018")
clean = pd.read_csv(settings.processed_dir / "responses.csv", dtype=str)
tables = derive.cost_tables(clean, settings.codebook)
pru = tables["type_costs"].query("provider_type == 'pru'")
pru.head()

# %% [markdown]
# Each LA's PRU cost is weighted by its PRU places (0 places: weight 0); by our assumption an LA
# that gave no place numbers counts as an average-sized LA (`weight` and `fallback_weight` come
# from derive, computed once per LA and provider type).

# %%
print("LAs:", len(pru), " without places:", int(pru["fallback_weight"].sum()))
print("place-weighted average:", round(place_weighted_cost(pru["cost"], pru["weight"])))
print("simple mean of LA averages:", round(pru["cost"].mean()))
