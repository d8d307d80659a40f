"""Reading the returns through a process pool's map gives exactly the serial result."""

from __future__ import annotations

import multiprocessing as mp

from pipeline.ingest import read_wave


def test_pool_map_reads_the_same_rows_and_problems(fixture_settings):
    serial, serial_problems = read_wave(fixture_settings)
    with mp.get_context("fork").Pool(2) as pool:
        parallel, parallel_problems = read_wave(fixture_settings, map_=pool.map)
    assert len(serial) > 0
    assert serial.equals(parallel)
    assert serial_problems == parallel_problems
