"""The figures' canvas: matplotlib's Agg (PNG) and SVG output, each text's glyphs loaded once.

matplotlib measures a text to lay it out (FreeType loads every glyph), draws it (loads every
glyph again) and, for the SVG, measures it a third time at its own font scale; loading glyphs
was about 40% of the drawing time. This canvas keeps one table of text sizes per process (tick
labels, footers and notes recur from figure to figure), lets Agg draw a text straight after
measuring it, from the glyphs just loaded, keeps each text's glyph image per process (a text
drawn again, at any position or angle, is not laid out by FreeType again: Agg places and rotates
the image itself), and gives the SVG renderer the Agg sizes in points (with text kept as text in
the SVG, sizes only place multi-line texts and vertical alignment).
The pixels and the drawing are matplotlib's own: only repeated work is skipped.
"""

from __future__ import annotations

import codecs
from math import cos, radians, sin

import numpy as np
from matplotlib import cbook, rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager

# (text, font properties, dpi, glyph settings) -> (width, height, descent) in pixels, as Agg
# measures them
_SIZES: dict = {}
# the same key and antialiasing -> (glyph image, x and y offset, descent) in pixels, as Agg draws
# them (the image is unrotated: Agg rotates it while drawing)
_IMAGES: dict = {}


def _size_key(s: str, prop, dpi: float) -> tuple:
    """What a text's glyphs depend on: besides the text, its font properties (``prop`` is the
    caller's copy: safe to keep) and the dpi, the hinting and kerning settings and the font files
    the properties resolve to under the current settings."""
    setup = (
        get_hinting_flag(),
        rcParams["text.hinting_factor"],
        rcParams["text.kerning_factor"],
        tuple(fontManager._find_fonts_by_props(prop)),
    )
    return s, prop, dpi, setup


def figure(width: float, height: float) -> Figure:
    """A figure on this canvas (no pyplot: nothing to close, nothing kept by a figure manager)."""
    fig = Figure(figsize=(width, height))
    Canvas(fig)
    return fig


class _AggRenderer(RendererAgg):
    def __init__(self, width, height, dpi):
        super().__init__(width, height, dpi)
        self.loaded = None  # the size key of the text whose glyphs the font holds now

    def _prepare_font(self, font_prop):
        self.loaded = None
        self._font = super()._prepare_font(font_prop)
        return self._font

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = _size_key(s, prop, self.dpi)
        size = _SIZES.get(key)
        if size is None:
            size = _SIZES[key] = super().get_text_width_height_descent(s, prop, ismath)
            self.loaded = key
        return size

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        # as RendererAgg.draw_text, with the glyphs loaded by the measuring just before, and the
        # glyph image of a text drawn before
        size_key = _size_key(s, prop, self.dpi)
        key = (*size_key, gc.get_antialiased())
        drawn = _IMAGES.get(key)
        if drawn is None:
            font = self._font if self.loaded == size_key else self._load(s, prop)
            font.draw_glyphs_to_bitmap(antialiased=key[-1])
            xo, yo = font.get_bitmap_offset()
            drawn = (np.asarray(font.get_image()), xo / 64.0, yo / 64.0, font.get_descent() / 64.0)
            _IMAGES[key] = drawn
        self.loaded = None
        image, xo, yo, d = drawn
        x = round(x + xo + d * sin(radians(angle)))
        y = round(y + yo + d * cos(radians(angle)))
        self._renderer.draw_text_image(image, x, y + 1, angle, gc)

    def _load(self, s, prop):
        font = self._prepare_font(prop)
        font.set_text(s, 0, flags=get_hinting_flag())
        return font


class _SvgRenderer(RendererSVG):
    def __init__(self, *args, sizes_dpi: float, **kwargs):
        super().__init__(*args, **kwargs)
        self._sizes_dpi = sizes_dpi

    def get_text_width_height_descent(self, s, prop, ismath):
        size = None if ismath else _SIZES.get(_size_key(s, prop, self._sizes_dpi))
        if size is None:
            return super().get_text_width_height_descent(s, prop, ismath)
        scale = 72 / self._sizes_dpi  # pixels at the PNG's dpi -> points
        return size[0] * scale, size[1] * scale, size[2] * scale


class Canvas(FigureCanvasAgg):
    def get_renderer(self):
        w, h = self.figure.bbox.size
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _AggRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer

    def draw(self):
        self.get_renderer().loaded = None  # the shared fonts may have been used since
        super().draw()

    def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None, **print_figure_options):
        """As matplotlib's ``FigureCanvasSVG.print_svg``, with text sizes from the Agg table
        (``savefig`` sets the colours and dpi of ``print_figure_options`` on the figure itself)."""
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            w, h = width * 72, height * 72
            svg = _SvgRenderer(w, h, fh, image_dpi=dpi, metadata=metadata, sizes_dpi=dpi)
            renderer = MixedModeRenderer(
                self.figure, width, height, dpi, svg, bbox_inches_restore=bbox_inches_restore
            )
            self.figure.draw(renderer)
            renderer.finalize()
