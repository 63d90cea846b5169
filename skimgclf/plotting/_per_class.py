"""Grouped bars of per-class metrics (recall, precision, F1, ...), one group per class.

The metrics that can be drawn, their names and whether they need scores come from
:data:`skimgclf.metrics.METRIC_COLUMNS`, read when a figure is drawn.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from .._sklearn_compat import Options, StrOptions, validate_params
from ..exceptions import InputError, InputTypeError
from ..inspection import _class_scores
from ..metrics import (
    PerClassMetrics,
    _ColumnName,
    _metric_column,
    _model_labels,
    per_class_metrics,
)
from ._estimator import check_fitted_classifier
from ._layout import axes_or_new, figure_size, legend_outside, longest, readable_ticks

__all__ = ["PerClassMetricsDisplay", "plot_per_class"]

#: The columns drawn by default: a class's recall (its accuracy in the usual sense) first.
DEFAULT_COLUMNS = ("recall", "precision", "f1")

_PLOT_CONSTRAINTS = {
    "columns": ["array-like"],
    "sort_by": [_ColumnName(), None],
    "ax": "no_validation",
    "bar_kwargs": [dict, None],
}


class PerClassMetricsDisplay:
    """Per-class metrics as grouped bars, one group per class, one bar per metric.

    Build it with :meth:`from_estimator`, :meth:`from_predictions` or :meth:`from_metrics`;
    the constructor takes a :class:`~skimgclf.metrics.PerClassMetrics` table. Class names are
    rotated when they do not fit side by side, the legend sits right of the axes, and the
    metrics have the names of :data:`~skimgclf.metrics.METRIC_COLUMNS` ("F1", "one-vs-rest
    accuracy", "area ratio").

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

    Any column of :data:`~skimgclf.metrics.METRIC_COLUMNS` can be drawn; those that need
    scores (the area ratio) only from a table computed with them:

    >>> disp = PerClassMetricsDisplay.from_predictions(
    ...     [0, 0, 1, 1], [0, 1, 1, 1], columns=["ovr_accuracy"], ax=Figure().subplots())
    >>> disp.ax_.get_ylabel()
    'one-vs-rest accuracy'
    """

    def __init__(self, metrics):
        if not isinstance(metrics, PerClassMetrics):
            raise InputTypeError(
                f"expected PerClassMetrics (from skimgclf.metrics.per_class_metrics), got "
                f"{type(metrics).__name__}"
            )
        self.metrics = metrics

    def plot(self, ax=None, *, columns=DEFAULT_COLUMNS, sort_by=None,
             bar_kwargs=None):
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure sized for the number of classes.
        columns : sequence of str, default=("recall", "precision", "f1")
            Names of :data:`~skimgclf.metrics.METRIC_COLUMNS` to draw (ratios in [0, 1]; the
            area ratio may be negative), among those the table holds.
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
        specs = _column_specs(columns)
        if not specs:
            raise InputError("columns is empty; name at least one metric column to draw")
        sort_spec = _column_specs([sort_by])[0] if sort_by else None
        for spec in specs + ([sort_spec] if sort_spec else []):
            metrics[spec.name]  # a KeyError naming the valid columns, or asking for scores
        order = np.arange(len(metrics))
        if sort_spec:
            values = np.asarray(metrics[sort_spec.name], dtype=float)
            order = np.argsort(np.where(np.isnan(values), np.inf, -values), kind="stable")
        n = len(order)
        names = [str(metrics.names[i]) for i in order]
        ax, fig = axes_or_new(
            ax,
            figure_size("per_class", n_classes=n, n_series=len(specs),
                        label_length=longest(names)),
        )
        width = 0.8 / len(specs)
        x = np.arange(n)
        self.bars_ = {}
        for j, spec in enumerate(specs):
            kwargs = {"width": width, "label": spec.label, **(bar_kwargs or {})}
            self.bars_[spec.name] = ax.bar(
                x + (j - (len(specs) - 1) / 2) * width,
                np.asarray(metrics[spec.name], dtype=float)[order],
                **kwargs,
            )
        ax.set_xlim(-0.6, n - 0.4)
        readable_ticks(ax, "x", x, names)
        ratios = all(spec.kind == "ratio" for spec in specs)
        ax.set_ylabel(("score" if ratios else "value") if len(specs) > 1 else specs[0].label)
        ax.set_xlabel("class" + (f" (sorted by {sort_spec.label})" if sort_spec else ""))
        self.legend_ = None
        if len(specs) > 1:
            handles = list(self.bars_.values())
            self.legend_ = legend_outside(ax, handles, [spec.label for spec in specs])
        ax.set_title("per-class " + ", ".join(spec.label for spec in specs))
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
        columns=DEFAULT_COLUMNS,
        sort_by=None,
        ax=None,
        bar_kwargs=None,
    ):
        """Plot the per-class metrics of a fitted classifier on ``X``, ``y``.

        Parameters
        ----------
        estimator : fitted classifier, Pipeline or search
            Its ``predict`` gives the labels; ``predict_proba`` (or ``decision_function``)
            the scores of a column that needs them (the area ratio) when one is drawn.
        X : array-like
            Input samples, as the estimator takes them.
        y : array-like of shape (n_samples,)
            True labels. Every sample is counted: the classes shown are
            ``estimator.classes_`` (each kept even when never predicted) and the labels of
            ``y`` that the model does not know, sorted together as scikit-learn sorts labels.
            Such a class has recall 0, and area ratio 0: the model gives it no score.
        target_names : list of str, default=None
            Class names, one per class shown, in that order (``estimator.classes_`` order
            when ``y`` holds no other class).
        zero_division : {"warn", 0.0, 1.0, np.nan}, default=0.0
            Value of undefined ratios, as in :func:`~skimgclf.metrics.per_class_metrics`.
        columns : sequence of str, default=("recall", "precision", "f1")
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
        check_fitted_classifier(estimator, f"{cls.__name__}.from_estimator")
        specs = _column_specs(columns)
        sort_spec = _column_specs([sort_by])[0] if sort_by else None
        columns = [spec.name for spec in specs]  # old names warned once, here
        sort_by = sort_spec.name if sort_spec else None
        needs_scores = any(spec.needs_scores for spec in [*specs, sort_spec] if spec)
        y_score = _class_scores(estimator, X) if needs_scores else None
        labels, y_score = _model_labels(getattr(estimator, "classes_", None), y, y_score)
        return cls.from_predictions(
            y,
            estimator.predict(X),
            y_score=y_score,
            labels=labels,
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
        columns=DEFAULT_COLUMNS,
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
            Scores for the columns that need them (the area ratio), columns in ``labels``
            order.
        labels : array-like of shape (n_classes,), default=None
            Classes and their order; default: the sorted union of both.
        target_names : list of str, default=None
            Class names in ``labels`` order.
        zero_division : {"warn", 0.0, 1.0, np.nan}, default=0.0
            Value of undefined ratios.
        columns : sequence of str, default=("recall", "precision", "f1")
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
    def from_metrics(cls, metrics, *, columns=DEFAULT_COLUMNS, sort_by=None,
                     ax=None, bar_kwargs=None):
        """Plot a per-class metric table computed before.

        Parameters
        ----------
        metrics : PerClassMetrics
            From :func:`~skimgclf.metrics.per_class_metrics` or ``top_classes``.
        columns : sequence of str, default=("recall", "precision", "f1")
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
    {"metrics": "no_validation", "columns": ["array-like"], "sort_by": [_ColumnName(), None],
     "ax": "no_validation"},
    prefer_skip_nested_validation=True,
)
def plot_per_class(metrics, *, columns=DEFAULT_COLUMNS, sort_by=None, ax=None):
    """Grouped bars of per-class metrics, one group per class.

    A shortcut for :meth:`PerClassMetricsDisplay.from_metrics` returning the Axes.

    Parameters
    ----------
    metrics : PerClassMetrics
        From :func:`skimgclf.metrics.per_class_metrics` (or a :func:`top_classes` selection).
    columns : sequence of str, default=("recall", "precision", "f1")
        Names of :data:`~skimgclf.metrics.METRIC_COLUMNS` to draw (ratios in [0, 1]; the
        ``area_ratio`` may be negative).
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


def _column_specs(columns):
    """The :class:`~skimgclf.metrics.MetricColumn` entries named (an old name warns once)."""
    if isinstance(columns, str):
        columns = [columns]
    specs = []
    for name in columns:
        # an old name's warning points at the caller of plot (_metric_column, here, plot, it)
        spec = _metric_column(name, stacklevel=4)
        if spec not in specs:
            specs.append(spec)
    return specs
