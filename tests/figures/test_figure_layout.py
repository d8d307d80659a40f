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
    tables = [t for t in analyse.run(settings, derived) if t.is_figure]
    return tables, derived["la_frame"]


@pytest.fixture(scope="module")
def waves(tmp_path_factory):
    from ..fixtures.project import build_project

    fixture = build_project(tmp_path_factory.mktemp("fixture") / "project")
    fixture_wave.write_workbooks(fixture.codebook, fixture.returns_dir)
    out = {w: (Settings(w), *_tables(Settings(w))) for w in ("2018", "2023")}
    return {**out, "fixture": (fixture, *_tables(fixture))}


@pytest.fixture(scope="module")
def figure_tables(waves):
    return {w: (settings, tables) for w, (settings, tables, _) in waves.items()}


def other_figures(settings: Settings, la_frame):
    """The figures drawn outside the report's figure list, by name: the regression figures and
    the census context figure(s), each as a function composing it on the shared canvas."""
    from pipeline import census_context, regress, regress_figures
    from pipeline.config import read_yaml

    results = regress.fit_all(la_frame, settings)
    rows = regress.coefficient_rows(results)
    names = ["regression_coefficients", "regression_residuals", "exclusions_vs_deprivation"]
    found = dict(zip(names, regress_figures.compose_all(results, rows, settings), strict=False))
    path = settings.cfg / census_context.CONFIG_FILE
    for key, spec in ((read_yaml(path) or {}) if path.exists() else {}).items():
        if settings.path(spec["file"]).exists():
            series = census_context.load_series(settings, spec)
            year = census_context.survey_year(settings)
            found[key] = lambda series=series, year=year, spec=spec: census_context.compose(
                series, year, spec
            )
    return found


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
            if axis.get_visible():  # the chart layer hides them and draws its own tick labels
                texts += [t.label1 for t in axis._update_ticks() if t.label1.get_visible()]
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in texts
        if t.get_visible() and t.get_text().strip()
    ]


def whisker_boxes(fig):
    """Display-space boxes of every interval whisker (line collections with gid "interval")."""
    from matplotlib.transforms import Bbox

    boxes = []
    marks = [*fig.artists, *(c for ax in fig.axes for c in ax.collections)]  # a panel's are the figure's
    for coll in marks:
        if coll.get_gid() != "interval":
            continue
        to_display = coll.get_transform()
        for seg in coll.get_segments():
            pts = to_display.transform(seg)
            boxes.append(Bbox([pts.min(axis=0), pts.max(axis=0)]))
    return boxes


def _overlap(b1, b2) -> bool:
    return b1.x0 < b2.x1 - 0.5 and b2.x0 < b1.x1 - 0.5 and b1.y0 < b2.y1 - 0.5 and b2.y0 < b1.y1 - 0.5


def layout_problems(fig) -> list[str]:
    width, height = fig.canvas.get_width_height()
    found = drawn_texts(fig)
    problems = [
        f"{text!r} outside the canvas"
        for text, box in found
        if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > width + 0.5 or box.y1 > height + 0.5
    ]
    for (t1, b1), (t2, b2) in itertools.combinations(found, 2):
        if _overlap(b1, b2):
            problems.append(f"{t1!r} overlaps {t2!r}")
    for box in whisker_boxes(fig):  # a whisker is a line: widen it to be seen as a box
        wide = box.expanded(1, 1).padded(1)
        problems += [f"{t!r} overlaps an interval whisker" for t, b in found if _overlap(b, wide)]
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


@pytest.mark.parametrize("wave", ["2018", "2023", "fixture"])
def test_other_figures_no_label_overlaps(waves, wave):
    """The regression and context figures, drawn by the chart layer, pass the same check."""
    settings, _, la_frame = waves[wave]
    figures = other_figures(settings, la_frame)
    if wave != "fixture":
        assert len(figures) == 4, sorted(figures)
    failures = {}
    for name, compose in figures.items():
        fig = compose()
        if fig is not None:
            problems = layout_problems(fig)
            if problems:
                failures[name] = problems[:5]
    assert not failures, failures


def test_overlap_check_sees_whiskers():
    """A value label drawn across an interval whisker is found."""
    from pipeline.charts import _whiskers

    plt = present._style()
    fig = plt.figure(figsize=(4, 3))
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 3)
    _whiskers(ax, True, [1.5], [2.0], [8.0], 0.3)
    ax.text(4.0, 1.5, "label on the whisker", va="center")
    assert any("whisker" in p for p in layout_problems(fig))
    plt.close(fig)


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


def test_whiskers_only_on_charts_of_means():
    import pandas as pd

    from pipeline.charts import Plan, whiskers

    bars = Plan(["a"], None, True, False, False, None, {}, "", "")
    stack = Plan(["a"], ["s"], True, True, False, None, {}, "", "")
    bounds = pd.DataFrame({"upper": [2.0]})
    assert whiskers({}, "Mean of LA rates: each LA's count ...", bars, bounds)
    assert whiskers({"format": "gbp"}, "Place-weighted average cost: sum over LAs ...", bars, bounds)
    assert not whiskers({}, "Mean of LA proportions: ...", stack, bounds)  # stacked
    assert not whiskers({"format": "percent"}, "Mean of LA rates: ...", bars, bounds)  # share chart
    assert not whiskers({}, "Pooled share: sum over LAs ...", bars, bounds)  # not a mean
    assert not whiskers({}, "Mean of LA rates: ...", bars, pd.DataFrame({"upper": [float("nan")]}))
    assert not whiskers({"error_bars": False}, "Mean of LA rates: ...", bars, bounds)
    with pytest.raises(SystemExit, match="error_bars must be true or false"):
        whiskers({"error_bars": "yes", "number": 3}, "", bars, bounds)


def test_end_labels_spread_a_line_apart_inside_the_range():
    from pipeline.charts import spread

    assert spread([1.0, 1.1, 5.0], 0.5, 0.0, 10.0) == [1.0, 1.5, 5.0]
    assert spread([9.9, 9.8], 0.5, 0.0, 10.0) == [10.0, 9.5]  # pushed back below the top, order kept


def test_tick_texts_use_the_fewest_decimals_that_tell_ticks_apart():
    from pipeline.charts import tick_texts

    assert tick_texts([0, 5000, 10000, 15000], "gbp") == ["£0", "£5,000", "£10,000", "£15,000"]
    assert tick_texts([0, 20, 40], "percent") == ["0%", "20%", "40%"]
    assert tick_texts([0, 2.5, 5, 7.5], "percent") == ["0.0%", "2.5%", "5.0%", "7.5%"]
    assert tick_texts([0, 0.25, 0.5], "number") == ["0.00", "0.25", "0.50"]
    assert tick_texts([0, 100, 200], "number") == ["0", "100", "200"]


def test_png_writer_keeps_every_pixel_and_the_resolution(tmp_path):
    """A 3 x 2 RGBA image with distinct pixels, written by the pipeline's PNG writer, reads back
    identical (Pillow decodes it) at 100 dpi; an all-white row compresses like any other."""
    import numpy as np
    from PIL import Image

    from pipeline.present import write_png

    rgba = np.array(
        [[[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 128]], [[255, 255, 255, 255]] * 3],
        dtype=np.uint8,
    )
    path = tmp_path / "x.png"
    write_png(path, rgba, 100)
    back = Image.open(path)
    assert back.mode == "RGBA" and back.size == (3, 2)
    assert (np.asarray(back) == rgba).all()
    assert round(back.info["dpi"][0]) == 100
