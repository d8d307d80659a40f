"""Configuration: the wave file, its instrument (codebook) and the shared analysis settings.

Every stage takes a :class:`Settings`; nothing else reads YAML or decides paths. The wave file
is typed and checked when it is first used (:class:`WaveConfig`): a mistake raises
:class:`ConfigError` with one line naming the file and the key, which the command line prints
instead of a traceback. Every wave-specific word of the outputs comes from the wave file through
:meth:`Settings.fill` (placeholders such as ``{finance_year}``).
"""

from __future__ import annotations

import csv
import multiprocessing
import re
import types
import typing
from dataclasses import MISSING, dataclass, field, fields
from functools import cached_property
from pathlib import Path

import yaml

from .codebook import Codebook, CodebookError

ROOT = Path(__file__).resolve().parents[1]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigError(Exception):
    """A user mistake in a configuration file; ``str()`` is one line naming the file and key."""


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
            raise ConfigError(f"{path}: keys already defined in another file: {sorted(clash)}")
        merged.update(part)
    return merged


# ---- the typed wave file ----------------------------------------------------------------------
# A field whose type is ``PublicFile`` must name an existing file (relative to the project root).


class PublicFile(str):
    """A path in a wave file (from the project root) that must exist when the wave is loaded."""


class ConfigFile(str):
    """A file name in the config folder that must exist when the wave is loaded."""


@dataclass(frozen=True)
class Denominators:
    file: PublicFile
    census: str
    primary: str
    secondary: str


@dataclass(frozen=True)
class Exclusions:
    file: PublicFile
    year: str
    national_file: PublicFile | None = None


@dataclass(frozen=True)
class Deprivation:
    file: PublicFile
    measure: str


@dataclass(frozen=True)
class Rurality:
    file: PublicFile


@dataclass(frozen=True)
class RegressionSource:
    file: PublicFile
    join: dict[str, str]
    columns: dict[str, str]
    note: str = ""


@dataclass(frozen=True)
class WaveConfig:
    """The keys of ``config/waves/<wave>.yaml`` (each is explained in the default wave's file).

    Only what a template needs is required; the data keys (returns, denominators, ...) are
    checked when a stage needs them (:meth:`Settings.require`).
    """

    wave: str
    instrument: str
    title: str
    survey_date: str
    survey_year: int
    time_period: int
    time_identifier: str
    academic_year: str
    finance_year: str
    frame: PublicFile
    census_date: str
    data_note: str
    default: bool = False
    data_note_short: str | None = None
    returns_dir: str | None = None
    export_file: str | None = None
    denominators: Denominators | None = None
    exclusions: Exclusions | None = None
    deprivation: Deprivation | None = None
    rurality: Rurality | None = None
    context_measures: ConfigFile | None = None
    context_inputs: dict[str, PublicFile] = field(default_factory=dict)
    regression_sources: dict[str, RegressionSource] = field(default_factory=dict)
    published_values: PublicFile | None = None
    reproduction_manifest: str | None = None


def _type_name(tp) -> str:
    return getattr(tp, "__name__", str(tp)).replace("PublicFile", "file path").replace("str", "text")


def _convert(value, tp, where: str, check_file):
    """``value`` as type ``tp`` or a ConfigError naming ``where`` (file: key)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(value, args[0], where, check_file)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        _, vt = typing.get_args(tp)
        return {str(k): _convert(v, vt, f"{where}.{k}", check_file) for k, v in value.items()}
    if isinstance(tp, type) and hasattr(tp, "__dataclass_fields__"):
        return _build(tp, value, where, check_file)
    if value is None:
        raise ConfigError(f"{where}: a value is required")
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not re.fullmatch(r"\d+", str(value)):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return int(value)
    if isinstance(value, (dict, list)):
        raise ConfigError(f"{where}: expected {_type_name(tp)}, got a {type(value).__name__}")
    if tp in (PublicFile, ConfigFile):
        check_file(str(value), where, tp)
        return tp(value)
    return str(value)


def _build(cls, raw, where: str, check_file):
    at = where if where.endswith(":") else f"{where}:"  # the file itself is "<file>:", a key "<file>: key"
    if not isinstance(raw, dict):
        raise ConfigError(f"{at} expected a mapping of keys, got {raw!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ConfigError(f"{at} unknown key {unknown[0]!r} (allowed: {', '.join(sorted(names))})")
    values = {}
    for f in fields(cls):
        key = f"{where}.{f.name}" if not where.endswith(":") else f"{where} {f.name}"
        if f.name not in raw:
            if f.default is MISSING and f.default_factory is MISSING:
                raise ConfigError(f"{key}: required key missing")
            continue
        values[f.name] = _convert(raw[f.name], hints[f.name], key, check_file)
    return cls(**values)


def load_wave_config(path: Path, root: Path, config_dir: Path | None = None) -> WaveConfig:
    """Read and check a wave file; every problem is one ConfigError line naming file and key."""
    rel = _relative(path, root)
    if not path.exists():
        raise ConfigError(f"{rel}: no such wave configuration (add config/waves/<wave>.yaml)")
    try:
        raw = read_yaml(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{rel}:{line} not valid YAML ({getattr(exc, 'problem', exc)})") from None

    def check_file(value: str, where: str, kind=PublicFile) -> None:
        base = (config_dir or root / "config") if kind is ConfigFile else root
        p = Path(value)
        p = p if p.is_absolute() else base / p
        if not p.is_file():
            where_to = " in the config folder" if kind is ConfigFile else ""
            raise ConfigError(f"{where}: file {value} does not exist{where_to}")

    cfg = _build(WaveConfig, raw or {}, f"{rel}:", check_file)
    if not re.fullmatch(r"\d{4}-\d{2}", cfg.finance_year):
        raise ConfigError(
            f"{rel}: finance_year: expected a financial year like 2022-23, got {cfg.finance_year!r}"
        )
    academic = cfg.academic_year if isinstance((raw or {}).get("academic_year"), str) else None
    year = re.fullmatch(r"(\d{4})/(\d{2})", academic) if academic is not None else None
    if year is None or int(year[2]) != (int(year[1]) + 1) % 100:
        raise ConfigError(
            f'{rel}: academic_year: expected an academic year in quotes like "2022/23", '
            f"got {(raw or {}).get('academic_year')!r}"
        )
    if str(cfg.time_period) != year[1] + year[2]:  # EES: 2022/23 -> 202223
        raise ConfigError(
            f"{rel}: time_period: {cfg.time_period} does not match academic_year {academic!r} "
            f"(expected {year[1]}{year[2]})"
        )
    if cfg.wave != path.stem:
        raise ConfigError(f"{rel}: wave: {cfg.wave!r} differs from the file name {path.stem!r}")
    return cfg


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def configured_waves(config_dir: Path) -> list[str]:
    return sorted(p.stem for p in (config_dir / "waves").glob("*.yaml"))


def default_wave(config_dir: Path | None = None) -> str:
    """The wave marked ``default: true`` in config/waves/ (the one `make all` runs by default)."""
    folder = (config_dir or ROOT / "config") / "waves"
    marked = [p.stem for p in sorted(folder.glob("*.yaml")) if (read_yaml(p) or {}).get("default") is True]
    if len(marked) != 1:
        raise ConfigError(f"{folder}: exactly one wave file must say `default: true` (found {len(marked)})")
    return marked[0]


PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill_strings(node, fill):
    """A copy of a YAML tree with ``fill`` applied to every string holding a ``{placeholder}``."""
    if isinstance(node, dict):
        return {k: fill_strings(v, fill) for k, v in node.items()}
    if isinstance(node, list):
        return [fill_strings(x, fill) for x in node]
    return fill(node) if isinstance(node, str) and "{" in node else node


def _count_rows(path: Path) -> int:
    """Data rows of a CSV file (the LA frame), without reading it into pandas."""
    with open(path, encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


# Settings by (wave, root, config_dir), as this process knows them: a Settings sent to another
# process travels as its three fields only, and a process forked after ``share`` finds it here
# with every config file it has read so far (see ``Settings.__reduce__``)
_SHARED: dict[tuple, Settings] = {}


def share(settings: Settings) -> None:
    """Make ``settings`` the one that copies sent to processes forked from now on stand for
    (a run shares its settings before it forks its helpers and workers, and ``unshare``s them at
    its end, so that a later run in the same process reads the config files again)."""
    _SHARED[settings.key] = settings


def unshare(settings: Settings) -> None:
    _SHARED.pop(settings.key, None)


def _received(wave: str, root: Path, config_dir: Path | None) -> Settings:
    """A Settings sent by another process: the shared one; else one made here, and kept only in
    a child process (a worker receives the same settings with every job and lives for one run)."""
    key = (wave, root, config_dir)
    found = _SHARED.get(key)
    if found is not None:
        return found
    made = Settings(wave, root, config_dir)
    if multiprocessing.parent_process() is not None:
        _SHARED[key] = made
    return made


@dataclass(frozen=True)
class Settings:
    """Everything a stage needs to know about where things are and how to treat them."""

    wave: str
    root: Path = ROOT
    config_dir: Path | None = None

    @property
    def key(self) -> tuple:
        return self.wave, self.root, self.config_dir

    def __reduce__(self):
        """Pickled as its three fields, not with the config files parsed so far (90 KB, which
        every figure job sent again); see ``share``."""
        return _received, self.key

    def __copy__(self) -> Settings:
        return self  # immutable fields; copies share what the config files said

    def __deepcopy__(self, memo) -> Settings:
        return self

    @property
    def cfg(self) -> Path:
        return self.config_dir or self.root / "config"

    @property
    def wave_file(self) -> Path:
        return self.cfg / "waves" / f"{self.wave}.yaml"

    @cached_property
    def wave_settings(self) -> WaveConfig:
        """The typed, checked wave file."""
        return load_wave_config(self.wave_file, self.root, self.cfg)

    @cached_property
    def wave_config(self) -> dict:
        """The wave file as a plain mapping (checked first: a mistake is a one-line ConfigError)."""
        _ = self.wave_settings
        return read_yaml(self.wave_file)

    def require(self, *keys: str) -> None:
        """Check that the wave declares what a stage needs: a missing key is one ConfigError line."""
        rel = _relative(self.wave_file, self.root)
        w = self.wave_settings
        for key in keys:
            if key == "returns_dir" and w.returns_dir is None and w.export_file is None:
                raise ConfigError(f"{rel}: returns_dir: required to run wave {self.wave} (or export_file)")
            if key == "returns_dir" and w.returns_dir is not None and not self.returns_dir.is_dir():
                raise ConfigError(
                    f"{rel}: returns_dir: folder {w.returns_dir} does not exist (no returns yet)"
                )
            if key == "returns_dir" and w.export_file is not None and not self.export_file.is_file():
                raise ConfigError(f"{rel}: export_file: file {w.export_file} does not exist")
            if key != "returns_dir" and getattr(w, key) is None:
                raise ConfigError(f"{rel}: {key}: required to run wave {self.wave} but not set")

    @cached_property
    def placeholders(self) -> dict[str, str]:
        """The words a text may take from the wave file, e.g. ``{finance_year}``."""
        w = self.wave_settings
        return {
            "wave": w.wave,
            "title": w.title,
            "survey_date": w.survey_date,
            "survey_year": str(w.survey_year),
            "academic_year": w.academic_year,
            "finance_year": w.finance_year,
            "time_period": str(w.time_period),
            "census_date": w.census_date,
            "census": w.denominators.census if w.denominators else f"{w.census_date} school census",
            "exclusions_year": w.exclusions.year if w.exclusions else "",
            "frame_size": str(_count_rows(self.path(w.frame))),
        }

    def fill(self, text: str, strict: bool = True) -> str:
        """``text`` with every ``{placeholder}`` replaced from the wave file (unknown ones: ConfigError,
        or left as they are with ``strict=False``, for texts with placeholders of their own)."""

        def one(m: re.Match) -> str:
            name = m.group(1)
            if name not in self.placeholders and not strict:
                return m.group(0)
            if name not in self.placeholders:
                known = ", ".join(sorted(self.placeholders))
                raise ConfigError(f"unknown placeholder {{{name}}} in {text!r} (known: {known})")
            return self.placeholders[name]

        return PLACEHOLDER.sub(one, text) if "{" in text else text

    @cached_property
    def codebook(self) -> Codebook:
        """The wave's own instrument (config/instruments/<version>.yaml), placeholders filled."""
        version = self.wave_settings.instrument
        try:
            return Codebook.for_version(self.cfg / "instruments", version, fill=self.fill)
        except CodebookError as exc:
            raise ConfigError(f"{_relative(self.wave_file, self.root)}: instrument: {exc}") from None

    @cached_property
    def analysis(self) -> dict:
        return read_yaml(self.cfg / "analysis.yaml")

    @cached_property
    def validation(self) -> dict:
        return read_yaml(self.cfg / "validation.yaml")

    @cached_property
    def figures(self) -> dict:
        """Figure specs by key (figNN), merged from every file in config/figures/, texts filled."""
        # figure specs also hold templates filled later from the data ({max_value}, ...)
        return fill_strings(merge_dir(self.cfg / "figures"), lambda s: self.fill(s, strict=False))

    def path(self, relative: str | None) -> Path | None:
        """Resolve a path from the wave file against the project root."""
        if not relative:
            return None
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    @property
    def returns_dir(self) -> Path | None:
        return self.path(self.wave_settings.returns_dir)

    @property
    def export_file(self) -> Path | None:
        return self.path(self.wave_settings.export_file)

    @property
    def processed_dir(self) -> Path:
        return self.root / "data" / "processed" / self.wave

    @property
    def figures_dir(self) -> Path:
        return self.root / "figures" / self.wave

    @property
    def time_period(self) -> int:
        return self.wave_settings.time_period

    @property
    def time_identifier(self) -> str:
        return self.wave_settings.time_identifier

    def time_period_for(self, identifier: str | None) -> int:
        """EES time_period of a table: the finance year (e.g. 2022-23 -> 202223) for financial-year
        tables, else the wave's ``time_period``."""
        if identifier == "Financial year":
            start, end = re.fullmatch(r"(\d{4})-(\d{2})", self.wave_settings.finance_year).groups()
            return int(start + end)
        return self.time_period

    @property
    def has_published_values(self) -> bool:
        return self.wave_settings.published_values is not None

    @property
    def data_note_short(self) -> str:
        """The data note in a few words, for figure footers (the full note is in the alt text)."""
        return " ".join(str(self.wave_settings.data_note_short or self.data_note).split())

    @property
    def data_note(self) -> str:
        return " ".join(str(self.wave_settings.data_note or "").split())
