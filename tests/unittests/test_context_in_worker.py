"""The context figure is drawn in a figure worker: it must leave the worker's chart style alone."""

import matplotlib

from pipeline import census_context, present


def _restyle(settings):
    census_context._style()
    matplotlib.rcParams["font.size"] = 3.0  # a change the chart layer would notice
    return ["a", "b"]


def test_context_figure_in_a_worker_keeps_the_chart_layer_style(monkeypatch):
    present._style()
    before = dict(matplotlib.rcParams)
    monkeypatch.setattr(census_context, "build", _restyle)
    assert census_context.build_in_worker(None) == 2
    assert dict(matplotlib.rcParams) == before
