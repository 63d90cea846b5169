"""The test images a classifier gets most wrong (highest log-loss), with their labels."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator

from .._images import check_images, reads_channels_first
from .._sklearn_compat import Interval, validate_params
from ..exceptions import InputError, InputTypeError
from ..metrics import _model_labels
from ._estimator import check_fitted_classifier
from ._layout import axes_or_new, figure_size, grid_shape, text_width

__all__ = ["WorstPredictionsDisplay", "plot_worst_predictions", "worst_predictions"]

_TITLE_SIZE = 8.0  # points; smaller when the tiles are small


@validate_params(
    {
        "y_true": ["array-like"],
        "y_proba": ["array-like"],
        "classes": ["array-like", None],
        "k": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def worst_predictions(y_true, y_proba, *, classes=None, k=16):
    """Rank the samples by log-loss and return the ``k`` worst, worst first.

    The log-loss of a sample is ``-log p(true class)``: the samples the model is most
    confidently wrong about come first.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, columns in ``classes`` order.
    classes : array-like of shape (n_classes,), default=None
        ``estimator.classes_``; default: ``0 .. n_classes - 1``.
    k : int, default=16
        How many samples (all of them if fewer).

    Returns
    -------
    indices : ndarray of int
        Worst first (ties in sample order).
    losses : ndarray of float
        ``-log p(true class)`` of those samples.

    Raises
    ------
    ValueError
        When ``y_proba`` does not have one row per sample and one column per class, or
        ``y_true`` holds a label that is not in ``classes``.

    See Also
    --------
    WorstPredictionsDisplay : Draws those samples.

    Examples
    --------
    >>> worst_predictions([0, 1, 1], [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6]], k=2)
    (array([1, 2]), array([1.609..., 0.510...]))
    """
    y_true, y_proba, classes = _check_predictions(y_true, y_proba, classes)
    losses = _log_losses(y_true, y_proba, classes)
    order = np.argsort(-losses, kind="stable")[:k]
    return order, losses[order]


class WorstPredictionsDisplay:
    """A grid of images with their true and predicted labels and the probability of the truth.

    Build it with :meth:`from_estimator` or :meth:`from_predictions`, which keep the ``k``
    images with the highest log-loss, worst first; the constructor shows the images it is
    given, in their order. Titles of wrong predictions are red; long class names go on lines
    of their own.

    Parameters
    ----------
    images : array-like
        Images in any layout of the image contract: flat rows, ``(n, H, W)``,
        ``(n, H, W, C)`` or ``(n, C, H, W)``.
    y_true : array-like of shape (n,)
        True labels.
    y_proba : array-like of shape (n, n_classes)
        Predicted probabilities, columns in ``classes`` order.
    classes : array-like of shape (n_classes,), default=None
        ``estimator.classes_``; default ``0 .. n_classes - 1``.
    target_names : list of str, default=None
        Display names, one per class; default ``str(class)``.
    image_shape : tuple, default=None
        ``(H, W)`` or ``(H, W, C)`` of flat rows that are not square grayscale.
    channels_first : bool or None, default=None
        Read 4-D ``images`` as ``(n, C, H, W)`` (True) or ``(n, H, W, C)`` (False); None
        decides by the package's one rule, as every step does
        (:func:`skimgclf.neural.reads_channels_first`: channels-first only when the shape
        leaves no doubt, e.g. ``(n, 1, 8, 8)``).

    Attributes
    ----------
    images : ndarray of shape (n, H, W, C)
        The images, as drawn.
    losses : ndarray of shape (n,)
        ``-log p(true class)`` of each image.
    y_pred : ndarray of shape (n,)
        The most probable class of each image.
    axes_ : ndarray of matplotlib Axes
        One tile per image.
    images_ : ndarray of matplotlib AxesImage
        The image drawn in each tile.
    ax_ : matplotlib Axes
        The Axes whose area the grid fills (its frame is hidden).
    figure_ : matplotlib Figure
        Figure containing the grid.

    See Also
    --------
    worst_predictions : The ranking alone.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> X = np.zeros((3, 4, 4))
    >>> proba = [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6]]
    >>> disp = WorstPredictionsDisplay.from_predictions(
    ...     X, [0, 1, 1], proba, target_names=["cat", "dog"], k=2, ax=Figure().subplots())
    >>> [tile.get_title() for tile in disp.axes_]
    ['true dog / pred cat\\np(true)=0.2', 'true dog / pred dog\\np(true)=0.6']
    >>> disp.images.shape, len(disp.images_)
    ((2, 4, 4, 1), 2)
    """

    def __init__(
        self,
        images,
        y_true,
        y_proba,
        *,
        classes=None,
        target_names=None,
        image_shape=None,
        channels_first=None,
    ):
        y_true, y_proba, classes = _check_predictions(y_true, y_proba, classes)
        self.images = _read_images(images, image_shape, channels_first)
        if len(self.images) != len(y_true):
            raise InputError(
                f"images has {len(self.images)} images but y_true has {len(y_true)} labels; "
                "pass one label per image"
            )
        self.y_true, self.y_proba, self.classes = y_true, y_proba, classes
        if target_names is not None:
            target_names = [str(name) for name in target_names]
            if len(target_names) != len(classes):
                raise InputError(
                    f"target_names has {len(target_names)} names but there are {len(classes)} "
                    "classes; pass one name per class, in classes order"
                )
        self.target_names = target_names
        self.losses = _log_losses(y_true, y_proba, classes)
        self.y_pred = classes[np.argmax(y_proba, axis=1)] if len(y_true) else classes[:0]

    def plot(self, ax=None, *, n_cols=None, cmap="gray", im_kw=None):
        """Draw the grid.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The grid fills this Axes' area (its frame is hidden); default: a new figure.
        n_cols : int, default=None
            Grid columns; default: about square.
        cmap : str, default="gray"
            Colormap of one-channel images.
        im_kw : dict, default=None
            Keyword arguments of ``Axes.imshow``, over ``interpolation="nearest"``.

        Returns
        -------
        display : WorstPredictionsDisplay
            This display, with ``axes_``, ``images_``, ``ax_`` and ``figure_`` set.
        """
        if n_cols is not None and (not isinstance(n_cols, Integral) or n_cols < 1):
            raise InputError(f"n_cols must be None or a positive int; got {n_cols!r}")
        n = len(self.images)
        rows, cols = grid_shape(n, n_cols)
        ax, fig = axes_or_new(ax, figure_size("worst_predictions", n_images=n, n_cols=n_cols))
        ax.set_axis_off()
        names = self._names()
        box = ax.get_position()
        width, height = fig.get_size_inches()
        tile_width = box.width * width * 72 * 0.92 / cols  # points
        title_room = box.height * height * 72 * 0.26 / rows
        tiles, images = [], []
        for i in range(n):
            r, c = divmod(i, cols)
            # the top quarter of each cell is for the title
            tile = ax.inset_axes([c / cols, 1 - (r + 1) / rows, 0.92 / cols, 0.72 / rows])
            image = self.images[i]
            kwargs = {"interpolation": "nearest", **(im_kw or {})}
            if image.shape[2] == 1:
                images.append(tile.imshow(image[..., 0], **{"cmap": cmap, **kwargs}))
            else:
                images.append(tile.imshow(_display_rgb(image), **kwargs))
            title, size = _title(
                names[self.y_true[i].item()],
                names[self.y_pred[i].item()],
                float(np.exp(-self.losses[i])),
                tile_width,
                title_room,
            )
            right = self.y_pred[i] == self.y_true[i]
            tile.set_title(title, fontsize=size, color="black" if right else "firebrick")
            tile.set_axis_off()
            tiles.append(tile)
        self.axes_ = np.array(tiles, dtype=object)
        self.images_ = np.array(images, dtype=object)
        self.ax_, self.figure_ = ax, fig
        return self

    def _names(self):
        names = self.target_names or [str(c) for c in self.classes.tolist()]
        return dict(zip(self.classes.tolist(), names, strict=True))

    @classmethod
    @validate_params(
        {
            "estimator": "no_validation",
            "X": "no_validation",
            "y": ["array-like"],
            "k": [Interval(Integral, 1, None, closed="left")],
            "target_names": ["array-like", None],
            "image_shape": [tuple, list, None],
            "channels_first": ["boolean", None],
            "n_cols": [Interval(Integral, 1, None, closed="left"), None],
            "cmap": "no_validation",
            "ax": "no_validation",
            "im_kw": [dict, None],
        },
        prefer_skip_nested_validation=True,
    )
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        k=16,
        target_names=None,
        image_shape=None,
        channels_first=None,
        n_cols=None,
        cmap="gray",
        ax=None,
        im_kw=None,
    ):
        """Plot the ``k`` images of ``X`` a fitted classifier gets most wrong.

        Parameters
        ----------
        estimator : fitted classifier, Pipeline or search
            Must have ``predict_proba``: the ranking is by log-loss.
        X : array-like
            Images as the estimator takes them, in a layout of the image contract.
        y : array-like of shape (n_samples,)
            True labels, of classes the model knows: a sample's log-loss needs the probability
            of its true class, which the model does not give for a class it was not fitted on
            (:class:`ConfusionMatrixDisplay` and :class:`PerClassMetricsDisplay` count such
            samples; here they are refused, by name).
        k : int, default=16
            How many images.
        target_names : list of str, default=None
            Display names, in ``estimator.classes_`` order.
        image_shape : tuple, default=None
            ``(H, W)`` or ``(H, W, C)`` of flat rows that are not square grayscale.
        channels_first : bool or None, default=None
            Read 4-D ``X`` as ``(n, C, H, W)`` (True) or ``(n, H, W, C)`` (False); None
            reads it as the estimator does: by the package's one rule
            (:func:`skimgclf.neural.reads_channels_first`), with the image shape its first
            step saw at fit deciding a shape that could be read both ways.
        n_cols : int, default=None
            Grid columns; default: about square.
        cmap : str, default="gray"
            Colormap of one-channel images.
        ax : matplotlib Axes, default=None
            The grid fills this Axes' area; default: a new figure.
        im_kw : dict, default=None
            Keyword arguments of ``Axes.imshow``.

        Returns
        -------
        display : WorstPredictionsDisplay
            The plotted display.

        Raises
        ------
        NotFittedError
            When the estimator was not fitted.
        TypeError
            When the estimator has no ``predict_proba``.
        ValueError
            When ``y`` holds a class the model does not know.
        """
        check_fitted_classifier(estimator, f"{cls.__name__}.from_estimator")
        if not hasattr(estimator, "predict_proba"):
            raise InputTypeError(
                f"{type(estimator).__name__} has no predict_proba, and the worst predictions "
                "are ranked by log-loss; use a probabilistic classifier (or wrap it in "
                "sklearn.calibration.CalibratedClassifierCV)"
            )
        classes = getattr(estimator, "classes_", None)
        labels, _ = _model_labels(classes, y)
        if labels is not None and len(labels) > len(classes):
            unknown = np.setdiff1d(labels, classes).tolist()
            raise InputError(
                f"y holds classes the model does not know ({unknown[:10]}); the worst "
                "predictions are ranked by the log-loss of each sample's true class, to which the "
                "model gives no probability; drop those samples, e.g. keep = np.isin(y, "
                "estimator.classes_), or see them counted in ConfusionMatrixDisplay"
            )
        return cls.from_predictions(
            X,
            y,
            estimator.predict_proba(X),
            classes=getattr(estimator, "classes_", None),
            target_names=target_names,
            k=k,
            image_shape=image_shape,
            channels_first=_channel_order(X, channels_first, estimator),
            n_cols=n_cols,
            cmap=cmap,
            ax=ax,
            im_kw=im_kw,
        )

    @classmethod
    @validate_params(
        {
            "X": "no_validation",
            "y_true": ["array-like"],
            "y_proba": ["array-like"],
            "classes": ["array-like", None],
            "target_names": ["array-like", None],
            "k": [Interval(Integral, 1, None, closed="left")],
            "image_shape": [tuple, list, None],
            "channels_first": ["boolean", None],
            "n_cols": [Interval(Integral, 1, None, closed="left"), None],
            "cmap": "no_validation",
            "ax": "no_validation",
            "im_kw": [dict, None],
        },
        prefer_skip_nested_validation=True,
    )
    def from_predictions(
        cls,
        X,
        y_true,
        y_proba,
        *,
        classes=None,
        target_names=None,
        k=16,
        image_shape=None,
        channels_first=None,
        n_cols=None,
        cmap="gray",
        ax=None,
        im_kw=None,
    ):
        """Plot the ``k`` images with the highest log-loss under ``y_proba``.

        Parameters
        ----------
        X : array-like
            Images in a layout of the image contract, one per sample.
        y_true : array-like of shape (n_samples,)
            True labels.
        y_proba : array-like of shape (n_samples, n_classes)
            Predicted probabilities (``estimator.predict_proba(X)``), columns in ``classes``
            order.
        classes : array-like of shape (n_classes,), default=None
            ``estimator.classes_``; default ``0 .. n_classes - 1``.
        target_names : list of str, default=None
            Display names, one per class.
        k : int, default=16
            How many images.
        image_shape : tuple, default=None
            ``(H, W)`` or ``(H, W, C)`` of flat rows that are not square grayscale.
        channels_first : bool or None, default=None
            Read 4-D ``X`` as ``(n, C, H, W)`` (True) or ``(n, H, W, C)`` (False); None
            decides by the package's one rule
            (:func:`skimgclf.neural.reads_channels_first`).
        n_cols : int, default=None
            Grid columns; default: about square.
        cmap : str, default="gray"
            Colormap of one-channel images.
        ax : matplotlib Axes, default=None
            The grid fills this Axes' area; default: a new figure.
        im_kw : dict, default=None
            Keyword arguments of ``Axes.imshow``.

        Returns
        -------
        display : WorstPredictionsDisplay
            The plotted display.
        """
        images = _read_images(X, image_shape, channels_first)
        y_true, y_proba, classes = _check_predictions(y_true, y_proba, classes)
        if len(images) != len(y_true):
            raise InputError(
                f"X has {len(images)} images but y_true has {len(y_true)} labels; pass the "
                "images the predictions are for"
            )
        order, _ = worst_predictions(y_true, y_proba, classes=classes, k=k)
        # the images are (n, H, W, C) by now: no rule is to read them again
        display = cls(images[order], y_true[order], y_proba[order], classes=classes,
                      target_names=target_names, channels_first=False)
        return display.plot(ax=ax, n_cols=n_cols, cmap=cmap, im_kw=im_kw)


@validate_params(
    {
        "X": "no_validation",
        "y_true": ["array-like"],
        "y_proba": ["array-like"],
        "classes": ["array-like", None],
        "target_names": ["array-like", None],
        "k": [Interval(Integral, 1, None, closed="left")],
        "n_cols": [Interval(Integral, 1, None, closed="left"), None],
        "image_shape": [tuple, list, None],
        "channels_first": ["boolean", None],
        "cmap": "no_validation",
        "ax": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
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
    channels_first=None,
    cmap="gray",
    ax=None,
):
    """A grid of the ``k`` images with the highest log-loss, titled with true/predicted labels.

    A shortcut for :meth:`WorstPredictionsDisplay.from_predictions` returning the tiles.

    Parameters
    ----------
    X : array-like
        Images in any layout of the image contract (flat rows, ``(n, H, W)``, ``(n, H, W, C)``
        or ``(n, C, H, W)``).
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Columns in ``classes`` order (``estimator.predict_proba(X)``).
    classes : array-like, default=None
        ``estimator.classes_``; default ``0 .. n_classes - 1``.
    target_names : list of str, default=None
        Display names, one per class.
    k : int, default=16
        How many images.
    n_cols : int, default=None
        Grid columns (default: about square).
    image_shape : tuple, default=None
        ``(H, W)`` or ``(H, W, C)`` of flat rows that are not square grayscale.
    channels_first : bool or None, default=None
        Read 4-D ``X`` as ``(n, C, H, W)`` (True) or ``(n, H, W, C)`` (False); None decides by
        the package's one rule (:func:`skimgclf.neural.reads_channels_first`).
    cmap : str, default="gray"
        For one-channel images.
    ax : matplotlib Axes, default=None
        The grid fills this Axes' area (its own frame is hidden); a new pyplot figure otherwise.

    Returns
    -------
    ndarray of matplotlib Axes
        One per image, worst first.

    See Also
    --------
    WorstPredictionsDisplay : The display, with its artists.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> X = np.zeros((3, 4, 4))
    >>> proba = [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6]]
    >>> tiles = plot_worst_predictions(X, [0, 1, 1], proba, k=2, ax=Figure().subplots())
    >>> [t.get_title() for t in tiles]
    ['true 1 / pred 0\\np(true)=0.2', 'true 1 / pred 1\\np(true)=0.6']
    """
    return WorstPredictionsDisplay.from_predictions(
        X,
        y_true,
        y_proba,
        classes=classes,
        target_names=target_names,
        k=k,
        n_cols=n_cols,
        image_shape=image_shape,
        channels_first=channels_first,
        cmap=cmap,
        ax=ax,
    ).axes_


def _channel_order(X, channels_first, estimator):
    """``channels_first`` for reading ``X`` as ``estimator`` reads it.

    The caller's True or False stands. With None, the one rule of ``_images`` decides, given
    the image shape the estimator's first step saw at fit when it kept one: a shape that could be
    read both ways (``(n, 3, 3, 3)``) is then read as the estimator reads it.
    """
    fitted = _fitted_image_shape(estimator)
    if channels_first is not None or fitted is None or getattr(X, "ndim", None) != 4:
        return channels_first
    return reads_channels_first(X, None, fitted)


def _fitted_image_shape(estimator):
    """``(H, W, C)`` that the step reading ``X`` saw at fit (through searches and Pipelines).

    None when that step keeps no image shape (a scikit-learn model on flat rows).
    """
    for _ in range(20):  # nested searches and Pipelines, never a cycle
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif hasattr(estimator, "steps") and estimator.steps:
            estimator = estimator.steps[0][1]
        else:
            break
    shape = getattr(estimator, "image_shape_", None)
    return tuple(shape) if shape is not None and len(shape) == 3 else None


class _ImageReader(BaseEstimator):
    """Scratch estimator that lets :func:`check_images` read images for display."""


def _read_images(X, image_shape, channels_first):
    images, _ = check_images(
        _ImageReader(), X, reset=True, image_shape=image_shape, channels_first=channels_first
    )
    return images


def _check_predictions(y_true, y_proba, classes):
    y_true = np.asarray(y_true)
    y_proba = np.asarray(y_proba, dtype=float)
    if y_true.ndim != 1:
        raise InputError(f"y_true must be 1-D class labels; got shape {y_true.shape}")
    if y_proba.ndim != 2:
        raise InputError(
            f"y_proba must be (n_samples, n_classes) probabilities; got shape {y_proba.shape}"
        )
    classes = np.arange(y_proba.shape[1]) if classes is None else np.asarray(classes)
    if y_proba.shape != (len(y_true), len(classes)):
        raise InputError(
            f"y_proba has shape {y_proba.shape}; expected ({len(y_true)}, {len(classes)}): one "
            "row per sample, one column per class of classes=estimator.classes_"
        )
    if not np.isfinite(y_proba).all() or (y_proba < 0).any() or (y_proba > 1 + 1e-6).any():
        raise InputError(
            "y_proba must hold probabilities in [0, 1] (predict_proba), not scores such as "
            "decision_function's"
        )
    return y_true, y_proba, classes


def _log_losses(y_true, y_proba, classes):
    lookup = {c: i for i, c in enumerate(classes.tolist())}
    try:
        column = np.array([lookup[c] for c in y_true.tolist()], dtype=int)
    except KeyError as e:
        raise InputError(
            f"y_true holds {e.args[0]!r}, which is not in classes; pass classes=estimator.classes_"
        ) from None
    return -np.log(np.clip(y_proba[np.arange(len(y_true)), column], 1e-15, None))


def _title(true, predicted, p_true, tile_width, room):
    """The tile title and its font size: one line for the labels when it fits, else two."""
    size = _TITLE_SIZE
    one = f"true {true} / pred {predicted}"
    if text_width(one, size) <= tile_width:
        lines = [one, f"p(true)={p_true:.2g}"]
    else:
        lines = [_shorten(f"true {true}", tile_width, size),
                 _shorten(f"pred {predicted}", tile_width, size), f"p(true)={p_true:.2g}"]
    size = float(np.clip(room / (1.3 * len(lines)), 5.0, _TITLE_SIZE))
    return "\n".join(lines), size


def _shorten(text, width, size):
    """``text``, cut with an ellipsis so that it fits ``width`` points."""
    if text_width(text, size) <= width:
        return text
    while len(text) > 6 and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _display_rgb(image):
    if image.dtype == np.uint8:
        return image[..., :3]
    image = image[..., :3].astype(float)
    low, high = image.min(), image.max()
    return (image - low) / (high - low) if high > low else np.zeros_like(image)
