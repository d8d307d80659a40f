"""The helper process: jobs in order, results by job, errors raised in the parent, named jobs."""

from __future__ import annotations

import os

import pytest

from pipeline.background import Helper, Inline, helper


def _square(x: int) -> int:
    return x * x


def _pid() -> int:
    return os.getpid()


def _fail(message: str) -> None:
    raise ValueError(message)


def _big(n: int) -> bytes:
    return b"x" * n


def test_jobs_run_in_another_process_and_results_come_back_by_job():
    aid = Helper()
    try:
        big = aid.submit(_big, 5_000_000)  # larger than a pipe's buffer: must not block the next job
        square = aid.submit(_square, 7)
        named = aid.submit("math:sqrt", 16.0)  # by name: the parent need not import it
        pid = aid.submit(_pid)
        assert square.get() == 49  # asked for before the big result: it waits for its own
        assert named.get() == 4.0
        assert pid.get() != os.getpid()
        assert len(big.get()) == 5_000_000
    finally:
        aid.stop()


def test_an_error_in_a_job_is_raised_by_get_and_later_jobs_still_run():
    aid = Helper()
    try:
        bad = aid.submit(_fail, "no such LA")
        good = aid.submit(_square, 3)
        with pytest.raises(ValueError, match="no such LA"):
            bad.get()
        assert good.get() == 9
    finally:
        aid.stop()


def test_ready_turns_true_when_the_result_has_arrived():
    aid = Helper()
    try:
        job = aid.submit(_square, 4)
        job.get()
        assert job.ready()
    finally:
        aid.stop()


def test_one_worker_runs_every_job_here_when_asked():
    aid = helper(1, settings=None)
    assert isinstance(aid, Inline) and aid.reading is None
    job = aid.submit(_pid)
    assert job.ready() and job.get() == os.getpid()
    assert aid.submit("math:sqrt", 9.0).get() == 3.0


def test_the_prestarted_reader_reads_and_stops_with_the_run_helper(fixture_settings, monkeypatch):
    """The returns are read by the reader forked first; the helper handed out later owns it."""
    from pipeline import background
    from pipeline.ingest import read_rows

    monkeypatch.setattr(background, "_PRESTARTED", {})
    background.prestart_reader(fixture_settings)
    reader = background._PRESTARTED["reader"]
    aid = background.helper(2, fixture_settings)
    try:
        assert aid.owned == [reader] and "reader" not in background._PRESTARTED
        assert aid.reading.get() == read_rows(fixture_settings)
    finally:
        aid.stop()
    assert not reader._proc.is_alive() and not aid._proc.is_alive()


def test_reading_the_returns_needs_no_pandas():
    """The reader is forked before pandas is imported: the reading code must not import it."""
    import subprocess
    import sys

    code = "import sys, pipeline.ingest; sys.exit('pandas' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_objects_are_frozen_out_of_the_collector_before_each_fork(monkeypatch):
    """A collection in a forked child writes to every inherited object it visits, and the kernel
    copies each page written to: everything before a fork is frozen first (gc docs' advice)."""
    import gc

    from pipeline import background, present

    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    aid = background.Helper()
    aid.stop()
    assert frozen == [True]
    pool = present.FigurePool(2)
    pool.close()
    assert frozen == [True, True]


def test_the_collector_thresholds_are_raised_once_for_the_process_and_its_children(monkeypatch):
    import gc

    from pipeline import background

    monkeypatch.setattr(gc, "get_threshold", lambda: (700, 10, 10))
    set_to = []
    monkeypatch.setattr(gc, "set_threshold", lambda *t: set_to.append(t))
    background.fewer_collections()
    assert set_to == [(50_000, 50, 100)]


def test_a_reader_started_early_for_other_settings_is_replaced(fixture_settings, monkeypatch):
    """The head start (before the command line is parsed) must never read the wrong wave."""
    from dataclasses import replace

    from pipeline import background

    monkeypatch.setattr(background, "_PRESTARTED", {})
    other = replace(fixture_settings, wave="another")
    background.prestart_reader(other)
    early = background._PRESTARTED["reader"]
    background.prestart_reader(fixture_settings)
    reader = background._PRESTARTED["reader"]
    try:
        assert reader is not early and not early._proc.is_alive()
        assert reader.settings_key == fixture_settings.key
    finally:
        reader.stop()


def _codebook_was_read(settings) -> bool:
    return "codebook" in vars(settings)


def test_settings_travel_as_their_fields_and_a_forked_process_finds_the_shared_ones(fixture_settings):
    """A figure job carries its settings: 90 KB of parsed config each time before; now three
    fields, and the worker (forked after ``share``) uses the run's settings, config already read."""
    import pickle
    from dataclasses import replace

    from pipeline.config import _SHARED, share

    _ = fixture_settings.codebook  # read once here
    assert len(pickle.dumps(fixture_settings)) < 1_000
    share(fixture_settings)
    aid = Helper()  # forked after share
    try:
        assert aid.submit(_codebook_was_read, fixture_settings).get() is True
    finally:
        aid.stop()
    other = replace(fixture_settings, wave="elsewhere")  # not shared: made anew where it arrives
    arrived = pickle.loads(pickle.dumps(other))
    assert arrived == other and arrived is not other and not _codebook_was_read(arrived)
    _SHARED.pop(other.key, None)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_a_helper_ends_when_its_parent_dies_without_stopping_it(tmp_path):
    """A command line that fails before the run starts leaves no process behind: the child sees
    the end of its pipe once the parent is gone (it closed its inherited copy of the parent's end)."""
    import signal
    import subprocess
    import sys
    import time

    pid_file = tmp_path / "pids"
    code = (  # two helpers: the second (forked later) must not keep the first's pipe open
        "import os, pathlib; from pipeline.background import Helper; a, b = Helper(), Helper();"
        f"pathlib.Path({str(pid_file)!r}).write_text(f'{{a._proc.pid}} {{b._proc.pid}}'); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, stdout=subprocess.DEVNULL)
    pids = [int(p) for p in pid_file.read_text().split()]
    try:
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(p) for p in pids)
    finally:
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_helpers_started_ahead_of_a_run_that_never_began_are_stopped(fixture_settings, monkeypatch):
    from pipeline import background

    monkeypatch.setattr(background, "_PRESTARTED", {})
    background.prestart_reader(fixture_settings)
    reader = background._PRESTARTED["reader"]
    background.stop_prestarted()
    assert background._PRESTARTED == {} and not reader._proc.is_alive()


def _sleep_then(x: int) -> int:
    import time

    time.sleep(30)
    return x


@pytest.mark.parametrize("how", ["killed", "cut mid-message"])
def test_a_helper_that_dies_is_process_died_not_a_raw_error(how, monkeypatch):
    import signal

    from pipeline.background import ProcessDied

    aid = Helper()
    try:
        job = aid.submit(_sleep_then, 1)
        if how == "killed":
            os.kill(aid._proc.pid, signal.SIGKILL)
        else:  # the connection breaks while a result is half sent

            def cut():
                raise OSError("got end of file during message")

            monkeypatch.setattr(aid._conn, "recv", cut)
        with pytest.raises(ProcessDied, match="ended without a result"):
            job.get()
    finally:
        aid.stop()
