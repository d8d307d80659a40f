"""Jobs run in order in one helper process, forked early in a run.

The main process of a run starts on one core, importing pandas and matplotlib; the other core
is idle. Two helpers use it. The reader, forked before pandas is imported (``prestart_reader``;
reading needs no pandas), reads the returns while the main process imports, so validation starts
as soon as matplotlib is in. The run's helper, forked once pandas is imported (``prestart``),
imports statsmodels and parses the published values, and fits the regressions as soon as the
LA frame is sent.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing as mp
import traceback

# what a run's helper imports (after reading the returns, where no reader process reads them):
# the published values' parser and the regressions' statsmodels
RUN_IMPORTS = ("pipeline.reproduce", "statsmodels.regression.linear_model")
# what a run's helpers read: the returns, as rows (``ingest.read_rows``)
READ_RETURNS = "pipeline.ingest:read_rows"
_PRESTARTED: dict = {}
_PARENT_ENDS: list = []  # this process's ends of its helpers' pipes (see close_inherited_ends)


class ProcessDied(RuntimeError):
    """A background process of the run ended without its result (killed, or out of memory)."""


def close_inherited_ends() -> None:
    """In a forked child: close the copies of the parent's ends of its helpers' pipes, so that
    each helper sees the end of its pipe (and ends) once the parent is gone, whatever else the
    parent forked."""
    for end in _PARENT_ENDS:
        end.close()
    _PARENT_ENDS.clear()


def _serve(conn) -> None:
    """Run the jobs in order. Results go out through a sender thread: a large result fills the
    pipe until the parent reads it, and the next job must not wait. The parent's pipe ends
    inherited by the fork are closed first: when the parent is gone, the next wait for a job ends
    (end of file) and so does this process."""
    import queue
    import threading

    close_inherited_ends()

    outbox: queue.Queue = queue.Queue()
    sender = threading.Thread(target=_send_all, args=(conn, outbox))
    sender.start()
    while True:
        try:
            job = conn.recv()
        except EOFError:
            break
        if job is None:
            break
        seq, fn, args = job
        try:
            outbox.put((seq, True, _resolve(fn)(*args)))
        except BaseException as exc:  # handed to the parent, which raises it there (SystemExit too)
            outbox.put((seq, False, exc))
    outbox.put(None)
    sender.join()
    conn.close()


def _send_all(conn, outbox) -> None:
    while (message := outbox.get()) is not None:
        try:
            conn.send(message)
        except Exception:  # a result or exception that cannot be pickled: its text
            conn.send((message[0], False, RuntimeError(traceback.format_exc())))


def _resolve(fn):
    """A job's function, or its name "module:function" (the parent need not have imported it)."""
    if isinstance(fn, str):
        module, name = fn.split(":")
        return getattr(importlib.import_module(module), name)
    return fn


def fewer_collections() -> None:
    """Collect cyclic garbage 70 times less often: with the default threshold (700 allocations) the
    collector ran about 950 times in a run and took 8% of its CPU; memory is not the constraint.
    Set once per process, before its first fork (the children inherit it)."""
    if gc.get_threshold()[0] < 50_000:
        gc.set_threshold(50_000, 50, 100)


def freeze_before_fork() -> None:
    """Move every object so far out of the collector's reach, as the ``gc`` docs advise before a
    fork: a collection in the child would otherwise write to every inherited object's header,
    and the kernel copies each page it writes to (copy on write). Objects still die when their
    last reference goes; only cycles among them wait for ``gc.unfreeze``. The child inherits the
    collector's thresholds, raised here if they are not yet."""
    fewer_collections()
    gc.freeze()


def import_modules(*names: str) -> None:
    """A job that only imports, so that later jobs find the modules loaded."""
    for name in names:
        importlib.import_module(name)


def _reader(settings) -> Helper:
    reader = Helper()
    reader.reading = reader.submit(READ_RETURNS, settings)
    reader.settings_key = settings.key
    return reader


def _prestarted(kind: str, settings) -> Helper | None:
    """The helper of that kind started ahead for these settings; one started for other settings
    (a command line called in-process with another wave before) is stopped, not handed out."""
    started = _PRESTARTED.pop(kind, None)
    if started is not None and started.settings_key != settings.key:
        started.stop()
        started = None
    return started


def _run_helper(settings) -> Helper:
    """A run's helper with its first jobs queued: the returns (``.reading``; by the prestarted
    reader if there is one, which the helper then stops with itself), then the imports."""
    aid = Helper()
    aid.settings_key = settings.key
    reader = _prestarted("reader", settings)
    if reader is None:
        aid.reading = aid.submit(READ_RETURNS, settings)
    else:
        aid.reading = reader.reading
        aid.owned.append(reader)
    aid.submit(import_modules, *RUN_IMPORTS)
    return aid


def prestart_reader(settings) -> None:
    """Fork the process reading the returns now, before the caller imports pandas (a reader
    started earlier for other settings is stopped and replaced)."""
    early = _prestarted("reader", settings)
    if early is not None:
        _PRESTARTED["reader"] = early
    elif "helper" not in _PRESTARTED:
        _PRESTARTED["reader"] = _reader(settings)


def prestart(settings) -> None:
    """Fork the run's helper now, before the caller imports the rest (``helper`` hands it out)."""
    if "helper" not in _PRESTARTED:
        _PRESTARTED["helper"] = _run_helper(settings)


def stop_prestarted() -> None:
    """Stop the helpers started ahead of a run that did not take them (the command line failed
    before the run started)."""
    while _PRESTARTED:
        _PRESTARTED.popitem()[1].stop()


def helper(workers: int, settings):
    """The run's prestarted helper, a newly forked one, or (one worker) an in-process stand-in;
    each has ``.reading``, the job reading the wave's returns (None: the caller reads them)."""
    if workers <= 1:
        return Inline()
    return _prestarted("helper", settings) or _run_helper(settings)


class Job:
    def __init__(self, owner, seq: int):
        self._owner, self._seq = owner, seq

    def get(self):
        return self._owner._result(self._seq)

    def ready(self) -> bool:
        """Whether ``get`` would return at once."""
        return self._owner._arrived(self._seq)


class Helper:
    """``h = Helper()``; ``job = h.submit(fn, *args)``; later ``job.get()``; ``h.stop()``.

    Jobs run one after another in submission order. ``fn`` is a module-level function (pickled
    to the child) or its name "module:function"; its exceptions are raised again by ``get`` in
    the parent."""

    reading = None  # a run's helper: the job reading the wave's returns (see ``_run_helper``)
    settings_key = None  # a run's helper or reader: the settings it was started for

    def __init__(self):
        self.owned: list[Helper] = []  # helpers stopped with this one
        freeze_before_fork()
        ctx = mp.get_context("fork")
        self._conn, child = ctx.Pipe()
        _PARENT_ENDS.append(self._conn)
        self._proc = ctx.Process(target=_serve, args=(child,), daemon=True)
        self._proc.start()
        child.close()
        self._next, self._done = 0, {}

    def submit(self, fn, *args) -> Job:
        seq, self._next = self._next, self._next + 1
        self._conn.send((seq, fn, args))
        return Job(self, seq)

    def _receive(self) -> None:
        """One result from the helper, kept by job (results may arrive before they are asked for)."""
        try:
            got, ok, result = self._conn.recv()
        except (EOFError, OSError):  # OSError: it died in the middle of sending a result
            raise ProcessDied("the helper process ended without a result") from None
        self._done[got] = (ok, result)

    def _arrived(self, seq: int) -> bool:
        while seq not in self._done and self._conn.poll():
            self._receive()
        return seq in self._done

    def _result(self, seq: int):
        while seq not in self._done:
            self._receive()
        ok, result = self._done[seq]  # kept: get() again, ready() stay true
        if not ok:
            raise result
        return result

    def stop(self) -> None:
        for other in self.owned:
            other.stop()
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        if self._conn in _PARENT_ENDS:
            _PARENT_ENDS.remove(self._conn)
            self._conn.close()


class Inline:
    """The same interface, each job run here when its result is asked for (one worker, tests)."""

    reading = None  # the caller reads the returns itself

    def submit(self, fn, *args) -> Job:
        return _Deferred(fn, args)

    def stop(self) -> None:
        pass


class _Deferred:
    """A job run here the first time its result is asked for."""

    def __init__(self, fn, args):
        self._fn, self._args, self._done = fn, args, None

    def ready(self) -> bool:
        return True

    def get(self):
        if self._done is None:
            self._done = (_resolve(self._fn)(*self._args),)
        return self._done[0]
