"""Grouped bars of per-class metrics (precision, recall, F1, ...), one group per class."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted

from .._sklearn_compat import Options, StrOptions, validate_params
from ..exceptions import InputError, InputTypeError
from ..inspection import _class_scores
from ..metrics import COLUMNS, PerClassMetrics, per_class_metrics
from ._layout import axes_or_new, figure_size, legend_outside, longest, readable_ticks

__all__ = ["PerClassMetricsDisplay", "plot_per_class"]

#: Legend and axis labels of the metric columns.
LABELS = {
    "accuracy": "accuracy (one-vs-rest)",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "bcr": "BCR",
    "aggregate": "aggregate",
    "area_ratio": "area ratio",
    "support": "support",
}

_PLOT_CONSTRAINTS = {
    "columns": ["array-like"],
    "sort_by": [StrOptions(set(COLUMNS)), None],
    "ax": "no_validation",
    "bar_kwargs": [dict, None],
}


class PerClassMetricsDisplay:
    """Per-class metrics as grouped bars, one group per class, one bar per metric.

    Build it with :meth:`from_estimator`, :meth:`from_predictions` or :meth:`from_metrics`;
    the constructor takes a :class:`~skimgclf.metrics.PerClassMetrics` table. Class names are
    rotated when they do not fit side by side, the legend sits right of the axes, and the
    metrics have readable names ("F1", "area ratio").

    Parameters
    ----------
    metrics : PerClassMetrics
        From :func:`skimgclf.metrics.per_class_metrics` (or a ``top_classes`` selection).

    Attributes
    ----------
    bars_ : dict of str to matplotlib BarContainer
        The bars of each metric drawn, keyed by column name.
    ax_ : matplotlib Axes
        Axes with the bars.
    legend_ : matplotlib Legend or None
        Right of the axes; None when one metric is drawn (it names the y axis instead).
    figure_ : matplotlib Figure
        Figure containing the bars.

    See Also
    --------
    skimgclf.metrics.per_class_metrics : The table drawn.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> disp = PerClassMetricsDisplay.from_predictions(
    ...     [0, 0, 1, 1], [0, 1, 1, 1], columns=["recall", "f1"], ax=Figure().subplots())
    >>> [float(bar.get_height()) for bar in disp.bars_["recall"]]
    [0.5, 1.0]
    >>> [text.get_text() for text in disp.legend_.get_texts()]
    ['recall', 'F1']
    """

    def __init__(self, metrics):
        if not isinstance(metrics, PerClassMetrics):
            raise InputTypeError(
                f"expected PerClassMetrics (from skimgclf.metrics.per_class_metrics), got "
                f"{type(metrics).__name__}"
            )
        self.metrics = metrics

    def plot(self, ax=None, *, columns=("precision", "recall", "f1"), sort_by=None,
             bar_kwargs=None):
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure sized for the number of classes.
        columns : sequence of str, default=("precision", "recall", "f1")
            Metric columns to draw (ratios in [0, 1]; the area ratio may be negative).
        sort_by : str, default=None
            Order the classes by this column, best first (NaN last); default: label order.
        bar_kwargs : dict, default=None
            Keyword arguments of ``Axes.bar`` for every metric (``alpha``, ``edgecolor``...).

        Returns
        -------
        display : PerClassMetricsDisplay
            This display, with ``bars_``, ``ax_``, ``legend_`` and ``figure_`` set.
        """
        metrics = self.metrics
        if isinstance(columns, str):
            columns = [columns]
        columns = list(columns)
        if not columns:
            raise InputError("columns is empty; name at least one metric column to draw")
        for column in columns + ([sort_by] if sort_by else []):
            metrics[column]  # raises a KeyError naming the valid columns
        order = np.arange(len(metrics))
        if sort_by:
            values = np.asarray(metrics[sort_by], dtype=float)
            order = np.argsort(np.where(np.isnan(values), np.inf, -values), kind="stable")
        n = len(order)
        names = [str(metrics.names[i]) for i in order]
        ax, fig = axes_or_new(
            ax,
            figure_size("per_class", n_classes=n, n_series=len(columns),
                        label_length=longest(names)),
        )
        width = 0.8 / len(columns)
        x = np.arange(n)
        self.bars_ = {}
        for j, column in enumerate(columns):
            kwargs = {"width": width, "label": LABELS[column], **(bar_kwargs or {})}
            self.bars_[column] = ax.bar(
                x + (j - (len(columns) - 1) / 2) * width,
                np.asarray(metrics[column], dtype=float)[order],
                **kwargs,
            )
        ax.set_xlim(-0.6, n - 0.4)
        readable_ticks(ax, "x", x, names)
        ratios = "support" not in columns
        ax.set_ylabel(("score" if ratios else "value") if len(columns) > 1 else LABELS[columns[0]])
        ax.set_xlabel("class" + (f" (sorted by {LABELS[sort_by]})" if sort_by else ""))
        self.legend_ = None
        if len(columns) > 1:
            handles = list(self.bars_.values())
            self.legend_ = legend_outside(ax, handles, [LABELS[c] for c in columns])
        ax.set_title("per-class " + ", ".join(LABELS[c] for c in columns))
        self.ax_, self.figure_ = ax, fig
        return self

    @classmethod
    @validate_params(
        {
            "estimator": "no_validation",
            "X": "no_validation",
            "y": ["array-like"],
            "target_names": ["array-like", None],
            "zero_division": [Options(Real, {0.0, 1.0}), "nan", StrOptions({"warn"})],
            **_PLOT_CONSTRAINTS,
        },
        prefer_skip_nested_validation=True,
    )
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        target_names=None,
        zero_division=0.0,
        columns=("precision", "recall", "f1"),
        sort_by=None,
        ax=None,
        bar_kwargs=None,
    ):
        """Plot the per-class metrics of a fitted classifier on ``X``, ``y``.

        Parameters
        ----------
        estimator : fitted classifier, Pipeline or search
            Its ``predict`` gives the labels; ``predict_proba`` (or ``decision_function``)
            the scores of the area ratio when that column is drawn.
        X : array-like
            Input samples, as the estimator takes them.
        y : array-like of shape (n_samples,)
            True labels.
        target_names : list of str, default=None
            Class names in ``estimator.classes_`` order.
        zero_division : {"warn", 0.0, 1.0, np.nan}, default=0.0
            Value of undefined ratios, as in :func:`~skimgclf.metrics.per_class_metrics`.
        columns : sequence of str, default=("precision", "recall", "f1")
            Metric columns to draw.
        sort_by : str, default=None
            Order the classes by this column, best first; default: label order.
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure sized for the number of classes.
        bar_kwargs : dict, default=None
            Keyword arguments of ``Axes.bar`` for every metric.

        Returns
        -------
        display : PerClassMetricsDisplay
            The plotted display.

        Raises
        ------
        NotFittedError
            When the estimator was not fitted.
        """
        if not is_classifier(estimator):
            raise InputError(
                f"{cls.__name__}.from_estimator needs a classifier; got "
                f"{type(estimator).__name__}"
            )
        check_is_fitted(estimator)
        wanted = set(columns if not isinstance(columns, str) else [columns]) | {sort_by}
        y_score = _class_scores(estimator, X) if "area_ratio" in wanted else None
        return cls.from_predictions(
            y,
            estimator.predict(X),
            y_score=y_score,
            labels=getattr(estimator, "classes_", None),
            target_names=target_names,
            zero_division=zero_division,
            columns=columns,
            sort_by=sort_by,
            ax=ax,
            bar_kwargs=bar_kwargs,
        )

    @classmethod
    @validate_params(
        {
            "y_true": ["array-like"],
            "y_pred": ["array-like"],
            "y_score": ["array-like", None],
            "labels": ["array-like", None],
            "target_names": ["array-like", None],
            "zero_division": [Options(Real, {0.0, 1.0}), "nan", StrOptions({"warn"})],
            **_PLOT_CONSTRAINTS,
        },
        prefer_skip_nested_validation=True,
    )
    def from_predictions(
        cls,
        y_true,
        y_pred,
        *,
        y_score=None,
        labels=None,
        target_names=None,
        zero_division=0.0,
        columns=("precision", "recall", "f1"),
        sort_by=None,
        ax=None,
        bar_kwargs=None,
    ):
        """Plot the per-class metrics of true and predicted labels.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.
        y_pred : array-like of shape (n_samples,)
            Predicted labels.
        y_score : array-like of shape (n_samples, n_classes), default=None
            Scores for the area ratio, columns in ``labels`` order.
        labels : array-like of shape (n_classes,), default=None
            Classes and their order; default: the sorted union of both.
        target_names : list of str, default=None
            Class names in ``labels`` order.
        zero_division : {"warn", 0.0, 1.0, np.nan}, default=0.0
            Value of undefined ratios.
        columns : sequence of str, default=("precision", "recall", "f1")
            Metric columns to draw.
        sort_by : str, default=None
            Order the classes by this column, best first; default: label order.
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure sized for the number of classes.
        bar_kwargs : dict, default=None
            Keyword arguments of ``Axes.bar`` for every metric.

        Returns
        -------
        display : PerClassMetricsDisplay
            The plotted display.
        """
        metrics = per_class_metrics(
            y_true,
            y_pred,
            y_score=y_score,
            labels=labels,
            target_names=target_names,
            zero_division=zero_division,
        )
        return cls.from_metrics(
            metrics, columns=columns, sort_by=sort_by, ax=ax, bar_kwargs=bar_kwargs
        )

    @classmethod
    @validate_params(
        {"metrics": "no_validation", **_PLOT_CONSTRAINTS}, prefer_skip_nested_validation=True
    )
    def from_metrics(cls, metrics, *, columns=("precision", "recall", "f1"), sort_by=None,
                     ax=None, bar_kwargs=None):
        """Plot a per-class metric table computed before.

        Parameters
        ----------
        metrics : PerClassMetrics
            From :func:`~skimgclf.metrics.per_class_metrics` or ``top_classes``.
        columns : sequence of str, default=("precision", "recall", "f1")
            Metric columns to draw.
        sort_by : str, default=None
            Order the classes by this column, best first; default: label order.
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure sized for the number of classes.
        bar_kwargs : dict, default=None
            Keyword arguments of ``Axes.bar`` for every metric.

        Returns
        -------
        display : PerClassMetricsDisplay
            The plotted display.
        """
        return cls(metrics).plot(ax=ax, columns=columns, sort_by=sort_by, bar_kwargs=bar_kwargs)


@validate_params(
    {"metrics": "no_validation", "columns": ["array-like"], "sort_by": [str, None],
     "ax": "no_validation"},
    prefer_skip_nested_validation=True,
)
def plot_per_class(metrics, *, columns=("precision", "recall", "f1"), sort_by=None, ax=None):
    """Grouped bars of per-class metrics, one group per class.

    A shortcut for :meth:`PerClassMetricsDisplay.from_metrics` returning the Axes.

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
        The Axes drawn on.

    See Also
    --------
    PerClassMetricsDisplay : The display, with its artists.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from skimgclf.metrics import per_class_metrics
    >>> m = per_class_metrics([0, 0, 1, 1], [0, 1, 1, 1])
    >>> ax = plot_per_class(m, columns=["recall"], ax=Figure().subplots())
    >>> [float(bar.get_height()) for bar in ax.patches]
    [0.5, 1.0]
    """
    return PerClassMetricsDisplay(metrics).plot(ax=ax, columns=columns, sort_by=sort_by).ax_
