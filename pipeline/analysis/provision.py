"""Chapter One and pupils placed: provision, places, pupils placed, SEN and SEMH (owner: area A)."""

from __future__ import annotations

from ..analyse import FigureTable
from ..config import Settings


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    return []
