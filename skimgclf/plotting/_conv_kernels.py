"""The learnt kernels of a convolution, as one tiled image."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .._sklearn_compat import Interval, validate_params
from ..exceptions import InputError
from ..inspection import conv_kernels
from ._layout import axes_or_new, figure_size, grid_shape

__all__ = ["ConvKernelDisplay", "plot_conv_kernels"]


class ConvKernelDisplay:
    """The kernels of one 2-D convolution, each scaled to its own [min, max], as tiles.

    With 3 input channels a kernel is one RGB tile; otherwise each (output, input) channel pair
    is a gray tile, output channel by output channel. Build it with :meth:`from_estimator`; the
    constructor takes the weights themselves.

    Parameters
    ----------
    kernels : array-like of shape (out_channels, in_channels, kh, kw)
        Convolution weights (:func:`~skimgclf.inspection.conv_kernels`).
    layer : str, default=None
        Name of the layer they come from, for the title.

    Attributes
    ----------
    im_ : matplotlib AxesImage
        The tiled image.
    ax_ : matplotlib Axes
        Axes with the tiles.
    figure_ : matplotlib Figure
        Figure containing the tiles.
    n_shown_ : int
        Tiles drawn (at most ``max_kernels``).

    See Also
    --------
    skimgclf.inspection.conv_kernels : The weights as an array.

    Examples
    --------
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU())
    >>> disp = ConvKernelDisplay.from_estimator(net, ax=Figure().subplots())
    >>> disp.kernels.shape, disp.im_.get_array().shape  # 2 x 2 tiles, 1-pixel gaps
    ((4, 1, 3, 3), (7, 7))
    >>> disp.ax_.get_title()
    'layer 0: 4 kernels, 1 input channel, 3x3'
    """

    def __init__(self, kernels, *, layer=None):
        kernels = np.asarray(kernels, dtype=float)
        if kernels.ndim != 4 or 0 in kernels.shape:
            raise InputError(
                f"kernels must be a non-empty (out_channels, in_channels, kh, kw) array; got "
                f"shape {kernels.shape}"
            )
        if not np.isfinite(kernels).all():
            raise InputError("kernels hold NaN or infinite weights; there is nothing to show")
        self.kernels = kernels
        self.layer = layer

    def plot(self, ax=None, *, max_kernels=64, cmap="gray", im_kw=None):
        """Draw the kernels as one tiled image.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure.
        max_kernels : int, default=64
            Draw at most this many tiles.
        cmap : str, default="gray"
            Colormap of gray tiles (RGB tiles have their own colours).
        im_kw : dict, default=None
            Keyword arguments of ``Axes.imshow``, over ``interpolation="nearest"``.

        Returns
        -------
        display : ConvKernelDisplay
            This display, with ``im_``, ``ax_``, ``figure_`` and ``n_shown_`` set.
        """
        import matplotlib

        if not isinstance(max_kernels, Integral) or max_kernels < 1:
            raise InputError(f"max_kernels must be a positive int; got {max_kernels!r}")
        out_ch, in_ch, kh, kw = self.kernels.shape
        if in_ch == 3:
            tiles = np.moveaxis(self.kernels, 1, 3)  # (out, kh, kw, 3)
        else:
            tiles = self.kernels.reshape(out_ch * in_ch, kh, kw)
        tiles = tiles[:max_kernels]
        flat = tiles.reshape(len(tiles), -1)
        low, span = flat.min(axis=1), np.ptp(flat, axis=1)
        shape = (-1,) + (1,) * (tiles.ndim - 1)
        tiles = (tiles - low.reshape(shape)) / np.where(span > 0, span, 1).reshape(shape)
        image = _montage(tiles, fill=1.0 if tiles.ndim == 4 else np.nan)
        ax, fig = axes_or_new(ax, figure_size("conv_kernels"))
        kwargs = {"interpolation": "nearest", **(im_kw or {})}
        if image.ndim == 2:
            colormap = matplotlib.colormaps[cmap].with_extremes(bad="white")
            kwargs = {"cmap": colormap, "vmin": 0, "vmax": 1, **kwargs}
            self.im_ = ax.imshow(np.ma.masked_invalid(image), **kwargs)
        else:
            self.im_ = ax.imshow(image, **kwargs)
        ax.set_axis_off()
        total = out_ch if in_ch == 3 else out_ch * in_ch
        shown = "" if len(tiles) == total else f", first {len(tiles)} shown"
        where = f"layer {self.layer}: " if self.layer is not None else ""
        channels = "1 input channel" if in_ch == 1 else f"{in_ch} input channels"
        ax.set_title(f"{where}{out_ch} kernels, {channels}, {kh}x{kw}{shown}", fontsize=9)
        self.n_shown_ = len(tiles)
        self.ax_, self.figure_ = ax, fig
        return self

    @classmethod
    @validate_params(
        {
            "estimator": "no_validation",
            "layer": [str, None],
            "max_kernels": [Interval(Integral, 1, None, closed="left")],
            "cmap": "no_validation",
            "ax": "no_validation",
            "im_kw": [dict, None],
        },
        prefer_skip_nested_validation=True,
    )
    def from_estimator(cls, estimator, *, layer=None, max_kernels=64, cmap="gray", ax=None,
                       im_kw=None):
        """Plot the kernels of a convolution of a fitted network.

        Parameters
        ----------
        estimator : torch.nn.Module, fitted skorch net, Pipeline or search
            The network (a skorch net contributes its ``module_``).
        layer : str, default=None
            Name of a ``Conv2d`` in ``module.named_modules()``; default: the first one.
        max_kernels : int, default=64
            Draw at most this many tiles.
        cmap : str, default="gray"
            Colormap of gray tiles.
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure.
        im_kw : dict, default=None
            Keyword arguments of ``Axes.imshow``.

        Returns
        -------
        display : ConvKernelDisplay
            The plotted display.

        Raises
        ------
        NotFittedError
            When the network was not fitted.
        TypeError
            When ``estimator`` is not a network.
        ValueError
            When the network has no ``Conv2d`` (or none named ``layer``).
        """
        kernels = conv_kernels(estimator, layer=layer)
        if layer is None:
            layer = _first_conv_name(estimator)
        return cls(kernels, layer=layer).plot(
            ax=ax, max_kernels=max_kernels, cmap=cmap, im_kw=im_kw
        )


@validate_params(
    {
        "model": "no_validation",
        "layer": [str, None],
        "max_kernels": [Interval(Integral, 1, None, closed="left")],
        "cmap": "no_validation",
        "ax": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def plot_conv_kernels(model, *, layer=None, max_kernels=64, cmap="gray", ax=None):
    """The learnt kernels of a convolution as one tiled image (first ``Conv2d`` by default).

    A shortcut for :class:`ConvKernelDisplay` returning the Axes. Each kernel is scaled to its
    own [min, max]; with 3 input channels a kernel is one RGB tile, otherwise each (output,
    input) channel pair is a gray tile.

    Parameters
    ----------
    model : torch.nn.Module, skorch net, Pipeline, search or ndarray
        A network (see :meth:`ConvKernelDisplay.from_estimator`) or its ``(out, in, kh, kw)``
        weights.
    layer : str, default=None
        Name of the ``Conv2d``; default: the first.
    max_kernels : int, default=64
        Show at most this many tiles.
    cmap : str, default="gray"
        Colormap of gray tiles.
    ax : matplotlib Axes, default=None
        Draw here; a new pyplot figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    See Also
    --------
    ConvKernelDisplay : The display, with its artists.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> kernels = np.arange(4 * 1 * 3 * 3, dtype=float).reshape(4, 1, 3, 3)
    >>> ax = plot_conv_kernels(kernels, ax=Figure().subplots())
    >>> ax.images[0].get_array().shape  # 2 x 2 tiles of 3 x 3 with 1-pixel gaps
    (7, 7)
    """
    if isinstance(model, np.ndarray):
        display = ConvKernelDisplay(model, layer=layer)
        return display.plot(ax=ax, max_kernels=max_kernels, cmap=cmap).ax_
    return ConvKernelDisplay.from_estimator(
        model, layer=layer, max_kernels=max_kernels, cmap=cmap, ax=ax
    ).ax_


def _first_conv_name(model):
    import sys

    from ..inspection import _torch_module

    module = _torch_module(model)
    torch = sys.modules["torch"]
    name = next(name for name, m in module.named_modules() if isinstance(m, torch.nn.Conv2d))
    return name or None  # "" is the module itself: a bare Conv2d


def _montage(tiles, fill):
    """Tile ``(n, h, w[, 3])`` into one image with 1-pixel gaps, about square."""
    n, h, w = tiles.shape[:3]
    rows, cols = grid_shape(n)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1, *tiles.shape[3:]), fill, dtype=float)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        out[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = tile
    return out
