"""Figure sizes, readable ticks and outside legends: the one place where the Displays' layout
is decided (and where :class:`skimgclf.report.ModelReport` reads its figure sizes).

matplotlib is imported inside the functions: importing :mod:`skimgclf.plotting` stays cheap, and
nothing here selects a backend.
"""

from __future__ import annotations

import math

import numpy as np

from ..exceptions import InputError

#: Above this many classes the confusion matrix no longer writes values in its cells.
MAX_ANNOTATED_CLASSES = 20
#: Matplotlib moves the axes when the figure is laid out (colour bar, labels); tick spacing is
#: planned on this share of the axes' length so that labels still fit afterwards.
_LAYOUT_SAFETY = 0.85


def figure_size(kind, *, n_classes=0, label_length=0, n_series=1, n_images=0, n_cols=None):
    """Size in inches of a new figure for one Display.

    Parameters
    ----------
    kind : {"confusion_matrix", "per_class", "loss_curves", "conv_kernels", "worst_predictions"}
        The Display.
    n_classes : int, default=0
        Classes drawn (confusion matrix, per-class bars).
    label_length : int, default=0
        Characters of the longest class name: long names need margins.
    n_series : int, default=1
        Bars per class (per-class bars).
    n_images : int, default=0
        Tiles of the worst-predictions grid.
    n_cols : int, default=None
        Columns of that grid (default: about square).

    Returns
    -------
    tuple of float
        ``(width, height)``.
    """
    margin = min(0.075 * label_length, 2.5)  # rotated or horizontal class names
    if kind == "confusion_matrix":
        side = min(max(4.0, 0.28 * n_classes + 2.0), 18.0)
        return (side + margin + 1.0, side + margin)  # + 1 inch for the colour bar
    if kind == "per_class":
        per_class = max(0.3, 0.1 * n_series)
        width = min(max(6.0, per_class * n_classes + 3.0), 24.0)
        return (width, 3.5 + margin)
    if kind == "loss_curves":
        return (7.0, 4.0)
    if kind == "conv_kernels":
        return (5.0, 5.0)
    if kind == "worst_predictions":
        rows, cols = grid_shape(n_images, n_cols)
        return (1.9 * cols, 2.3 * rows)
    raise InputError(f"unknown figure kind {kind!r}")


def grid_shape(n, n_cols=None):
    """``(rows, cols)`` of a grid of ``n`` tiles, about square unless ``n_cols`` is given."""
    cols = n_cols or max(1, math.ceil(math.sqrt(n)))
    return max(1, math.ceil(n / cols)), cols


def new_axes(figsize):
    """A new pyplot figure (constrained layout) and its Axes, for ``plot(ax=None)``."""
    import matplotlib.pyplot as plt  # only when the caller gave no Axes

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def text_width(text, fontsize):
    """Width in points of one line of ``text`` in the default font at ``fontsize`` points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    width, _, _ = text_to_path.get_text_width_height_descent(
        str(text), FontProperties(size=fontsize), ismath=False
    )
    return 1.05 * width  # rendering hints make the drawn text slightly wider


def font_points(size):
    """A matplotlib font size (``10``, ``"small"``) in points."""
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=size).get_size_in_points()


def readable_ticks(ax, which, positions, labels):
    """Label ticks at ``positions`` so that neighbouring labels never overlap.

    x labels stay horizontal when the widest fits between two ticks and turn vertical
    otherwise; when even one line of text per tick does not fit, only every ``k``-th tick is
    labelled (every tick keeps a minor tick mark). The axis limits must be set before.

    Parameters
    ----------
    ax : matplotlib Axes
    which : {"x", "y"}
    positions : array-like of float
        Tick positions in data coordinates, increasing.
    labels : sequence of str
        One label per position.

    Returns
    -------
    step : int
        One tick in ``step`` is labelled.
    """
    import matplotlib as mpl

    positions = np.asarray(positions, dtype=float)
    labels = [str(label) for label in labels]
    axis = ax.xaxis if which == "x" else ax.yaxis
    if len(positions) == 0:
        axis.set_ticks([])
        return 1
    fontsize = font_points(mpl.rcParams[f"{which}tick.labelsize"])
    box = ax.get_position()
    width, height = ax.figure.get_size_inches()
    sides = (box.width * width, box.height * height)
    if ax.get_aspect() == 1.0:  # an image with square pixels: the shorter side sets both
        sides = (min(sides),) * 2
    length = (sides[0] if which == "x" else sides[1]) * 72 * _LAYOUT_SAFETY
    low, high = sorted(axis.get_view_interval())
    spacing = np.min(np.diff(positions)) if len(positions) > 1 else high - low
    pitch = length * spacing / max(high - low, 1e-12)  # points between two ticks
    line = 1.25 * fontsize  # what one label needs across its direction (with a gap)
    rotation = 0
    if which == "x" and max(text_width(t, fontsize) for t in labels) + 0.6 * fontsize > pitch:
        rotation = 90
    step = max(1, math.ceil(line / pitch)) if (rotation or which == "y") else 1
    axis.set_ticks(positions, minor=True)
    axis.set_ticks(positions[::step], labels[::step])
    for label in axis.get_ticklabels():
        label.set_rotation(rotation)
        if which == "x":
            label.set_horizontalalignment("center")
    return step


def legend_outside(ax, handles, labels, *, offset_pt=0.0, fontsize="small"):
    """A legend to the right of ``ax``, outside the plotting area and clear of the title.

    Parameters
    ----------
    ax : matplotlib Axes
    handles, labels : lists
        As for ``Axes.legend``.
    offset_pt : float, default=0.0
        Extra space in points between the axes' right edge and the legend (to clear a twin
        y-axis' ticks and label).
    fontsize : str or float, default="small"

    Returns
    -------
    matplotlib.legend.Legend
    """
    from matplotlib.transforms import ScaledTranslation

    transform = ax.transAxes + ScaledTranslation(offset_pt / 72, 0, ax.figure.dpi_scale_trans)
    return ax.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        bbox_transform=transform,
        borderaxespad=0.0,
        fontsize=fontsize,
        frameon=False,
    )


def axes_or_new(ax, figsize):
    """``(ax, figure)``: the caller's Axes, or a new pyplot one of ``figsize``."""
    if ax is None:
        ax = new_axes(figsize)
    return ax, ax.figure


def longest(labels):
    """Characters of the longest label (0 for none)."""
    return max((len(str(label)) for label in labels), default=0)
