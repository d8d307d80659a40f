"""The figure pool: results in submission order; queued jobs drawn here while waiting; errors raised."""

from __future__ import annotations

import os
import time

import pytest

from pipeline.present import FigurePool


def _named(i: int) -> list[str]:
    time.sleep(0.05)
    return [f"{i}:{os.getpid()}"]


def _fails() -> list[str]:
    raise RuntimeError("a figure could not be drawn")


def test_results_keep_submission_order_and_this_process_takes_queued_jobs():
    pool = FigurePool(2)
    try:
        for i in range(10):
            pool.call(_named, i)
        names = pool.results()
    finally:
        pool.close()
    assert [n.split(":")[0] for n in names] == [str(i) for i in range(10)]
    pids = {n.split(":")[1] for n in names}
    assert str(os.getpid()) in pids  # more jobs than workers + AHEAD: this process drew some
    assert len(pids) >= 2


def test_a_failed_job_is_raised_by_results():
    pool = FigurePool(2)
    try:
        pool.call(_named, 1)
        pool.call(_fails)
        with pytest.raises(RuntimeError, match="could not be drawn"):
            for _ in range(3):  # the failure is raised whether it was drawn here or in a worker
                pool.results()
    finally:
        pool.close()


def test_one_worker_draws_everything_here_in_order():
    pool = FigurePool(1)
    pool.call(_named, 1).call(_named, 2)
    assert [n.split(":")[1] for n in pool.results()] == [str(os.getpid())] * 2


def test_a_job_called_first_goes_before_the_queued_ones_and_results_keep_call_order(monkeypatch):
    pool = FigurePool(2)
    try:
        monkeypatch.setattr(pool, "_hand_out", lambda: None)  # nothing to the workers: all queued
        pool.call(_named, 1).call(_named, 2).call(_named, 3, first=True)
        assert [args[0] for _, _, args in pool._queue] == [3, 1, 2]
        names = pool.results()  # drawn here, in queue order, returned in call order
    finally:
        pool.close()
    assert [n.split(":")[0] for n in names] == ["1", "2", "3"]


def test_closing_with_jobs_still_out_returns_promptly():
    """A stage fails while figures are still being drawn: closing must neither hand a returning
    job's successor to the closed pool (that killed the pool's result thread, and join() waited for
    ever) nor wait for the queue to be drawn."""
    import threading

    pool = FigurePool(2)
    for i in range(12):
        pool.call(_named, i)  # 3 handed out (workers + AHEAD), 9 queued
    closer = threading.Thread(target=pool.close, daemon=True)
    started = time.monotonic()
    closer.start()
    closer.join(timeout=20)
    assert not closer.is_alive(), "close() hung"
    assert time.monotonic() - started < 5
