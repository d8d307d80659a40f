"""Configuration: the wave file, the codebook and the shared analysis settings.

Every stage takes a :class:`Settings`; nothing else reads YAML or decides paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from .codebook import Codebook

ROOT = Path(__file__).resolve().parents[1]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


def merge_dir(folder: Path) -> dict:
    """Merge the top-level mappings of every YAML file in a folder (sorted by name)."""
    merged: dict = {}
    for path in sorted(folder.glob("*.yaml")):
        part = read_yaml(path) or {}
        clash = set(part) & set(merged)
        if clash:
            raise ValueError(f"{path}: keys already defined in another file: {sorted(clash)}")
        merged.update(part)
    return merged


@dataclass(frozen=True)
class Settings:
    """Everything a stage needs to know about where things are and how to treat them."""

    wave: str
    root: Path = ROOT
    config_dir: Path | None = None

    @property
    def cfg(self) -> Path:
        return self.config_dir or self.root / "config"

    @cached_property
    def wave_config(self) -> dict:
        path = self.cfg / "waves" / f"{self.wave}.yaml"
        if not path.exists():
            raise FileNotFoundError(f"no wave configuration {path}: add config/waves/<wave>.yaml")
        return read_yaml(path)

    @cached_property
    def codebook(self) -> Codebook:
        return Codebook.load(self.cfg / "codebook.yaml")

    @cached_property
    def analysis(self) -> dict:
        return read_yaml(self.cfg / "analysis.yaml")

    @cached_property
    def validation(self) -> dict:
        return read_yaml(self.cfg / "validation.yaml")

    @cached_property
    def figures(self) -> dict:
        """Figure specs by key (figNN), merged from every file in config/figures/."""
        return merge_dir(self.cfg / "figures")

    @cached_property
    def known_inconsistencies(self) -> dict[str, str]:
        """Published-value ids the report contradicts, with the reason, from config/reproduction/."""
        merged: dict[str, str] = {}
        for part in (read_yaml(p) for p in sorted((self.cfg / "reproduction").glob("*.yaml"))):
            merged.update((part or {}).get("known_inconsistencies") or {})
        return merged

    def path(self, relative: str | None) -> Path | None:
        """Resolve a path from the wave file against the project root."""
        if not relative:
            return None
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    @property
    def returns_dir(self) -> Path | None:
        return self.path(self.wave_config.get("returns_dir"))

    @property
    def export_file(self) -> Path | None:
        return self.path(self.wave_config.get("export_file"))

    @property
    def processed_dir(self) -> Path:
        return self.root / "data" / "processed" / self.wave

    @property
    def figures_dir(self) -> Path:
        return self.root / "figures" / self.wave

    @property
    def time_period(self) -> int:
        return int(self.wave_config["time_period"])

    @property
    def time_identifier(self) -> str:
        return self.wave_config["time_identifier"]

    @property
    def data_note_short(self) -> str:
        """The data note in a few words, for figure footers (the full note is in the alt text)."""
        return " ".join(str(self.wave_config.get("data_note_short") or self.data_note).split())

    @property
    def data_note(self) -> str:
        return " ".join(str(self.wave_config.get("data_note", "")).split())
