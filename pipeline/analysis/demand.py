"""Demand for AP (codebook section 'demand'): Figure 29 and the demand-trend prose values.

Every table of this section is ordinary: declared in config/tables/demand.yaml and built by
the generic share-of-LAs builder (pipeline/analysis/specs.py).
"""

from __future__ import annotations

from ..analyse import FigureTable
from ..config import Settings
from .specs import build_section


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    return build_section("demand", settings, derived)
