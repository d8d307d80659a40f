"""Chapters Two and Three: responsibilities, pupils' journeys, demand, self-evaluation (owner: area B)."""

from __future__ import annotations

from ..analyse import FigureTable
from ..config import Settings


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    return []
