"""Figures of a fitted classifier: confusion matrix, learning curves, kernels, worst images, bars.

Every function draws into ``ax=`` when given one (any Axes, including one of a
``matplotlib.figure.Figure`` built without pyplot, which is what :mod:`skimgclf.report` does) and
otherwise opens a new pyplot figure. Nothing here calls ``plt.show`` or selects a backend, so
all of it works headless (Agg) and in notebooks alike. Each function returns what it drew on:
an Axes, or an array of Axes for image grids (their ``.figure`` is the Figure).
"""

from __future__ import annotations

import math
import sys

import matplotlib
import matplotlib.ticker
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import ConfusionMatrixDisplay

from ._images import check_images
from .metrics import PerClassMetrics

__all__ = [
    "conv_kernels",
    "history_curves",
    "plot_confusion_matrix",
    "plot_conv_kernels",
    "plot_learning_curves",
    "plot_per_class",
    "plot_worst_predictions",
    "worst_predictions",
]

#: Many classes make tick labels and cell values unreadable; above this we thin them.
_MAX_LABELLED_CLASSES = 30
_MAX_ANNOTATED_CLASSES = 20


def plot_confusion_matrix(
    y_true,
    y_pred,
    *,
    labels=None,
    display_labels=None,
    normalize=None,
    include_values=None,
    cmap="Blues",
    colorbar=True,
    ax=None,
):
    """Confusion matrix (rows true, columns predicted) via scikit-learn's ConfusionMatrixDisplay.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like, default=None
        Classes and their order (default: sorted union of both).
    display_labels : list of str, default=None
        Tick labels, one per class.
    normalize : {"true", "pred", "all"}, default=None
        As in :func:`sklearn.metrics.confusion_matrix`.
    include_values : bool, default=None
        Write the counts in the cells; default: only up to 20 classes.
    cmap : str, default="Blues"
    colorbar : bool, default=True
    ax : matplotlib Axes, default=None
        Draw here; a new pyplot figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> ax = plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], ax=ax)
    >>> ax.get_xlabel(), ax.images[0].get_array().tolist()
    ('Predicted label', [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    """
    if labels is None:
        from sklearn.utils.multiclass import unique_labels

        labels = unique_labels(y_true, y_pred)
    n = len(labels)
    if ax is None:
        ax = _new_axes(figsize=(max(4.0, 0.3 * n + 2.5),) * 2)
    if include_values is None:
        include_values = n <= _MAX_ANNOTATED_CLASSES
    display = ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=labels,
        display_labels=display_labels,
        normalize=normalize,
        include_values=include_values,
        cmap=cmap,
        colorbar=colorbar,
        ax=ax,
        xticks_rotation="vertical" if n > 10 else "horizontal",
        values_format=".2f" if normalize else None,
    )
    _thin_ticks(display.ax_, n)
    return display.ax_


def history_curves(source) -> dict:
    """Per-epoch training curves of a network, as arrays.

    Parameters
    ----------
    source : estimator, Pipeline, search or history
        A skorch net (its ``history_`` or ``history``), scikit-learn's ``MLPClassifier`` (its
        ``loss_curve_`` and, with ``early_stopping``, ``validation_scores_``), a Pipeline or
        fitted search ending in one of these, or a skorch ``History`` / list of epoch dicts.

    Returns
    -------
    dict of str to ndarray
        ``"epoch"`` and those of ``"train_loss"``, ``"valid_loss"``, ``"train_acc"``,
        ``"valid_acc"`` that were recorded (NaN in epochs that lack them).

    Raises
    ------
    ValueError
        When ``source`` records no curves.

    Examples
    --------
    >>> curves = history_curves([{"epoch": 1, "train_loss": 0.9, "valid_loss": 1.0},
    ...                          {"epoch": 2, "train_loss": 0.5, "valid_loss": 0.7}])
    >>> sorted(curves), curves["valid_loss"]
    (['epoch', 'train_loss', 'valid_loss'], array([1. , 0.7]))
    """
    estimator = _final_estimator(source)
    if hasattr(estimator, "loss_curve_"):  # scikit-learn MLP
        curves = {"train_loss": np.asarray(estimator.loss_curve_, dtype=float)}
        scores = getattr(estimator, "validation_scores_", None)
        if scores is not None:
            curves["valid_acc"] = np.asarray(scores, dtype=float)
        curves["epoch"] = np.arange(1, len(curves["train_loss"]) + 1)
        return {"epoch": curves.pop("epoch"), **curves}
    history = _history_of(estimator)
    if history is None or len(history) == 0:
        raise ValueError(
            f"{type(estimator).__name__} records no training curves; pass a fitted skorch net "
            "(history_ / history), an MLPClassifier (loss_curve_) or a list of epoch dicts"
        )
    epochs = [dict(row) for row in history]
    curves = {"epoch": np.array([row.get("epoch", i + 1) for i, row in enumerate(epochs)])}
    for key in ("train_loss", "valid_loss", "train_acc", "valid_acc"):
        if any(key in row for row in epochs):
            curves[key] = np.array([row.get(key, np.nan) for row in epochs], dtype=float)
    if len(curves) == 1:
        raise ValueError("the history holds no train_loss, valid_loss, train_acc or valid_acc")
    return curves


def plot_learning_curves(source, *, ax=None):
    """Loss per epoch (left axis) and accuracy per epoch (right axis, when recorded).

    Parameters
    ----------
    source : estimator, Pipeline, search, history or dict
        Anything :func:`history_curves` accepts, or its result.
    ax : matplotlib Axes, default=None
        Draw here; a new pyplot figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        The loss axes; the accuracy axes is its twin (``ax.right_ax``) when drawn.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> history = [{"epoch": 1, "train_loss": 0.9, "valid_loss": 1.0, "valid_acc": 0.5},
    ...            {"epoch": 2, "train_loss": 0.5, "valid_loss": 0.7, "valid_acc": 0.75}]
    >>> ax = plot_learning_curves(history, ax=Figure().subplots())
    >>> [line.get_label() for line in ax.get_lines()], ax.right_ax.get_ylabel()
    (['train_loss', 'valid_loss'], 'accuracy')
    """
    curves = source if isinstance(source, dict) else history_curves(source)
    if ax is None:
        ax = _new_axes(figsize=(6, 4))
    epoch = curves["epoch"]
    handles = []
    for key, style in (("train_loss", "-"), ("valid_loss", "--")):
        if key in curves:
            handles += ax.plot(epoch, curves[key], style, marker=".", label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    accuracies = [k for k in ("train_acc", "valid_acc") if k in curves]
    ax.right_ax = None
    if accuracies:
        right = ax.twinx()
        for key in accuracies:
            handles += right.plot(
                epoch,
                curves[key],
                ":",
                marker=".",
                color="C2" if key == "valid_acc" else "C3",
                label=key,
            )
        right.set_ylabel("accuracy")
        ax.right_ax = right
    if handles:  # below the axes: curves of both y-axes stay visible
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.15),
            ncol=len(handles),
            fontsize=8,
            frameon=False,
        )
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title("learning curves")
    return ax


def conv_kernels(model, *, layer=None) -> np.ndarray:
    """Weights of a 2-D convolution, ``(out_channels, in_channels, kh, kw)``, as numpy.

    Parameters
    ----------
    model : torch.nn.Module, skorch net, Pipeline or search
        A fitted skorch net contributes its ``module_``.
    layer : str, default=None
        Name of the layer in ``module.named_modules()``; default: the first ``Conv2d``.

    Returns
    -------
    ndarray of shape (out_channels, in_channels, kh, kw)
        A copy.

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(),
    ...                           torch.nn.Conv2d(4, 2, 5))
    >>> conv_kernels(net).shape, conv_kernels(net, layer="2").shape
    ((4, 1, 3, 3), (2, 4, 5, 5))
    """
    estimator = _final_estimator(model)
    module = getattr(estimator, "module_", estimator)
    # torch is imported only if it already is: an object of a never-imported library cannot be
    # a torch module, and importing torch costs seconds.
    torch = sys.modules.get("torch")
    if torch is None or not isinstance(module, torch.nn.Module):
        raise TypeError(
            f"expected a torch module or a fitted skorch net, got {type(model).__name__}; "
            "kernels exist only for convolutional networks"
        )
    convs = {name: m for name, m in module.named_modules() if isinstance(m, torch.nn.Conv2d)}
    if layer is not None:
        if layer not in convs:
            raise ValueError(
                f"layer={layer!r} is not a Conv2d of this module; its Conv2d layers are "
                f"{sorted(convs)}"
            )
        conv = convs[layer]
    elif convs:
        conv = next(iter(convs.values()))
    else:
        raise ValueError(f"{type(module).__name__} has no Conv2d layer; there are no kernels")
    return conv.weight.detach().cpu().numpy().copy()


def plot_conv_kernels(model, *, layer=None, max_kernels=64, cmap="gray", ax=None):
    """The learnt kernels of a convolution as one tiled image (first ``Conv2d`` by default).

    Each kernel is scaled to its own [min, max]. With 3 input channels a kernel is shown as one
    RGB tile; otherwise each (output, input) channel pair is a gray tile, output by output.

    Parameters
    ----------
    model : torch.nn.Module, skorch net, Pipeline, search or ndarray
        Anything :func:`conv_kernels` accepts, or its ``(out, in, kh, kw)`` result.
    layer : str, default=None
        See :func:`conv_kernels`.
    max_kernels : int, default=64
        Show at most this many tiles.
    cmap : str, default="gray"
    ax : matplotlib Axes, default=None
        Draw here; a new pyplot figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> kernels = np.arange(4 * 1 * 3 * 3, dtype=float).reshape(4, 1, 3, 3)
    >>> ax = plot_conv_kernels(kernels, ax=Figure().subplots())
    >>> ax.images[0].get_array().shape  # 2 x 2 tiles of 3 x 3 with 1-pixel gaps
    (7, 7)
    """
    weights = model if isinstance(model, np.ndarray) else conv_kernels(model, layer=layer)
    if weights.ndim != 4:
        raise ValueError(f"kernels must be (out, in, kh, kw); got shape {weights.shape}")
    out_ch, in_ch, kh, kw = weights.shape
    if in_ch == 3:
        tiles = np.moveaxis(weights, 1, 3)  # (out, kh, kw, 3)
    else:
        tiles = weights.reshape(out_ch * in_ch, kh, kw)
    tiles = tiles[:max_kernels].astype(float)
    axes_min = tiles.reshape(len(tiles), -1).min(axis=1)
    span = np.ptp(tiles.reshape(len(tiles), -1), axis=1)
    shape = (-1,) + (1,) * (tiles.ndim - 1)
    tiles = (tiles - axes_min.reshape(shape)) / np.where(span > 0, span, 1).reshape(shape)
    image = _montage(tiles, fill=1.0 if tiles.ndim == 4 else np.nan)
    if ax is None:
        ax = _new_axes(figsize=(5, 5))
    if image.ndim == 2:
        colormap = matplotlib.colormaps[cmap].with_extremes(bad="white")
        ax.imshow(
            np.ma.masked_invalid(image), cmap=colormap, vmin=0, vmax=1, interpolation="nearest"
        )
    else:
        ax.imshow(image, interpolation="nearest")
    ax.set_axis_off()
    shown = (
        ""
        if len(tiles) == (out_ch if in_ch == 3 else out_ch * in_ch)
        else f", first {len(tiles)} shown"
    )
    ax.set_title(f"{out_ch} kernels, {in_ch} input channel(s), {kh}x{kw}{shown}", fontsize=9)
    return ax


def worst_predictions(y_true, y_proba, *, classes=None, k=16):
    """Indices of the ``k`` samples with the highest log-loss, worst first.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, columns in ``classes`` order.
    classes : array-like of shape (n_classes,), default=None
        ``estimator.classes_``; default: ``0 .. n_classes - 1``.
    k : int, default=16

    Returns
    -------
    indices : ndarray of int
        Worst first (ties in sample order).
    losses : ndarray of float
        ``-log p(true class)`` of those samples.

    Examples
    --------
    >>> worst_predictions([0, 1, 1], [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6]], k=2)
    (array([1, 2]), array([1.609..., 0.510...]))
    """
    y_true = np.asarray(y_true)
    y_proba = np.asarray(y_proba, dtype=float)
    classes = np.arange(y_proba.shape[1]) if classes is None else np.asarray(classes)
    if y_proba.ndim != 2 or y_proba.shape != (len(y_true), len(classes)):
        raise ValueError(
            f"y_proba has shape {y_proba.shape}; expected ({len(y_true)}, {len(classes)}): one "
            "row per sample, one column per class of classes=estimator.classes_"
        )
    lookup = {c: i for i, c in enumerate(classes.tolist())}
    try:
        column = np.array([lookup[c] for c in y_true.tolist()], dtype=int)
    except KeyError as e:
        raise ValueError(
            f"y_true holds {e.args[0]!r}, which is not in classes; pass classes=estimator.classes_"
        ) from None
    losses = -np.log(np.clip(y_proba[np.arange(len(y_true)), column], 1e-15, None))
    order = np.argsort(-losses, kind="stable")[:k]
    return order, losses[order]


def plot_worst_predictions(
    X,
    y_true,
    y_proba,
    *,
    classes=None,
    target_names=None,
    k=16,
    n_cols=None,
    image_shape=None,
    channels_first=False,
    cmap="gray",
    ax=None,
):
    """A grid of the ``k`` images with the highest log-loss, titled with true/predicted labels.

    Parameters
    ----------
    X : array-like
        Images in any layout of the image contract (flat rows, ``(n, H, W)``, ``(n, H, W, C)``,
        or ``(n, C, H, W)`` with ``channels_first=True``).
    y_true : array-like of shape (n_samples,)
    y_proba : array-like of shape (n_samples, n_classes)
        Columns in ``classes`` order (``estimator.predict_proba(X)``).
    classes : array-like, default=None
        ``estimator.classes_``; default ``0 .. n_classes - 1``.
    target_names : list of str, default=None
        Display names, one per class.
    k : int, default=16
    n_cols : int, default=None
        Grid columns (default: about square).
    image_shape : tuple, default=None
        ``(H, W)`` or ``(H, W, C)`` of flat rows that are not square grayscale.
    channels_first : bool, default=False
    cmap : str, default="gray"
        For one-channel images.
    ax : matplotlib Axes, default=None
        The grid fills this Axes' area (its own frame is hidden); a new pyplot figure otherwise.

    Returns
    -------
    ndarray of matplotlib Axes
        One per image, worst first.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> X = np.zeros((3, 4, 4))
    >>> proba = [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6]]
    >>> tiles = plot_worst_predictions(X, [0, 1, 1], proba, k=2, ax=Figure().subplots())
    >>> [t.get_title() for t in tiles]
    ['true 1 / pred 0\\np(true)=0.20', 'true 1 / pred 1\\np(true)=0.60']
    """
    images, _ = check_images(
        _ImageReader(), X, reset=True, image_shape=image_shape, channels_first=channels_first
    )
    y_true = np.asarray(y_true)
    if len(images) != len(y_true):
        raise ValueError(f"X has {len(images)} images but y_true has {len(y_true)} labels")
    y_proba = np.asarray(y_proba, dtype=float)
    classes = np.arange(y_proba.shape[-1]) if classes is None else np.asarray(classes)
    order, losses = worst_predictions(y_true, y_proba, classes=classes, k=k)
    names = {c: str(c) for c in classes.tolist()}
    if target_names is not None:
        names = dict(zip(classes.tolist(), map(str, target_names), strict=True))
    n = len(order)
    n_cols = n_cols or max(1, math.ceil(math.sqrt(n)))
    n_rows = max(1, math.ceil(n / n_cols))
    if ax is None:
        ax = _new_axes(figsize=(1.9 * n_cols, 2.2 * n_rows))
    ax.set_axis_off()
    tiles = []
    for slot, i in enumerate(order):
        r, c = divmod(slot, n_cols)
        # leave the top quarter of each cell for the two-line title
        tile = ax.inset_axes([c / n_cols, 1 - (r + 1) / n_rows, 0.92 / n_cols, 0.72 / n_rows])
        image = images[i]
        if image.shape[2] == 1:
            tile.imshow(image[..., 0], cmap=cmap, interpolation="nearest")
        else:
            tile.imshow(_display_rgb(image), interpolation="nearest")
        predicted = classes[int(np.argmax(y_proba[i]))]
        tile.set_title(
            f"true {names[y_true[i].item()]} / pred {names[predicted.item()]}\n"
            f"p(true)={np.exp(-losses[slot]):.2g}",
            fontsize=8,
            color="black" if predicted == y_true[i] else "firebrick",
        )
        tile.set_axis_off()
        tiles.append(tile)
    return np.array(tiles, dtype=object)


def plot_per_class(metrics, *, columns=("precision", "recall", "f1"), sort_by=None, ax=None):
    """Grouped bars of per-class metrics, one group per class.

    Parameters
    ----------
    metrics : PerClassMetrics
        From :func:`skimgclf.metrics.per_class_metrics` (or a :func:`top_classes` selection).
    columns : sequence of str, default=("precision", "recall", "f1")
        Metric columns to draw (ratios in [0, 1]; the ``area_ratio`` may be negative).
    sort_by : str, default=None
        Order the classes by this column, best first; default: label order.
    ax : matplotlib Axes, default=None
        Draw here; a new pyplot figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from skimgclf.metrics import per_class_metrics
    >>> m = per_class_metrics([0, 0, 1, 1], [0, 1, 1, 1])
    >>> ax = plot_per_class(m, columns=["recall"], ax=Figure().subplots())
    >>> [float(bar.get_height()) for bar in ax.patches]
    [0.5, 1.0]
    """
    if not isinstance(metrics, PerClassMetrics):
        raise TypeError(
            f"expected PerClassMetrics (from skimgclf.metrics.per_class_metrics), got "
            f"{type(metrics).__name__}"
        )
    columns = list(columns)
    for column in columns + ([sort_by] if sort_by else []):
        metrics[column]  # raises a KeyError naming the valid columns
    order = np.arange(len(metrics))
    if sort_by:
        values = np.asarray(metrics[sort_by], dtype=float)
        order = np.argsort(np.where(np.isnan(values), np.inf, -values), kind="stable")
    n = len(order)
    if ax is None:
        ax = _new_axes(figsize=(min(max(5.0, 0.25 * n * len(columns) + 2), 20), 4))
    width = 0.8 / len(columns)
    x = np.arange(n)
    for j, column in enumerate(columns):
        ax.bar(
            x + (j - (len(columns) - 1) / 2) * width,
            np.asarray(metrics[column])[order],
            width=width,
            label=column,
        )
    ax.set_xticks(x, [metrics.names[i] for i in order], rotation=90 if n > 10 else 0)
    _thin_ticks(ax, n, y=False)
    ax.set_ylabel("score")
    ax.set_xlabel("class")
    ax.set_xlim(-0.6, n - 0.4)
    if len(columns) > 1:  # above the bars, never over them
        ax.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.08),
            ncol=len(columns),
            fontsize=8,
            frameon=False,
        )
    ax.set_title("per-class " + ", ".join(columns))
    return ax


# --- helpers ---------------------------------------------------------------------------------


def _final_estimator(estimator):
    """The estimator that predicts: a search's ``best_estimator_``, a Pipeline's last step."""
    for _ in range(10):  # nested searches / pipelines, bounded
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif hasattr(estimator, "steps") and hasattr(estimator, "_final_estimator"):
            estimator = estimator._final_estimator
        else:
            break
    return estimator


class _ImageReader(BaseEstimator):
    """Scratch estimator that lets :func:`check_images` read images for display."""


def _history_of(estimator):
    if isinstance(estimator, (list, tuple)):
        return estimator
    for name in ("history_", "history"):
        history = getattr(estimator, name, None)
        if history is not None and not callable(history):
            return history
    return None


def _new_axes(figsize):
    import matplotlib.pyplot as plt  # only when the caller gave no Axes

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _montage(tiles, fill):
    """Tile ``(n, h, w[, 3])`` into one image with 1-pixel gaps, about square."""
    n, h, w = tiles.shape[:3]
    cols = max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1, *tiles.shape[3:]), fill, dtype=float)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        out[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = tile
    return out


def _display_rgb(image):
    if image.dtype == np.uint8:
        return image[..., :3]
    image = image[..., :3].astype(float)
    low, high = image.min(), image.max()
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


def _thin_ticks(ax, n, y=True):
    """Keep about 30 tick labels per axis when there are many classes."""
    if n <= _MAX_LABELLED_CLASSES:
        return
    step = math.ceil(n / _MAX_LABELLED_CLASSES)
    for axis in (ax.xaxis, ax.yaxis) if y else (ax.xaxis,):
        for i, label in enumerate(axis.get_ticklabels()):
            label.set_visible(i % step == 0)
