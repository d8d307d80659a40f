"""One job in a forked process that starts preparing (importing) before its input exists.

The main process of a run is busy on one core while it reads and validates the returns; the
other core is idle until the first tables reach the figure workers. The regressions need only the
LA frame, and most of their cost is importing statsmodels: a process forked at the start imports
it on the idle core, then fits as soon as the LA frame is sent.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import traceback


def _serve(conn, modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)
    fn, args = conn.recv()
    try:
        conn.send((True, fn(*args)))
    except BaseException as exc:  # handed to the parent, which raises it there (SystemExit too)
        try:
            conn.send((False, exc))
        except Exception:  # an exception that cannot be pickled: its text
            conn.send((False, RuntimeError(traceback.format_exc())))
    conn.close()


def early(workers: int, fn, *args):
    """``fn(*args)`` started now in a forked process (``.get()`` for its result), or run here
    when the run has a single worker."""
    return (Background([]) if workers > 1 else Inline()).start(fn, *args)


class Background:
    """``Background(["statsmodels.api"])``, later ``.start(fn, *args)`` and ``.get()``.

    ``fn`` must be a module-level function (it is pickled to the child); its exceptions are
    raised again by ``get`` in the parent."""

    def __init__(self, modules: list[str]):
        ctx = mp.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, tuple(modules)), daemon=True)
        self._proc.start()
        child.close()

    def start(self, fn, *args) -> Background:
        self._conn.send((fn, args))
        return self

    def get(self):
        try:
            ok, result = self._conn.recv()
        except EOFError:
            raise RuntimeError("the background process ended without a result") from None
        finally:
            self._proc.join()
        if not ok:
            raise result
        return result

    def stop(self) -> None:
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()


class Inline:
    """The same interface, run in this process (one worker, tests)."""

    def __init__(self, modules: list[str] | None = None):
        self._call = None

    def start(self, fn, *args) -> Inline:
        self._call = (fn, args)
        return self

    def get(self):
        fn, args = self._call
        return fn(*args)

    def stop(self) -> None:
        pass
