"""The confusion matrix: scikit-learn's ConfusionMatrixDisplay with readable ticks."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn import metrics as _sk_metrics

from .._sklearn_compat import StrOptions, validate_params
from ..exceptions import InputError
from ..metrics import _check_targets, _model_labels
from ._estimator import check_fitted_classifier
from ._layout import MAX_ANNOTATED_CLASSES, figure_size, longest, new_axes, readable_ticks

__all__ = ["ConfusionMatrixDisplay", "plot_confusion_matrix"]

_MIN_VALUE_FONTSIZE = 6.0  # points: below this, cell values are left out by default

_PLOT_CONSTRAINTS = {
    "labels": ["array-like", None],
    "sample_weight": ["array-like", None],
    "normalize": [StrOptions({"true", "pred", "all"}), None],
    "display_labels": ["array-like", None],
    "include_values": ["boolean", None],
    "xticks_rotation": [StrOptions({"vertical", "horizontal"}), Real, None],
    "values_format": [str, None],
    "cmap": "no_validation",  # a name or a Colormap: matplotlib checks it
    "ax": "no_validation",
    "colorbar": ["boolean"],
    "im_kw": [dict, None],
    "text_kw": [dict, None],
}


class ConfusionMatrixDisplay(_sk_metrics.ConfusionMatrixDisplay):
    """Confusion matrix visualization, scikit-learn's with ticks that stay readable.

    A subclass of :class:`sklearn.metrics.ConfusionMatrixDisplay`: the same constructor,
    ``from_estimator``, ``from_predictions``, ``plot`` and attributes. What changes is the
    default layout for many or long class names: a new figure grows with the number of classes
    and the length of their names; x tick labels turn vertical when they do not fit side by
    side, and when even that is too crowded only every ``k``-th class is labelled (each class
    keeps a tick mark); cell values are written up to 20 classes, in a font that fits the cells,
    when that font is not too small to read.

    Parameters
    ----------
    confusion_matrix : ndarray of shape (n_classes, n_classes)
        Rows are true classes, columns predicted classes.
    display_labels : array-like of shape (n_classes,), default=None
        Class names; default ``0 .. n_classes - 1``.

    Attributes
    ----------
    im_ : matplotlib AxesImage
        The matrix.
    text_ : ndarray of shape (n_classes, n_classes) of matplotlib Text, or None
        The cell values, None when ``include_values`` is false.
    ax_ : matplotlib Axes
        Axes with the confusion matrix.
    figure_ : matplotlib Figure
        Figure containing the confusion matrix.

    See Also
    --------
    sklearn.metrics.ConfusionMatrixDisplay : The parent class.
    plot_confusion_matrix : The same figure in one call, returning the Axes.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> names = ["airplane", "automobile", "bird", "cat"]
    >>> y_true, y_pred = [0, 1, 2, 3, 3], [0, 1, 2, 2, 3]
    >>> ax = Figure(figsize=(3, 3)).subplots()
    >>> disp = ConfusionMatrixDisplay.from_predictions(
    ...     y_true, y_pred, display_labels=names, ax=ax)
    >>> disp.ax_ is ax, disp.im_.get_array().tolist()[3]
    (True, [0, 0, 1, 1])
    >>> [t.get_rotation() for t in ax.get_xticklabels()]  # too long to sit side by side
    [90.0, 90.0, 90.0, 90.0]
    """

    def plot(
        self,
        *,
        include_values=None,
        cmap="viridis",
        xticks_rotation=None,
        values_format=None,
        ax=None,
        colorbar=True,
        im_kw=None,
        text_kw=None,
    ):
        """Plot the confusion matrix.

        Parameters
        ----------
        include_values : bool, default=None
            Write the values in the cells; default: when there are at most 20 classes and the
            values fit their cells in a font of at least 6 points.
        cmap : str or matplotlib Colormap, default="viridis"
            Colormap of the cells.
        xticks_rotation : {"vertical", "horizontal"} or float, default=None
            Rotation of the x tick labels; default: horizontal when they fit side by side,
            vertical otherwise. An explicit value keeps every label (no thinning on x).
        values_format : str, default=None
            Format of the cell values; default ``"d"`` or ``".2g"``, whichever is shorter.
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure sized for the number of classes.
        colorbar : bool, default=True
            Whether to add a colour bar.
        im_kw : dict, default=None
            Keyword arguments of ``Axes.imshow``.
        text_kw : dict, default=None
            Keyword arguments of ``Axes.text`` for the cell values.

        Returns
        -------
        display : ConfusionMatrixDisplay
            This display, with ``im_``, ``text_``, ``ax_`` and ``figure_`` set.
        """
        cm = np.asarray(self.confusion_matrix)
        if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
            raise InputError(
                f"confusion_matrix must be a non-empty square array (n_classes, n_classes); "
                f"got shape {cm.shape}"
            )
        n = cm.shape[0]
        names = np.arange(n) if self.display_labels is None else np.asarray(self.display_labels)
        if len(names) != n:
            raise InputError(
                f"display_labels has {len(names)} names but the matrix has {n} classes; pass "
                "one name per class, in the order of labels"
            )
        names = [str(name) for name in names]
        if ax is None:
            ax = new_axes(figure_size("confusion_matrix", n_classes=n, label_length=longest(names)))
        text_kw = dict(text_kw or {})
        fontsize = text_kw.get("fontsize", _value_fontsize(ax, cm, values_format))
        if include_values is None:  # values only where they can be read
            include_values = n <= MAX_ANNOTATED_CLASSES and (
                "fontsize" in text_kw or fontsize >= _MIN_VALUE_FONTSIZE
            )
        if include_values and "fontsize" not in text_kw:
            text_kw["fontsize"] = max(fontsize, 4.0)
        super().plot(
            include_values=include_values,
            cmap=cmap,
            xticks_rotation="horizontal" if xticks_rotation is None else xticks_rotation,
            values_format=values_format,
            ax=ax,
            colorbar=colorbar,
            im_kw=im_kw,
            text_kw=text_kw,
        )
        positions = np.arange(n)
        if xticks_rotation is None:
            readable_ticks(self.ax_, "x", positions, names)
        readable_ticks(self.ax_, "y", positions, names)
        return self

    @classmethod
    @validate_params(
        {"estimator": "no_validation", "X": "no_validation", "y": ["array-like"],
         **_PLOT_CONSTRAINTS},
        prefer_skip_nested_validation=True,
    )
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        labels=None,
        sample_weight=None,
        normalize=None,
        display_labels=None,
        include_values=None,
        xticks_rotation=None,
        values_format=None,
        cmap="viridis",
        ax=None,
        colorbar=True,
        im_kw=None,
        text_kw=None,
    ):
        """Plot the confusion matrix of a fitted classifier on ``X``, ``y``.

        Parameters
        ----------
        estimator : fitted classifier, Pipeline or search
            Its ``predict(X)`` gives the predicted labels.
        X : array-like
            Input samples, as the estimator takes them.
        y : array-like of shape (n_samples,)
            True labels.
        labels : array-like of shape (n_classes,), default=None
            Classes and their order; default: ``estimator.classes_`` (each kept even when never
            predicted) and the labels of ``y`` that the model does not know, sorted together
            as scikit-learn sorts labels. Every sample is counted, as in scikit-learn's display:
            those of a class the model does not know are all in off-diagonal cells.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        normalize : {"true", "pred", "all"}, default=None
            As in :func:`sklearn.metrics.confusion_matrix`.
        display_labels : array-like of shape (n_classes,), default=None
            Class names, in ``labels`` order; default: the labels.
        include_values : bool, default=None
            Write the values in the cells; default: when there are at most 20 classes.
        xticks_rotation : {"vertical", "horizontal"} or float, default=None
            Rotation of the x tick labels; default: horizontal when they fit, else vertical.
        values_format : str, default=None
            Format of the cell values (see :meth:`plot`).
        cmap : str or matplotlib Colormap, default="viridis"
            Colormap of the cells.
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure sized for the number of classes.
        colorbar : bool, default=True
            Whether to add a colour bar.
        im_kw : dict, default=None
            Keyword arguments of ``Axes.imshow``.
        text_kw : dict, default=None
            Keyword arguments of ``Axes.text`` for the cell values.

        Returns
        -------
        display : ConfusionMatrixDisplay
            The plotted display.

        Examples
        --------
        A model fitted on classes 0 and 1, shown samples of 0, 1 and 2: the samples of class 2
        are counted in a row of their own.

        >>> from matplotlib.figure import Figure
        >>> from sklearn.dummy import DummyClassifier
        >>> clf = DummyClassifier(strategy="most_frequent").fit([[0]] * 3, [0, 0, 1])
        >>> disp = ConfusionMatrixDisplay.from_estimator(
        ...     clf, [[0]] * 4, [0, 1, 2, 2], ax=Figure().subplots())
        >>> disp.display_labels.tolist(), disp.confusion_matrix.tolist()
        ([0, 1, 2], [[1, 0, 0], [1, 0, 0], [2, 0, 0]])
        """
        check_fitted_classifier(estimator, f"{cls.__name__}.from_estimator")
        if labels is None:
            labels, _ = _model_labels(getattr(estimator, "classes_", None), y)
        return cls.from_predictions(
            y,
            estimator.predict(X),
            labels=labels,
            sample_weight=sample_weight,
            normalize=normalize,
            display_labels=display_labels,
            include_values=include_values,
            xticks_rotation=xticks_rotation,
            values_format=values_format,
            cmap=cmap,
            ax=ax,
            colorbar=colorbar,
            im_kw=im_kw,
            text_kw=text_kw,
        )

    @classmethod
    @validate_params(
        {"y_true": ["array-like"], "y_pred": ["array-like"], **_PLOT_CONSTRAINTS},
        prefer_skip_nested_validation=True,
    )
    def from_predictions(
        cls,
        y_true,
        y_pred,
        *,
        labels=None,
        sample_weight=None,
        normalize=None,
        display_labels=None,
        include_values=None,
        xticks_rotation=None,
        values_format=None,
        cmap="viridis",
        ax=None,
        colorbar=True,
        im_kw=None,
        text_kw=None,
    ):
        """Plot the confusion matrix of true and predicted labels.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.
        y_pred : array-like of shape (n_samples,)
            Predicted labels.
        labels : array-like of shape (n_classes,), default=None
            Classes and their order, of the type of ``y_true``, at least one of them in it;
            default: the sorted union of both. As in scikit-learn, samples of a class left out
            are left out of the matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, finite, one per sample.
        normalize : {"true", "pred", "all"}, default=None
            As in :func:`sklearn.metrics.confusion_matrix`; the values are then written with
            two decimals unless ``values_format`` says otherwise.
        display_labels : array-like of shape (n_classes,), default=None
            Class names, in ``labels`` order; default: the labels.
        include_values : bool, default=None
            Write the values in the cells; default: when there are at most 20 classes.
        xticks_rotation : {"vertical", "horizontal"} or float, default=None
            Rotation of the x tick labels; default: horizontal when they fit, else vertical.
        values_format : str, default=None
            Format of the cell values (see :meth:`plot`).
        cmap : str or matplotlib Colormap, default="viridis"
            Colormap of the cells.
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure sized for the number of classes.
        colorbar : bool, default=True
            Whether to add a colour bar.
        im_kw : dict, default=None
            Keyword arguments of ``Axes.imshow``.
        text_kw : dict, default=None
            Keyword arguments of ``Axes.text`` for the cell values.

        Returns
        -------
        display : ConfusionMatrixDisplay
            The plotted display.

        Raises
        ------
        InputError
            As :func:`skimgclf.metrics.per_class_metrics` refuses the labels (missing ones,
            str mixed with numbers, scores given as labels, ``labels`` of another type than
            ``y_true`` or none of them in it), or for ``sample_weight`` not one finite number
            per sample.

        Examples
        --------
        >>> from matplotlib.figure import Figure
        >>> ConfusionMatrixDisplay.from_predictions(
        ...     [0, 1, 1], [0, 1, 0], labels=["0", "1"], ax=Figure().subplots())
        Traceback (most recent call last):
        ...
        skimgclf.exceptions.InputError: y_true holds number labels (e.g. 0) but labels holds str...
        """
        y_true, y_pred, labels = _check_targets(y_true, y_pred, labels)
        sample_weight = _check_sample_weight(sample_weight, len(y_true))
        cm = _sk_metrics.confusion_matrix(
            y_true, y_pred, labels=labels, sample_weight=sample_weight, normalize=normalize
        )
        if values_format is None and normalize is not None:
            values_format = ".2f"
        display = cls(cm, display_labels=labels if display_labels is None else display_labels)
        return display.plot(
            include_values=include_values,
            cmap=cmap,
            xticks_rotation=xticks_rotation,
            values_format=values_format,
            ax=ax,
            colorbar=colorbar,
            im_kw=im_kw,
            text_kw=text_kw,
        )


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        **{k: v for k, v in _PLOT_CONSTRAINTS.items()
           if k in {"labels", "display_labels", "normalize", "include_values", "cmap",
                    "colorbar", "ax"}},
    },
    prefer_skip_nested_validation=True,
)
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
    """Confusion matrix (rows true, columns predicted), drawn by :class:`ConfusionMatrixDisplay`.

    A shortcut for ``ConfusionMatrixDisplay.from_predictions(...).ax_`` with a blue colormap.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like, default=None
        Classes and their order (default: sorted union of both).
    display_labels : list of str, default=None
        Tick labels, one per class.
    normalize : {"true", "pred", "all"}, default=None
        As in :func:`sklearn.metrics.confusion_matrix`.
    include_values : bool, default=None
        Write the counts in the cells; default: only up to 20 classes.
    cmap : str, default="Blues"
        Colormap of the cells.
    colorbar : bool, default=True
        Whether to add a colour bar.
    ax : matplotlib Axes, default=None
        Draw here; a new pyplot figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    See Also
    --------
    ConfusionMatrixDisplay : The display, with its artists.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> ax = plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], ax=ax)
    >>> ax.get_xlabel(), ax.images[0].get_array().tolist()
    ('Predicted label', [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    """
    return ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=labels,
        display_labels=display_labels,
        normalize=normalize,
        include_values=include_values,
        cmap=cmap,
        colorbar=colorbar,
        ax=ax,
    ).ax_


def _check_sample_weight(sample_weight, n_samples):
    """``sample_weight`` as one finite float per sample (or None), or a clear error."""
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(sample_weight, dtype=float)
    except (TypeError, ValueError):  # strs, ragged lists
        raise InputError(
            "sample_weight must hold one number per sample; got values that are not numbers"
        ) from None
    if weights.shape != (n_samples,):
        raise InputError(
            f"sample_weight has shape {weights.shape} but there are {n_samples} samples; pass "
            "one weight per sample of y_true"
        )
    if not np.isfinite(weights).all():
        raise InputError(
            f"sample_weight holds NaN or infinite weights at index "
            f"{np.flatnonzero(~np.isfinite(weights))[:5].tolist()}; pass finite weights"
        )
    return weights


def _value_fontsize(ax, cm, values_format):
    """Font size (points) at which the widest cell value fits its cell, at most 10."""
    n = cm.shape[0]
    box = ax.get_position()
    width, height = ax.figure.get_size_inches()
    cell = min(box.width * width, box.height * height) * 72 * 0.8 / n
    if values_format is not None:
        widest = max(len(format(v, values_format)) for v in cm.ravel())
    elif cm.dtype.kind == "f":
        widest = 4
    else:
        widest = len(str(int(np.max(np.abs(cm))))) + (1 if cm.min() < 0 else 0)
    return float(min(cell / (0.62 * widest + 0.5), 10.0))
