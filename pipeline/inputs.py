"""Has any input of a wave changed since its last complete run? (used by ``make all``)

Make's own dependency tracking cannot name files with spaces, quotes or brackets, and misses
files that are removed or links that point nowhere. Instead the inputs are listed here (path,
kind, size, modification time, link target) into a manifest; ``make all`` re-runs the pipeline
when the listing differs from the one recorded after the last successful run.

Standard library only, so that a no-op ``make all`` stays fast (no pandas import)::

    python -m pipeline.inputs unchanged STAMP PATH...   # exit 0 if unchanged, 1 (and STAMP.new) if not
                                                        # (and the package byte-compiled for the run)
    python -m pipeline.inputs record STAMP              # after a successful run: STAMP.new -> STAMP
                                                        # (make all does this with mv: no interpreter)
"""

from __future__ import annotations

import compileall
import os
import sys
from pathlib import Path

SKIPPED_DIRS = {"__pycache__", ".git", ".pytest_cache", ".ruff_cache"}


def _entry(path: str) -> str:
    """One manifest line; the path is written with repr so that any name fits on one line."""
    if os.path.islink(path):
        target = os.readlink(path)
        try:
            st = os.stat(path)  # follows the link: the file it points to
        except OSError:
            return f"{path!r}\tdangling-link\t{target!r}"
        return f"{path!r}\tlink\t{target!r}\t{st.st_size}\t{st.st_mtime_ns}"
    st = os.stat(path)
    return f"{path!r}\tfile\t{st.st_size}\t{st.st_mtime_ns}"


def listing(paths: list[str]) -> list[str]:
    """Sorted manifest lines of every file under ``paths`` (links followed, loops cut)."""
    lines: list[str] = []
    seen_dirs: set[str] = set()
    for top in paths:
        if os.path.isfile(top) or (os.path.islink(top) and not os.path.exists(top)):
            lines.append(_entry(top))
            continue
        if not os.path.isdir(top):
            lines.append(f"{top!r}\tabsent")
            continue
        for here, dirs, files in os.walk(top, followlinks=True):
            real = os.path.realpath(here)
            if real in seen_dirs:
                dirs[:] = []
                continue
            seen_dirs.add(real)
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in files:
                if not name.endswith((".pyc", ".tmp")):
                    lines.append(_entry(os.path.join(here, name)))
            for d in dirs:  # a link to a folder that does not exist is listed too
                full = os.path.join(here, d)
                if os.path.islink(full) and not os.path.exists(full):
                    lines.append(_entry(full))
    return sorted(set(lines))


def unchanged(stamp: Path, paths: list[str]) -> bool:
    """True when the inputs are as recorded; otherwise write the new listing next to the stamp."""
    text = "\n".join(listing(paths)) + "\n"
    try:
        if stamp.read_text(encoding="utf-8") == text:
            return True
    except OSError:
        pass
    stamp.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{stamp}.new").write_text(text, encoding="utf-8")
    return False


def compile_package() -> None:
    """Byte-compile the package for the run about to start: a machine that sets
    PYTHONDONTWRITEBYTECODE would otherwise compile its 16,000 lines again on every run (0.1 s).
    Here rather than in a process of its own, to spare ``make all`` an interpreter start."""
    compileall.compile_dir(Path(__file__).parent, quiet=1)


def record(stamp: Path) -> None:
    """The run succeeded: the listing taken before it becomes the recorded one."""
    new = Path(f"{stamp}.new")
    if new.exists():
        os.replace(new, stamp)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "unchanged":
        if unchanged(Path(argv[1]), argv[2:]):
            return 0
        compile_package()
        return 1
    if len(argv) == 2 and argv[0] == "record":
        record(Path(argv[1]))
        return 0
    print("usage: python -m pipeline.inputs unchanged STAMP PATH... | record STAMP", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
