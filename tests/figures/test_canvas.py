"""The figures' canvas skips repeated glyph loading only: the pixels are matplotlib's own."""

from __future__ import annotations

import io
import re

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pipeline import canvas, present

TEXTS = [  # repeated strings, several lines, bold, sizes and alignments, as the charts use them
    (
        0.05,
        0.9,
        "Figure 1: a bold title that is fairly long",
        {"weight": "bold", "fontsize": 13, "va": "top"},
    ),
    (0.05, 0.7, "Line one\nline two of a note", {"fontsize": 9}),
    (0.5, 0.5, "38%", {"ha": "center", "va": "center", "color": "white"}),
    (0.6, 0.5, "38%", {"ha": "center", "va": "center"}),
    (0.02, 0.5, "38%", {"rotation": 90, "va": "center"}),  # a glyph image drawn again, rotated
    (0.95, 0.3, "Key Stage 4 (n=70)", {"ha": "right", "va": "center", "multialignment": "right"}),
    (0.5, 0.1, "£1,234", {"ha": "center", "va": "bottom", "fontsize": 8.5}),
]


def _draw(fig) -> np.ndarray:
    for x, y, s, kw in TEXTS:
        fig.text(x, y, s, **kw)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def _plain(height: float) -> Figure:
    fig = Figure(figsize=(6, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def test_pixels_are_matplotlibs_own_on_first_and_repeated_draws():
    present._style()
    expected = _draw(_plain(3))
    assert (expected[..., :3] < 128).any()  # something was drawn
    canvas._IMAGES.clear()
    for _ in range(2):  # the second figure finds every text size and glyph image in the tables
        fig = canvas.figure(6, 3)
        fig.set_dpi(100)
        assert np.array_equal(_draw(fig), expected)
    lines = {line for _, _, s, _ in TEXTS for line in s.split("\n")}  # Agg draws a text line by line
    assert len(canvas._IMAGES) == len(lines)  # one image per line of text and font, drawn again


def test_a_text_measured_elsewhere_in_between_is_drawn_from_its_own_glyphs():
    """Another size measured between a text's layout and its drawing must not leak glyphs."""
    present._style()
    fig = canvas.figure(6, 2)
    fig.set_dpi(100)
    renderer = fig.canvas.get_renderer()
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(size=10)
    renderer.get_text_width_height_descent("first text", prop, False)
    renderer.get_text_width_height_descent("another text", prop.copy(), False)
    assert renderer.loaded == canvas._size_key("another text", prop, 100)
    renderer._prepare_font(prop)  # any other use of the font forgets what it holds
    assert renderer.loaded is None


def _text_positions(svg: str) -> list[float]:
    return [float(y) for y in re.findall(r'(?:translate\([\d.]+ |y=")([\d.]+)', svg)]


def test_svg_places_texts_within_half_a_point_of_matplotlib():
    present._style()
    ours, theirs = canvas.figure(6, 3), _plain(3)
    outputs = []
    for fig in (ours, theirs):
        _draw(fig)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        outputs.append(buffer.getvalue())
    assert all(s in outputs[0] for s in ("Line one", "line two of a note", "£1,234"))
    a, b = (_text_positions(svg) for svg in outputs)
    assert len(a) == len(b) >= len(TEXTS)
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 0.5


def test_a_saved_figure_is_a_new_file_each_time_so_links_keep_the_old_one(tmp_path):
    """The report links to a run's images: saving the figure again must make new files (PNG and
    SVG alike), never write into the linked ones."""
    import os

    present._style()
    stem = tmp_path / "fig01"
    kept = {}
    for text in ("first version", "second version"):
        fig = canvas.figure(6, 2)
        fig.text(0.1, 0.5, text)
        present.save_figure(fig, stem)
        if not kept:
            for ext in (".png", ".svg"):
                kept[ext] = tmp_path / f"linked{ext}"
                os.link(stem.with_suffix(ext), kept[ext])
    assert "first version" in kept[".svg"].read_text(encoding="utf-8")
    assert "second version" in stem.with_suffix(".svg").read_text(encoding="utf-8")
    for ext, link in kept.items():
        assert not os.path.samefile(link, stem.with_suffix(ext))


def test_a_text_drawn_again_under_other_glyph_settings_is_not_taken_from_the_tables():
    """A process that changes the hinting (or the fonts) between figures gets matplotlib's pixels."""
    import matplotlib

    present._style()
    before = matplotlib.rcParams["text.hinting"]
    try:
        for hinting in ("no_hinting", "force_autohint"):
            matplotlib.rcParams["text.hinting"] = hinting
            expected = _draw(_plain(3))
            fig = canvas.figure(6, 3)
            fig.set_dpi(100)
            assert np.array_equal(_draw(fig), expected)
    finally:
        matplotlib.rcParams["text.hinting"] = before
