"""Every figure of every wave, drawn: no two text labels overlap and every label is on the canvas.

Text extents are measured by matplotlib after a real draw (Agg), so the test sees what a reader
sees. The waves are the two configured waves with returns (2018, 2023) and the hand-made fixture wave.
"""

from __future__ import annotations

import itertools

import pytest

from pipeline import analyse, derive, present, public
from pipeline.config import Settings
from pipeline.ingest import read_wave
from pipeline.validate import validate

from ..fixtures import fixture_wave


def _tables(settings: Settings):
    raw, problems = read_wave(settings, "calamine")
    frame = public.la_frame(settings)
    clean, _, respondents = validate(raw, problems, frame, settings.codebook, settings.validation["severity"])
    derived = derive.run(settings, clean, respondents, public.context(settings))
    return [t for t in analyse.run(settings, derived) if t.is_figure]


@pytest.fixture(scope="module")
def figure_tables(tmp_path_factory):
    from ..fixtures.project import build_project

    fixture = build_project(tmp_path_factory.mktemp("fixture") / "project")
    fixture_wave.write_workbooks(fixture.codebook, fixture.returns_dir)
    waves = {w: (Settings(w), _tables(Settings(w))) for w in ("2018", "2023")}
    return {**waves, "fixture": (fixture, _tables(fixture))}


def drawn_texts(fig):
    """(text, bbox) of every visible, non-empty text a draw puts on the canvas."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts: list[Text] = list(fig.texts)
    for legend in fig.legends:
        texts += legend.get_texts()
    for ax in fig.axes:
        texts += [ax.title, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis):
            texts += [t.label1 for t in axis._update_ticks() if t.label1.get_visible()]
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in texts
        if t.get_visible() and t.get_text().strip()
    ]


def layout_problems(fig) -> list[str]:
    width, height = fig.canvas.get_width_height()
    found = drawn_texts(fig)
    problems = [
        f"{text!r} outside the canvas"
        for text, box in found
        if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > width + 0.5 or box.y1 > height + 0.5
    ]
    for (t1, b1), (t2, b2) in itertools.combinations(found, 2):
        if b1.x0 < b2.x1 - 0.5 and b2.x0 < b1.x1 - 0.5 and b1.y0 < b2.y1 - 0.5 and b2.y0 < b1.y1 - 0.5:
            problems.append(f"{t1!r} overlaps {t2!r}")
    return problems


@pytest.mark.parametrize("wave", ["2018", "2023", "fixture"])
def test_no_label_overlaps_and_all_inside_canvas(figure_tables, wave):
    settings, tables = figure_tables[wave]
    assert tables, "no figure tables"
    failures = {}
    for ft in tables:
        spec = settings.figures[ft.key]
        data = present.plotted(ft, spec, settings)
        problems = layout_problems(present.compose(ft, spec, data, settings))
        if problems:
            failures[ft.key] = problems[:5]
    assert not failures, failures


def test_overlap_check_can_fail():
    """The check itself: two labels drawn on top of each other, and one off the canvas."""
    plt = present._style()
    fig = plt.figure(figsize=(4, 3))
    fig.text(0.5, 0.5, "first label")
    fig.text(0.52, 0.5, "second label")
    fig.text(0.95, 0.1, "runs off the edge")
    problems = layout_problems(fig)
    assert any("overlaps" in p for p in problems)
    assert any("outside the canvas" in p for p in problems)
    plt.close(fig)


def test_stack_labels_add_to_100():
    from pipeline.charts import stack_labels

    # half-up rounding would show 34 + 34 + 34 = 102; largest remainder shows 33 + 33 + 34
    assert sum(stack_labels([33.5, 33.4, 33.1])) == 100
    assert stack_labels([33.5, 33.4, 33.1]) == [34, 33, 33]
    # 15.3 + 34.45 + 50.25 = 100: half up gives 15 + 34 + 50 = 99
    assert stack_labels([15.3, 34.45, 50.25]) == [15, 35, 50]
    assert stack_labels([20.0, 30.0]) is None  # not a full stack: labels left as they are


def test_alt_text_starts_with_short_key_message(figure_tables):
    settings, tables = figure_tables["2018"]
    for ft in tables:
        spec = settings.figures[ft.key]
        data = present.plotted(ft, spec, settings)
        lines = present.alt_text(ft, spec, data, settings).splitlines()
        assert lines[0].startswith(f"Figure {spec['number']}: ")
        assert lines[2].startswith("Key message: ") and len(lines[2]) - len("Key message: ") <= 250
        assert any(line.startswith("- ") for line in lines), "the long description lists the values"
