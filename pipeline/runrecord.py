"""The run record: which code, config, inputs and packages made an output folder, and stage times.

Every run writes ``data/processed/<wave>/run.json``: wave, command, git commit (and whether the
work tree had uncommitted changes), one sha256 over the config files, the sha256 of every input
file, package versions, start and end (UTC), and per stage its wall time and counts. Progress is
printed per stage with ``rich`` on stderr, so stdout carries only the summary line.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from rich.console import Console

from .config import Settings
from .present import write_text

PROJECT = "apmarket"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_tree(paths: list[Path], root: Path, digests: dict[Path, str] | None = None) -> str:
    """One digest over many files: their relative paths and contents, in sorted order
    (``digests``: the files' sha256 where already known)."""
    digests = digests or {}
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(_relative(path, root).encode())
        digest.update((digests.get(path) or sha256_file(path)).encode())
    return digest.hexdigest()


def _relative(path: Path, root: Path) -> str:
    """Path as seen from the project root (symlinks inside the root are not followed)."""
    for p, r in ((path.absolute(), root.absolute()), (path.resolve(), root.resolve())):
        if p.is_relative_to(r):
            return p.relative_to(r).as_posix()
    return path.as_posix()


def _files(folder: Path | None) -> list[Path]:
    if folder is None or not folder.exists():
        return []
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def input_files(settings: Settings) -> list[Path]:
    """The returns (folder or export) and the read-only context inputs the run reads."""
    raw = settings.root / "data" / "raw"
    paths = _files(settings.returns_dir) + _files(settings.export_file)
    for folder in ("public", "external"):
        paths += _files(raw / folder)
    return sorted(set(paths))


def git_state(root: Path) -> tuple[str, bool | None]:
    """(commit, dirty) of the work tree holding the code; ('', None) outside git."""
    code = Path(__file__).resolve().parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(code), *args], capture_output=True, text=True, timeout=20, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no")) if commit else None
    except (OSError, subprocess.SubprocessError):
        return "", None
    return commit, dirty


def package_versions() -> dict[str, str]:
    """Versions of the project and of every dependency it declares (installed versions)."""
    versions = {"python": platform.python_version()}
    try:
        versions[PROJECT] = metadata.version(PROJECT)
        requirements = metadata.requires(PROJECT) or []
    except metadata.PackageNotFoundError:
        return versions
    for requirement in requirements:
        if "extra ==" in requirement:
            continue
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class StageLog:
    """Progress per stage (rich, on stderr) and the stage timings of the run record.

    Called as ``log(message, stage="derive", las=118)``: the stage's time is the wall time since
    the previous stage ended. Called without ``stage`` it only prints.
    """

    quiet: bool = False
    command: str = "run"
    print_summary: bool = True
    started: str = field(default_factory=_now)
    t0: float = field(default_factory=time.perf_counter)
    stages: list[dict] = field(default_factory=list)
    console: Console = field(default_factory=lambda: Console(stderr=True, highlight=False, soft_wrap=True))
    provenance: dict | None = None  # runrecord.provenance, filled at the first write

    def __post_init__(self) -> None:
        self._last = self.t0

    @property
    def validation_failed(self) -> bool:
        return any(s["stage"] == "validate" and s.get("errors") for s in self.stages)

    def __call__(self, message: str, stage: str | None = None, **counts) -> None:
        now = time.perf_counter()
        if stage:
            self.stages.append({"stage": stage, "seconds": round(now - self._last, 3), **counts})
            self._last = now
        if not self.quiet:
            mark = f"[bold green]✓ {stage:<10}[/]" if stage else " " * 12
            self.console.print(f"[dim]{now - self.t0:5.1f}s[/] {mark} {message}", markup=True)


def provenance(settings: Settings) -> dict:
    """What produced the outputs: code commit, config and input hashes, package versions."""
    commit, dirty = git_state(settings.root)
    files = input_files(settings)
    config_files = [p for p in settings.cfg.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml")]
    hashes = {p: sha256_file(p) for p in files}
    inputs = [{"path": _relative(p, settings.root), "sha256": hashes[p]} for p in files]
    return {
        "git_commit": commit,
        "git_dirty": dirty,
        "config_sha256": sha256_tree(config_files, settings.cfg),
        "inputs_sha256": sha256_tree(files, settings.root, hashes),
        "packages": package_versions(),
        "inputs": inputs,
    }


def record(settings: Settings, log: StageLog, exit_code: int | None) -> dict:
    """The run record as a dict (JSON-ready); the provenance is computed once per run."""
    if log.provenance is None:
        log.provenance = provenance(settings)
    p = log.provenance
    return {
        "wave": settings.wave,
        "command": log.command,
        "exit_code": exit_code,
        **{k: p[k] for k in ("git_commit", "git_dirty", "config_sha256", "inputs_sha256")},
        "started": log.started,
        "ended": _now(),
        "seconds": round(time.perf_counter() - log.t0, 3),
        "stages": log.stages,
        "packages": p["packages"],
        "inputs": p["inputs"],
    }


def write(settings: Settings, log: StageLog, exit_code: int | None) -> Path:
    path = settings.processed_dir / "run.json"
    write_text(path, json.dumps(record(settings, log, exit_code), indent=2, ensure_ascii=False) + "\n")
    return path
