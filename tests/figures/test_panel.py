"""A Panel maps data to its rectangle as an Axes would, and its artists are the figure's own."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import LineCollection

from pipeline import canvas, present
from pipeline.panel import Panel


@pytest.fixture
def fig():
    present._style()
    f = canvas.figure(4, 2)  # 400 x 200 px at 100 dpi
    f.set_dpi(100)
    return f


def test_data_and_panel_coordinates_map_to_the_rectangle(fig):
    p = Panel(fig, (0.25, 0.5, 0.5, 0.25))  # x 100-300 px, y 100-150 px
    p.set_xlim(0, 10)
    p.set_ylim(5, 0)  # inverted, as the horizontal bar charts use it
    assert p.transData.transform((0, 5)).tolist() == pytest.approx([100, 100])
    assert p.transData.transform((10, 0)).tolist() == pytest.approx([300, 150])
    assert p.transData.transform((2.5, 2.5)).tolist() == pytest.approx([150, 125])
    assert p.transAxes.transform((1, 1)).tolist() == pytest.approx([300, 150])
    assert p.get_xlim() == (0, 10) and p.get_ylim() == (5, 0)


def test_texts_and_marks_belong_to_the_figure_and_marks_are_clipped(fig):
    p = Panel(fig, (0.1, 0.1, 0.8, 0.8))
    t = p.text(1, 1, "label")
    lines = p.add_collection(LineCollection([[(0, 0), (1, 1)]]))
    free = p.add_collection(LineCollection([[(0, 0), (1, 1)]], clip_on=False))
    assert t in fig.texts and not t.get_clip_on()
    assert lines in fig.artists and lines.get_clip_box() is p.bbox
    assert free.get_clip_box() is None
    title = p.set_title("Panel title", fontsize=9, weight="bold", pad=4)
    x, y = title.get_transform().transform(title.get_position())
    assert x == pytest.approx(p.bbox.x0) and y == pytest.approx(p.bbox.y1 + 4 / 72 * 100)


def test_ticks_are_refused_and_the_spine_follows_the_style(fig):
    p = Panel(fig, (0.1, 0.1, 0.8, 0.8))
    p.set_xticks([])
    with pytest.raises(ValueError):
        p.set_yticks([1, 2])
    spine = [a for a in fig.artists if a is p._spine][0]
    assert spine.get_visible()  # afcharts shows the bottom spine
    p.set_axis_off()
    assert not spine.get_visible()


def test_scatter_band_and_lines_draw_where_the_data_are(fig):
    p = Panel(fig, (0.0, 0.0, 1.0, 1.0))
    p.set_xlim(0, 4)
    p.set_ylim(0, 2)
    dots = p.scatter([1, 3], [1, 1], s=36, facecolors="black", edgecolors="black")
    band = p.fill_between([0, 4], [0, 0], [1, 1], color="red", alpha=0.5)
    p.axvline(2, color="blue")
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    # dot centres at x 100 and 300 px, y 100 px from the bottom (row 99 from the top)
    assert pixels[99, 100].sum() < 100 and pixels[99, 300].sum() < 100
    assert dots.get_offsets().tolist() == [[1, 1], [3, 1]]
    assert band.get_paths()[0].vertices[:, 1].max() == 1
    assert pixels[150, 200, 2] > 150 and pixels[150, 200, 0] < 100  # the blue line at x = 2
