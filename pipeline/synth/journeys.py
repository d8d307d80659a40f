"""Generator block: Pupils' journeys: reasons, types, history, length and destinations of placements."""

from __future__ import annotations


def run(ctx) -> None:
    """Nothing yet."""
