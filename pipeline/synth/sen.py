"""Generator block: SEN and SEMH: SEN profile of pupils in AP, SEMH provision and its relation to AP."""

from __future__ import annotations


def run(ctx) -> None:
    """Nothing yet."""
