"""A plot area without matplotlib's Axes: the few Axes methods the chart layer uses.

The chart layer draws its own furniture (tick labels, grid lines, category names as plain text),
so an Axes brings nothing but cost: creating one builds two axis objects with their ticks, clip
paths and callbacks (about 5 ms), drawing and clearing it walks them again, and 31 figures have
about 40 plot areas. A ``Panel`` is a rectangle of the figure with data limits: its artists are the
figure's own (texts in ``fig.texts``, marks in ``fig.artists``), placed through ``transData``
(data to display) or ``transAxes`` (0-1 across the rectangle), and marks are clipped to it as an
Axes clips them. The bottom spine of the afcharts style is drawn as one line.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.transforms import (
    Bbox,
    BboxTransform,
    BboxTransformTo,
    IdentityTransform,
    ScaledTranslation,
    TransformedBbox,
    blended_transform_factory,
)


class Panel:
    """``Panel(fig, (left, bottom, width, height))``, the rectangle in figure fractions."""

    def __init__(self, fig, rect: tuple[float, float, float, float]):
        self.figure = fig
        self.bbox = TransformedBbox(Bbox.from_bounds(*rect), fig.transFigure)
        self.viewLim = Bbox.unit()
        self.transAxes = BboxTransformTo(self.bbox)
        self.transData = BboxTransform(self.viewLim, self.bbox)
        rc = mpl.rcParams
        self._spine = Line2D(
            [0, 1], [0, 0], transform=self.transAxes, color=rc["axes.edgecolor"],
            linewidth=rc["axes.linewidth"], solid_capstyle="projecting", zorder=2.5,
            visible=bool(rc["axes.spines.bottom"]),
        )  # fmt: skip
        fig.add_artist(self._spine)

    # limits
    def set_xlim(self, lo: float, hi: float) -> None:
        self.viewLim.intervalx = (lo, hi)

    def set_ylim(self, lo: float, hi: float) -> None:
        self.viewLim.intervaly = (lo, hi)

    def get_xlim(self) -> tuple[float, float]:
        return tuple(self.viewLim.intervalx)

    def get_ylim(self) -> tuple[float, float]:
        return tuple(self.viewLim.intervaly)

    def set_axis_off(self) -> None:
        self._spine.set_visible(False)

    def set_xticks(self, ticks) -> None:
        """Accepted for an empty list only: a panel has no tick objects."""
        if len(ticks):
            raise ValueError("a Panel has no ticks: draw tick labels as text")

    set_yticks = set_xticks

    # marks and texts
    def text(self, x: float, y: float, s: str, transform=None, **kw):
        """As ``Axes.text``: data coordinates by default, never clipped."""
        kw.setdefault("clip_on", False)
        return self.figure.text(x, y, s, transform=transform or self.transData, **kw)

    def set_title(self, label: str, fontsize=None, weight="normal", loc: str = "left", pad: float = 6.0):
        """As ``Axes.set_title``: above the rectangle, ``pad`` points clear of its top edge."""
        lift = ScaledTranslation(0, pad / 72, self.figure.dpi_scale_trans)
        x = {"left": 0.0, "center": 0.5, "right": 1.0}[loc]
        return self.text(x, 1.0, label, transform=self.transAxes + lift, fontsize=fontsize, weight=weight,
                         ha=loc, va="baseline")  # fmt: skip

    def add_collection(self, collection, autolim: bool = False):
        """Add a collection (in data coordinates unless it has a transform), clipped as by an Axes."""
        return self._add(collection)

    def _add(self, artist):
        if not artist.is_transform_set():
            artist.set_transform(self.transData)
        if artist.get_clip_on():
            artist.set_clip_box(self.bbox)
        return self.figure.add_artist(artist)

    def plot(self, x, y, **kw):
        return self._add(Line2D(np.asarray(x, dtype=float), np.asarray(y, dtype=float), **kw))

    def axvline(self, x: float, **kw):
        where = blended_transform_factory(self.transData, self.transAxes)
        return self._add(Line2D([x, x], [0, 1], transform=where, **kw))

    def fill_between(self, x, lower, upper, color=None, alpha=None, linewidth=None, zorder=1):
        x, lower, upper = (np.asarray(v, dtype=float) for v in (x, lower, upper))
        outline = np.concatenate([np.column_stack([x, lower]), np.column_stack([x, upper])[::-1]])
        band = PolyCollection([outline], facecolors=color, edgecolors="none", alpha=alpha,
                              linewidths=linewidth, zorder=zorder)  # fmt: skip
        return self._add(band)

    def scatter(self, x, y, s=20, marker="o", linewidths=None, zorder=1, facecolors=None, edgecolors=None):
        """Markers of area ``s`` (points squared) at the data positions, as ``Axes.scatter``."""
        style = MarkerStyle(marker)
        path = style.get_path().transformed(style.get_transform())
        offsets = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
        marks = PathCollection(
            (path,), sizes=[s], offsets=offsets, offset_transform=self.transData,
            facecolors=facecolors, edgecolors=edgecolors, linewidths=linewidths, zorder=zorder,
        )  # fmt: skip
        marks.set_transform(IdentityTransform())
        return self._add(marks)
