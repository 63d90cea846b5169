"""Per-class metrics as the studies report them, computed with scikit-learn's own functions.

Each column of the table is one entry of :data:`METRIC_COLUMNS` (its name, its heading, how it is
computed, its format, whether it needs scores, what it means), read one-vs-rest from the confusion
matrix of each class ``k``: ``TP`` = samples of ``k`` predicted ``k``, ``FP`` = other samples
predicted ``k``, ``FN`` = samples of ``k`` predicted something else, ``TN`` = the rest, ``N`` =
all samples. The tables, the Markdown report and the per-class bars all follow that one list, in
its order: recall (the share of a class's samples that are recognised, the class's accuracy in
the usual sense) and precision first. The one-vs-rest accuracy ``(TP + TN) / N`` is named as such
(``ovr_accuracy``): it is high for every class when there are many classes, because ``TN``
dominates, and its mean is *not* the overall accuracy (the fraction of all samples classified
correctly), which is reported on its own. A column that needs scores (the area ratio) is left
out of a table computed without them.

Undefined ratios (a class never predicted has no precision; a class never present has no recall)
take the ``zero_division`` value, exactly as in scikit-learn, and BCR / aggregate follow from it.

Labels are ints (or floats holding whole numbers) or strs, one type for ``y_true``, ``y_pred`` and
``labels`` together; missing labels (NaN, None), scores given as labels and mixed types are refused
with a message that says which input holds them and where.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.utils.multiclass import unique_labels

from ._labels import as_labels
from ._markdown import markdown_table
from ._sklearn_compat import CustomConstraint, Interval, Options, StrOptions, validate_params
from .exceptions import InputError

__all__ = [
    "COLUMNS",
    "METRIC_COLUMNS",
    "ConfusedPair",
    "MetricColumn",
    "PerClassMetrics",
    "classification_report",
    "most_confused",
    "per_class_metrics",
    "top_classes",
]

# Old column names: they still answer, with a FutureWarning, until the release named here.
_RENAMED = {"accuracy": ("ovr_accuracy", "0.1", "0.3")}


@dataclass(frozen=True)
class MetricColumn:
    """One column of the per-class metric table: what it is called, computed from and shown as.

    :data:`METRIC_COLUMNS` lists them in table order; the text and Markdown tables of
    :class:`PerClassMetrics`, the Markdown of :class:`~skimgclf.report.ModelReport` and the bars
    of :class:`~skimgclf.plotting.PerClassMetricsDisplay` all read that list, so that adding a
    column is adding one entry.

    Parameters
    ----------
    name : str
        Key of the column (``metrics[name]``, ``to_dict``, ``columns=``, ``by=``, ``sort_by=``).
    label : str
        Heading of the column in tables and its name in legends and axis labels.
    compute : callable
        ``compute(t)`` returns one value per class, in ``t.labels`` order. ``t[name]`` is another
        column (computed once), ``t.tp``, ``t.fp``, ``t.fn``, ``t.tn`` the one-vs-rest counts
        per class, ``t.n`` the number of samples, ``t.prfs`` the output of
        :func:`sklearn.metrics.precision_recall_fscore_support`, and ``t.y_true``, ``t.y_pred``,
        ``t.y_score`` (checked, ``(n_samples, n_classes)``, or None), ``t.labels``,
        ``t.zero_division`` the inputs.
    description : str
        What the column means, for the documentation and the report.
    kind : {"ratio", "count"}, default="ratio"
        A ratio is shown with the table's decimals and averaged over the classes (macro, and
        weighted by support); a count is shown as an int and summed.
    needs_scores : bool, default=False
        The column is computed only when scores are given (``y_score``); otherwise the table
        leaves it out rather than holding a column of NaN.

    See Also
    --------
    per_class_metrics : Computes the columns of :data:`METRIC_COLUMNS`.

    Examples
    --------
    >>> [column.name for column in METRIC_COLUMNS]
    ['recall', 'precision', 'f1', 'support', 'bcr', 'ovr_accuracy', 'aggregate', 'area_ratio']
    >>> miss = MetricColumn("miss_rate", "miss rate", lambda t: 1 - t["recall"],
    ...                     "share of the class's samples predicted as another class")
    >>> miss.format(0.25, 2), miss.needs_scores
    ('0.25', False)
    """

    name: str
    label: str
    compute: Callable = field(repr=False)
    description: str = ""
    kind: str = "ratio"
    needs_scores: bool = False

    def format(self, value, digits) -> str:
        """One cell of a text or Markdown table.

        Parameters
        ----------
        value : float or int
            The value of one class (or an average).
        digits : int
            Decimal places of a ratio.

        Returns
        -------
        str
            A count as an int, a ratio with ``digits`` decimals, NaN as ``"nan"``.

        Examples
        --------
        >>> METRIC_COLUMNS[0].format(2 / 3, 3), METRIC_COLUMNS[3].format(12, 3)
        ('0.667', '12')
        """
        if value is None or np.isnan(value):
            return "nan"
        if self.kind == "count":
            return str(int(value))
        return f"{value:.{digits}f}"


#: The per-class columns, in table order (recall and precision first).
#:
#: Every output of the per-class metrics reads this list; see :class:`MetricColumn`.
METRIC_COLUMNS = (
    MetricColumn(
        "recall", "recall", lambda t: t.prfs[1],
        "share of the class's samples predicted as the class, TP / (TP + FN): the class's "
        "accuracy in the usual sense",
    ),
    MetricColumn(
        "precision", "precision", lambda t: t.prfs[0],
        "share of the samples predicted as the class that belong to it, TP / (TP + FP)",
    ),
    MetricColumn("f1", "F1", lambda t: t.prfs[2], "harmonic mean of precision and recall"),
    MetricColumn(
        "support", "support", lambda t: t.prfs[3].astype(int),
        "number of samples of the class", kind="count",
    ),
    MetricColumn(
        "bcr", "BCR", lambda t: (t["precision"] + t["recall"]) / 2,
        "(precision + recall) / 2, the face-identity study's BCR",
    ),
    MetricColumn(
        "ovr_accuracy", "one-vs-rest accuracy", lambda t: (t.tp + t.tn) / t.n,
        "(TP + TN) / N, the accuracy of the binary 'is it this class?' decision (the face "
        "study's per-class accuracy); high for every class when there are many classes, as "
        "the true negatives dominate, and its mean is not the overall accuracy",
    ),
    MetricColumn(
        "aggregate", "aggregate",
        lambda t: (t["ovr_accuracy"] + t["precision"] + t["recall"] + t["bcr"]) / 4,
        "mean of one-vs-rest accuracy, precision, recall and BCR (the face study's aggregated "
        "score)",
    ),
    MetricColumn(
        "area_ratio", "area ratio", lambda t: _area_ratios(t.y_true, t.y_score, t.labels),
        "2 AUC - 1 of the class's one-vs-rest ROC curve (the dense-vs-convolutional study's "
        "lift-curve area ratio); only with scores, NaN for a class absent from y_true",
        needs_scores=True,
    ),
)

#: The names of :data:`METRIC_COLUMNS`, in table order.
COLUMNS = tuple(column.name for column in METRIC_COLUMNS)


def _metric_column(name, stacklevel=3) -> MetricColumn:
    """The entry of :data:`METRIC_COLUMNS` called ``name`` (an old name warns); else KeyError.

    ``stacklevel`` counts the frames from here to the user's call (this one is 1), so that the
    warning names the line that used the old name.
    """
    if name in _RENAMED:
        new, since, until = _RENAMED[name]
        warnings.warn(
            f"the per-class column {name!r} was renamed {new!r} in {since} and the old name "
            f"will be removed in {until}; it is the one-vs-rest accuracy (TP + TN) / N, while "
            "the share of a class's samples that are recognised is 'recall'",
            FutureWarning,
            stacklevel=stacklevel,
        )
        name = new
    for column in METRIC_COLUMNS:  # read at call time: a column added to the list is found
        if column.name == name:
            return column
    raise KeyError(
        f"unknown column {name!r}; choose one of "
        f"{', '.join(column.name for column in METRIC_COLUMNS)}"
    )


class _ColumnName(CustomConstraint):
    """A name of :data:`METRIC_COLUMNS` (or an old name, which warns when it is read)."""

    def is_satisfied_by(self, val):
        return isinstance(val, str) and (
            val in _RENAMED or any(val == column.name for column in METRIC_COLUMNS)
        )

    def __str__(self):
        names = ", ".join(repr(column.name) for column in METRIC_COLUMNS)
        return f"a column name of skimgclf.metrics.METRIC_COLUMNS ({names})"


class _Columns(dict):
    """A dict of columns where an old column name still answers, with a FutureWarning."""

    def __missing__(self, key):
        if key in _RENAMED:
            return self[_metric_column(key).name]
        raise KeyError(key)

    def get(self, key, default=None):
        if key in _RENAMED:
            return self[_metric_column(key).name]
        return super().get(key, default)


class _Inputs:
    """What a :class:`MetricColumn` computes from; each column is computed once, on demand."""

    def __init__(self, y_true, y_pred, y_score, labels, zero_division):
        self.y_true, self.y_pred, self.y_score = y_true, y_pred, y_score
        self.labels, self.zero_division = labels, zero_division
        self.n = len(y_true)
        self._done = {}

    @cached_property
    def _counts(self):
        mcm = multilabel_confusion_matrix(self.y_true, self.y_pred, labels=self.labels)
        return {key: mcm[:, i, j] for key, (i, j) in
                {"tn": (0, 0), "fp": (0, 1), "fn": (1, 0), "tp": (1, 1)}.items()}

    tp = property(lambda self: self._counts["tp"])
    fp = property(lambda self: self._counts["fp"])
    fn = property(lambda self: self._counts["fn"])
    tn = property(lambda self: self._counts["tn"])

    @cached_property
    def prfs(self):
        return precision_recall_fscore_support(
            self.y_true, self.y_pred, labels=self.labels, average=None,
            zero_division=self.zero_division,
        )

    def __getitem__(self, name):
        if name not in self._done:
            values = np.asarray(_metric_column(name).compute(self))
            if values.shape != (len(self.labels),):
                raise ValueError(
                    f"the per-class column {name!r} computed values of shape {values.shape}; "
                    f"it must give one value per class, ({len(self.labels)},)"
                )
            self._done[name] = values
        return self._done[name]


class ConfusedPair(NamedTuple):
    """One off-diagonal cell of a confusion matrix.

    ``count`` samples of class ``true`` were predicted as ``predicted``; ``rate`` is ``count``
    over the support of ``true``.

    Parameters
    ----------
    true : object
        The true class (a label of ``y_true``).
    predicted : object
        The class those samples were predicted as.
    count : int
        How many samples of ``true`` were predicted as ``predicted``.
    rate : float
        ``count`` over the number of samples of ``true``.

    See Also
    --------
    most_confused : The largest cells of a confusion matrix, as a list of these.

    Examples
    --------
    >>> pair = most_confused([7, 7, 1], [1, 7, 1])[0]
    >>> pair.true, pair.predicted, pair.count, pair.rate
    (7, 1, 1, 0.5)
    """

    true: object
    predicted: object
    count: int
    rate: float


@dataclass(frozen=True)
class PerClassMetrics:
    """Per-class metric table, its averages and the confusion matrix it came from.

    Build it with :func:`per_class_metrics`; index it by column name to get one array.

    Parameters
    ----------
    labels : ndarray of shape (n_classes,)
        The class labels, one per row.
    names : list of str
        Display names of the rows (``target_names`` or ``str(label)``), one per class: a name
        given twice, or one of the summary keys of :meth:`to_dict` (``"accuracy"``,
        ``"macro avg"``, ``"weighted avg"``), is refused, as it would overwrite a row.
    columns : dict of str to ndarray
        One array of length ``n_classes`` per column of :data:`METRIC_COLUMNS` computed: those
        that need scores only when scores were given.
    averages : dict of str to dict
        ``{"macro": {...}, "weighted": {...}}``, each mapping a column to a float (a count
        column, ``support``: the total). Empty for a :func:`top_classes` selection.
    accuracy_overall : float
        Fraction of all samples classified correctly (``accuracy_score``).
    confusion_matrix : ndarray of shape (n_classes, n_classes) or None
        Rows are true classes, columns predicted classes, in ``labels`` order.

    See Also
    --------
    per_class_metrics : Compute the table from true and predicted labels.
    classification_report : The table as text.
    skimgclf.plotting.PerClassMetricsDisplay : Plot one column per class.

    Examples
    --------
    >>> m = per_class_metrics([0, 0, 1, 1], [0, 1, 1, 1])
    >>> m["recall"]
    array([0.5, 1. ])
    >>> m.averages["macro"]["precision"]
    0.8333...
    """

    labels: np.ndarray
    names: list
    columns: dict
    averages: dict = field(default_factory=dict)
    accuracy_overall: float = float("nan")
    confusion_matrix: np.ndarray | None = None

    def __post_init__(self):
        _check_names(self.names, "names")
        # An old column name keeps answering (with a FutureWarning) in every dict of the table.
        object.__setattr__(self, "columns", _Columns(self.columns))
        object.__setattr__(
            self, "averages", {kind: _Columns(values) for kind, values in self.averages.items()}
        )

    def __getitem__(self, column: str) -> np.ndarray:
        spec = _metric_column(column)  # unknown -> KeyError naming the columns
        if spec.name not in self.columns:
            if spec.needs_scores:
                raise KeyError(
                    f"column {column!r} was not computed: it needs scores; pass y_score= "
                    "(predict_proba or decision_function) to per_class_metrics"
                )
            raise KeyError(
                f"column {column!r} is not in this table, which holds "
                f"{', '.join(self.columns)}; compute it again with per_class_metrics"
            )
        return self.columns[spec.name]

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def metric_columns(self) -> list:
        """The entries of :data:`METRIC_COLUMNS` this table holds, in table order.

        A column that needs scores is missing from a table computed without them.

        Examples
        --------
        >>> [c.label for c in per_class_metrics([0, 0, 1, 1], [0, 1, 1, 1]).metric_columns]
        ['recall', 'precision', 'F1', 'support', 'BCR', 'one-vs-rest accuracy', 'aggregate']
        """
        return [column for column in METRIC_COLUMNS if column.name in self.columns]

    def to_dict(self) -> dict:
        """Nested dict in the shape of ``sklearn.metrics.classification_report(output_dict=True)``.

        Returns
        -------
        dict
            ``{name: {column: value}}`` per class, plus ``"macro avg"``, ``"weighted avg"`` and
            ``"accuracy"`` (the overall one) when averages are present.

        Examples
        --------
        >>> per_class_metrics(["a", "b"], ["a", "a"], zero_division=0.0).to_dict()["b"]["recall"]
        0.0
        """
        shown = [column.name for column in self.metric_columns]
        out = {
            name: _Columns({c: _scalar(self.columns[c][i]) for c in shown})
            for i, name in enumerate(self.names)
        }
        for kind, values in self.averages.items():
            out[f"{kind} avg"] = _Columns({c: _scalar(values[c]) for c in shown})
        if self.averages:
            out["accuracy"] = float(self.accuracy_overall)
        return out

    @validate_params(
        {"digits": [Interval(numbers.Integral, 0, None, closed="left")]},
        prefer_skip_nested_validation=True,
    )
    def to_text(self, digits: int = 2) -> str:
        """Fixed-width text table (the layout of scikit-learn's ``classification_report``).

        Parameters
        ----------
        digits : int, default=2
            Decimal places of the ratios.

        Returns
        -------
        str
            One line per class, then the averages and the overall accuracy (when present).

        Examples
        --------
        >>> text = per_class_metrics([0, 0, 1, 1], [0, 1, 1, 1]).to_text(digits=3)
        >>> print(text.splitlines()[0])
                recall  precision     F1  support    BCR  one-vs-rest accuracy  aggregate
        >>> print(text.splitlines()[2])
                   0   0.500      1.000  0.667        2  0.750                 0.750      0.750
        """
        rows = self._rows(digits)
        headers = [column.label for column in self.metric_columns]
        name_width = max([len(r[0]) for r in rows] + [len("weighted avg")])
        widths = [max(len(h), *(len(r[j + 1]) for r in rows)) for j, h in enumerate(headers)]
        header = "".join(f"  {h:>{w}}" for h, w in zip(headers, widths, strict=True))
        lines = [" " * name_width + header, ""]
        for i, (name, *cells) in enumerate(rows):
            if i == len(self.names) and self.averages:
                lines.append("")
            cells = "".join(f"  {c:>{w}}" for c, w in zip(cells, widths, strict=True))
            lines.append(f"{name:>{name_width}}{cells}")
        if self.averages:
            overall = f"{self.accuracy_overall:.{digits}f}"
            lines += ["", f"overall accuracy (fraction correct): {overall}"]
        return "\n".join(lines) + "\n"

    @validate_params(
        {"digits": [Interval(numbers.Integral, 0, None, closed="left")]},
        prefer_skip_nested_validation=True,
    )
    def to_markdown(self, digits: int = 3) -> str:
        """GitHub-flavoured Markdown table, averages as the last rows.

        Parameters
        ----------
        digits : int, default=3
            Decimal places of the ratios.

        Returns
        -------
        str
            The table, one row per class then the averages in bold, and the overall accuracy
            (when present) as a last paragraph.

        Examples
        --------
        >>> md = per_class_metrics([0, 0, 1, 1], [0, 1, 1, 1]).to_markdown(digits=2)
        >>> print(md[md.index("| 0 |"):])
        | 0 | 0.50 | 1.00 | 0.67 | 2 | 0.75 | 0.75 | 0.75 |
        | 1 | 1.00 | 0.67 | 0.80 | 2 | 0.83 | 0.75 | 0.81 |
        | **macro avg** | 0.75 | 0.83 | 0.73 | 4 | 0.79 | 0.75 | 0.78 |
        | **weighted avg** | 0.75 | 0.83 | 0.73 | 4 | 0.79 | 0.75 | 0.78 |
        <BLANKLINE>
        Overall accuracy (fraction correct): 0.75
        """
        rows = [
            (f"**{name}**" if i >= len(self.names) else name, *cells)  # averages in bold
            for i, (name, *cells) in enumerate(self._rows(digits))
        ]
        headers = [column.label for column in self.metric_columns]
        text = markdown_table(["class", *headers], rows) + "\n"
        if self.averages:
            text += f"\nOverall accuracy (fraction correct): {self.accuracy_overall:.{digits}f}\n"
        return text

    def top_classes(self, k: int = 5, *, by: str = "aggregate", worst: bool = False):
        """The ``k`` best (or worst) classes by one column; see :func:`top_classes`.

        Parameters
        ----------
        k : int, default=5
            Number of classes (all of them if fewer).
        by : str, default="aggregate"
            Any name in :data:`COLUMNS`.
        worst : bool, default=False
            Lowest values first instead of highest.

        Returns
        -------
        PerClassMetrics
            The selected rows in rank order, without averages or confusion matrix.

        Examples
        --------
        >>> per_class_metrics([0, 0, 1, 1], [0, 1, 1, 1]).top_classes(1, by="recall").names
        ['1']
        """
        return top_classes(self, k, by=by, worst=worst)

    @validate_params(
        {"k": [Interval(numbers.Integral, 1, None, closed="left")]},
        prefer_skip_nested_validation=True,
    )
    def most_confused(self, k: int = 5) -> list:
        """The ``k`` largest off-diagonal cells; see :func:`most_confused`.

        Parameters
        ----------
        k : int, default=5
            Number of pairs (fewer if fewer cells are non-zero).

        Returns
        -------
        list of ConfusedPair
            ``(true, predicted, count, rate)``, largest count first.

        Raises
        ------
        ValueError
            On a :func:`top_classes` selection, which keeps no confusion matrix.

        Examples
        --------
        >>> per_class_metrics([0, 0, 1, 1], [0, 1, 1, 1]).most_confused(1)
        [ConfusedPair(true=0, predicted=1, count=1, rate=0.5)]
        """
        if self.confusion_matrix is None:
            raise InputError(
                "this table has no confusion matrix (a top_classes selection); call "
                "most_confused on the full PerClassMetrics"
            )
        # The support column counts every sample of a class, also those predicted as a class
        # left out of labels (not in the matrix); a table built without it has the row sums.
        support = self.columns.get("support")
        return _pairs_from_matrix(self.confusion_matrix, self.labels, k, support)

    def _rows(self, digits):
        shown = self.metric_columns
        rows = []
        for i, name in enumerate(self.names):
            rows.append([str(name)] + [c.format(self.columns[c.name][i], digits) for c in shown])
        for kind in ("macro", "weighted"):
            if kind in self.averages:
                values = self.averages[kind]
                rows.append([f"{kind} avg"] + [c.format(values[c.name], digits) for c in shown])
        return rows


_ZERO_DIVISION = [Options(numbers.Real, {0.0, 1.0}), "nan", StrOptions({"warn"})]


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "y_score": ["array-like", None],
        "labels": ["array-like", None],
        "target_names": ["array-like", None],
        "zero_division": _ZERO_DIVISION,
    },
    prefer_skip_nested_validation=True,
)
def per_class_metrics(
    y_true,
    y_pred,
    *,
    y_score=None,
    labels=None,
    target_names=None,
    zero_division="warn",
) -> PerClassMetrics:
    """Per-class recall, precision, F1, support, BCR, one-vs-rest accuracy, aggregate, area ratio.

    The columns are those of :data:`METRIC_COLUMNS`, in its order; see :class:`MetricColumn`
    and the module docstring for the definitions. Precision, recall, F1, support, the confusion
    matrix and the ROC AUC come from :mod:`sklearn.metrics`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels: ints (or whole-number floats) or strs, no missing values.
    y_pred : array-like of shape (n_samples,)
        Predicted labels, of the same type as ``y_true``.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,), default=None
        Scores (``predict_proba`` or ``decision_function``) with columns in ``labels`` order;
        1-D scores are those of the positive (second) class of a binary problem. Without it,
        the columns that need scores (``area_ratio``) are left out of the table. Each column
        is ranked on its own (one-vs-rest), so the rows need not sum to 1; the values must be
        finite.
    labels : array-like of shape (n_classes,), default=None
        Classes to report, in order. Default: the sorted union of ``y_true`` and ``y_pred``. Pass
        ``estimator.classes_`` when giving scores or when a class may be absent from both. As in
        scikit-learn, a class absent from the data gets a row with support 0, and samples of a
        class left out of ``labels`` count only as the "rest" of each class; at least one of
        ``labels`` must occur in ``y_true``.
    target_names : list of str, default=None
        Display names, one per label, each its own and none of ``"accuracy"``, ``"macro
        avg"``, ``"weighted avg"`` (the summary rows of :meth:`PerClassMetrics.to_dict`).
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value of an undefined precision, recall or F1, as in scikit-learn ("warn" acts as 0 and
        warns). NaN values are left out of the averages.

    Returns
    -------
    PerClassMetrics
        One row per class of ``labels``, the macro and weighted averages and the confusion
        matrix.

    See Also
    --------
    classification_report : The same metrics as a text report.
    most_confused : The most frequent confusions.
    skimgclf.report.ModelReport : These metrics of a fitted model, with figures.

    Notes
    -----
    .. versionchanged:: 0.1
       The one-vs-rest accuracy column is ``"ovr_accuracy"`` (it was ``"accuracy"``, which
       read as the class's accuracy: that is ``"recall"``). The old key still answers, with a
       FutureWarning, until 0.3. Recall and precision come first, and ``area_ratio`` is left
       out without scores instead of being NaN.

    Examples
    --------
    Class 2 is never predicted, so its precision is undefined and takes ``zero_division``:

    >>> m = per_class_metrics([0, 1, 2, 2], [0, 1, 1, 0], zero_division=0.0)
    >>> m["recall"], m["precision"], m["ovr_accuracy"]
    (array([1., 1., 0.]), array([0.5, 0.5, 0. ]), array([0.75, 0.75, 0.5 ]))
    >>> m["bcr"], m["support"]
    (array([0.75, 0.75, 0.  ]), array([1, 1, 2]))

    The area ratio needs scores; without them it is not in the table:

    >>> "area_ratio" in m.columns
    False
    >>> m = per_class_metrics([0, 0, 1, 1], [0, 1, 1, 1], y_score=[0.1, 0.6, 0.7, 0.9])
    >>> m["area_ratio"]
    array([1., 1.])
    """
    y_true, y_pred, labels = _check_targets(y_true, y_pred, labels)
    names = _names(labels, target_names)
    if y_score is not None:
        y_score = _check_scores(y_score, y_true, labels)
    inputs = _Inputs(y_true, y_pred, y_score, labels, zero_division)
    # Without scores a column that needs them is left out: a column of NaN would read as a
    # result.
    wanted = [c for c in METRIC_COLUMNS if y_score is not None or not c.needs_scores]
    columns = {c.name: inputs[c.name] for c in wanted}
    support = inputs.prfs[3]
    averages = {"macro": {}, "weighted": {}}
    for c in wanted:
        values = columns[c.name]
        if c.kind == "count":
            averages["macro"][c.name] = averages["weighted"][c.name] = int(values.sum())
        else:
            averages["macro"][c.name] = _nanaverage(values)
            averages["weighted"][c.name] = _nanaverage(values, support)
    return PerClassMetrics(
        labels=labels,
        names=names,
        columns=columns,
        averages=averages,
        accuracy_overall=float(accuracy_score(y_true, y_pred)),
        confusion_matrix=confusion_matrix(y_true, y_pred, labels=labels),
    )


@validate_params(
    {
        "metrics": [PerClassMetrics],
        "k": [Interval(numbers.Integral, 1, None, closed="left")],
        "by": [_ColumnName()],
        "worst": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def top_classes(metrics: PerClassMetrics, k: int = 5, *, by: str = "aggregate", worst=False):
    """The ``k`` best (or worst) classes by one column, as the face study's top-5/worst-5 tables.

    Ties keep the original class order; NaN values rank last either way.

    Parameters
    ----------
    metrics : PerClassMetrics
        From :func:`per_class_metrics`.
    k : int, default=5
        Number of classes (all of them if fewer).
    by : str, default="aggregate"
        Any name in :data:`COLUMNS` that the table holds.
    worst : bool, default=False
        Lowest values first instead of highest.

    Returns
    -------
    PerClassMetrics
        The selected rows in rank order, without averages or confusion matrix.

    See Also
    --------
    PerClassMetrics.top_classes : The same, as a method of the table.

    Examples
    --------
    >>> m = per_class_metrics([0, 0, 1, 1, 2, 2], [0, 0, 1, 2, 2, 0])
    >>> top_classes(m, 2, by="recall").names, top_classes(m, 1, by="recall", worst=True).names
    (['0', '1'], ['1'])
    """
    values = np.asarray(metrics[_metric_column(by, stacklevel=4).name], dtype=float)
    key = np.where(np.isnan(values), np.inf, values if worst else -values)
    order = np.argsort(key, kind="stable")[:k]
    return PerClassMetrics(
        labels=metrics.labels[order],
        names=[metrics.names[i] for i in order],
        columns={c: np.asarray(v)[order] for c, v in metrics.columns.items()},
    )


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "k": [Interval(numbers.Integral, 1, None, closed="left")],
        "labels": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def most_confused(y_true, y_pred, *, k: int = 5, labels=None) -> list:
    """The ``k`` most frequent confusions (true class, predicted class), largest count first.

    The pairs are the largest off-diagonal cells of the confusion matrix of ``y_true`` and
    ``y_pred``: which classes the model mistakes for which.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    k : int, default=5
        Number of pairs (fewer if fewer cells are non-zero).
    labels : array-like, default=None
        The classes of the confusion matrix, as in :func:`sklearn.metrics.confusion_matrix`
        (default: the sorted union of ``y_true`` and ``y_pred``): the pairs are among them.

    Returns
    -------
    list of ConfusedPair
        ``(true, predicted, count, rate)``; ``rate`` is the fraction of all the samples of
        ``true`` that went to ``predicted`` (also counting those predicted as a class left out
        of ``labels``). Ties keep the confusion matrix's row-major order.

    See Also
    --------
    PerClassMetrics.most_confused : The same, from a computed table.
    skimgclf.plotting.ConfusionMatrixDisplay : Plot the whole confusion matrix.

    Examples
    --------
    >>> most_confused([3, 3, 3, 5, 5, 8], [5, 5, 3, 3, 5, 8], k=2)
    [ConfusedPair(true=3, predicted=5, count=2, rate=0.666...),
     ConfusedPair(true=5, predicted=3, count=1, rate=0.5)]

    ``labels`` picks the pairs, not the samples a rate is a fraction of:

    >>> most_confused([0, 0, 0, 0], [1, 2, 2, 2], labels=[0, 1])
    [ConfusedPair(true=0, predicted=1, count=1, rate=0.25)]
    """
    y_true, y_pred, labels = _check_targets(y_true, y_pred, labels)
    # Every sample of the true class counts, also those predicted as a class left out of
    # labels: the matrix's row sums would miss them.
    support = np.array([np.count_nonzero(y_true == label) for label in labels])
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    return _pairs_from_matrix(cm, labels, k, support)


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "y_score": ["array-like", None],
        "labels": ["array-like", None],
        "target_names": ["array-like", None],
        "digits": [Interval(numbers.Integral, 0, None, closed="left")],
        "zero_division": _ZERO_DIVISION,
        "output_dict": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def classification_report(
    y_true,
    y_pred,
    *,
    y_score=None,
    labels=None,
    target_names=None,
    digits=2,
    zero_division="warn",
    output_dict=False,
):
    """Text report of the per-class metrics, like :func:`sklearn.metrics.classification_report`.

    Columns: those of :data:`METRIC_COLUMNS`, in order (recall, precision, F1, support, BCR,
    one-vs-rest accuracy, aggregate, and the area ratio when scores are given); then the macro
    and support-weighted averages and the overall accuracy (fraction correct).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    y_score : array-like, default=None
        Scores for the area ratio (left out without them); see :func:`per_class_metrics`.
    labels : array-like of shape (n_classes,), default=None
        Classes to report, in order; as in :func:`per_class_metrics`.
    target_names : list of str, default=None
        Display names, one per label.
    digits : int, default=2
        Decimal places of the text report (ignored with ``output_dict``).
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value of an undefined precision, recall or F1; as in :func:`per_class_metrics`.
    output_dict : bool, default=False
        Return a nested dict instead of text (see :meth:`PerClassMetrics.to_dict`).

    Returns
    -------
    str or dict
        The text report, or with ``output_dict=True`` the nested dict.

    See Also
    --------
    per_class_metrics : The same metrics as a table of arrays.
    sklearn.metrics.classification_report : Precision, recall, F1 and support only.

    Examples
    --------
    >>> print(classification_report([0, 0, 1, 1], [0, 1, 1, 1], target_names=["cat", "dog"]))
                  recall  precision    F1  support   BCR  one-vs-rest accuracy  aggregate
    <BLANKLINE>
             cat    0.50       1.00  0.67        2  0.75                  0.75       0.75
             dog    1.00       0.67  0.80        2  0.83                  0.75       0.81
    <BLANKLINE>
       macro avg    0.75       0.83  0.73        4  0.79                  0.75       0.78
    weighted avg    0.75       0.83  0.73        4  0.79                  0.75       0.78
    <BLANKLINE>
    overall accuracy (fraction correct): 0.75
    <BLANKLINE>
    """
    metrics = per_class_metrics(
        y_true,
        y_pred,
        y_score=y_score,
        labels=labels,
        target_names=target_names,
        zero_division=zero_division,
    )
    return metrics.to_dict() if output_dict else metrics.to_text(digits)


# --- helpers ---------------------------------------------------------------------------------


def _check_targets(y_true, y_pred, labels):
    """``y_true``, ``y_pred`` and ``labels`` as 1-D arrays of one label type, checked together.

    Everything that would otherwise fail deep inside numpy or scikit-learn (mixed types, missing
    labels, scores passed as labels, lengths that differ) is refused here with its own message.
    """
    y_true, kind_true = as_labels(y_true, "y_true")
    y_pred, kind_pred = as_labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise InputError(
            f"y_true has {len(y_true)} samples but y_pred has {len(y_pred)}; pass predictions "
            "for the same samples"
        )
    if len(y_true) == 0:
        raise InputError("y_true and y_pred are empty; the metrics need at least one sample")
    _check_same_kind(y_true, kind_true, "y_true", y_pred, kind_pred, "y_pred")
    if labels is None:
        return y_true, y_pred, unique_labels(y_true, y_pred)
    labels, kind_labels = as_labels(labels, "labels")
    if len(labels) == 0:
        raise InputError(
            "labels is empty; pass the classes to report (e.g. estimator.classes_), or "
            "labels=None for those of y_true and y_pred"
        )
    _check_same_kind(y_true, kind_true, "y_true", labels, kind_labels, "labels")
    values, counts = np.unique(labels, return_counts=True)
    if (counts > 1).any():
        raise InputError(
            f"labels names {_preview(values[counts > 1])} more than once; pass each class once"
        )
    if not np.isin(labels, y_true).any():
        raise InputError(
            f"none of labels {_preview(labels)} occurs in y_true, whose classes are "
            f"{_preview(np.unique(y_true))}; pass the classes of this data (e.g. "
            "estimator.classes_ of a model fitted on it)"
        )
    return y_true, y_pred, labels


def _model_labels(classes, y, y_score=None):
    """The classes to report a model on ``y`` with, and its scores with one column per class.

    ``classes`` is the model's ``classes_`` (None: ``(None, y_score)``, the labels of the data
    decide). Samples of ``y`` whose class the model does not know are still samples: with
    ``labels=classes_`` they would silently drop out of every count, where scikit-learn's
    ``ConfusionMatrixDisplay.from_estimator`` counts them. So the labels are the model's
    classes (kept even when never predicted) plus the labels of ``y`` it does not know, sorted
    as scikit-learn sorts labels; without such labels, ``classes`` as they are. The model gives
    no score to a class it does not know: its column of ``y_score`` is constant (0, the
    probability ``predict_proba`` gives it), so its one-vs-rest area ratio is 0, no better
    than chance.
    """
    if classes is None:
        return None, y_score
    y, kind_y = as_labels(y, "y")
    classes, kind_classes = as_labels(classes, "estimator.classes_")
    _check_same_kind(y, kind_y, "y", classes, kind_classes, "estimator.classes_")
    if y_score is not None:
        y_score = _check_scores(y_score, y, classes)
    if np.isin(y, classes).all():
        return classes, y_score
    labels = unique_labels(classes, y)
    if y_score is not None:
        column = {c: i for i, c in enumerate(classes.tolist())}
        padded = np.zeros((len(y_score), len(labels)))
        for j, label in enumerate(labels.tolist()):
            if label in column:
                padded[:, j] = y_score[:, column[label]]
        y_score = padded
    return labels, y_score


def _check_same_kind(a, kind_a, name_a, b, kind_b, name_b):
    if kind_a != kind_b:
        raise InputError(
            f"{name_a} holds {kind_a} labels (e.g. {_scalar(a[0])!r}) but {name_b} holds "
            f"{kind_b} labels (e.g. {_scalar(b[0])!r}); use the same labels for both (e.g. "
            "map class indices to names with estimator.classes_[indices])"
        )


def _preview(values, n=10):
    values = [_scalar(v) for v in list(values)[:n + 1]]
    return str(values[:n])[:-1] + ", ...]" if len(values) > n else str(values)


def _names(labels, target_names):
    if target_names is None:
        return _check_names([str(label) for label in labels], "labels")
    names = [str(n) for n in target_names]
    if len(names) != len(labels):
        raise InputError(
            f"target_names has {len(names)} names but there are {len(labels)} classes "
            f"{_preview(labels)}; pass one name per class, or pass labels="
        )
    return _check_names(names, "target_names")


#: The keys of :meth:`PerClassMetrics.to_dict` beside the class names.
_SUMMARY_KEYS = ("accuracy", "macro avg", "weighted avg")


def _check_names(names, what):
    """``names`` when each names one class; else a clear error.

    The rows of :meth:`PerClassMetrics.to_dict` are keyed by name, beside the summary keys: a
    name given twice, or one of those keys, would silently overwrite a row.
    """
    seen = {}
    for i, name in enumerate(names):
        if name in _SUMMARY_KEYS:
            raise InputError(
                f"{what}[{i}] is {name!r}, a key of the summary rows "
                f"({', '.join(map(repr, _SUMMARY_KEYS))}) "
                "that would overwrite the class's row; give that class another name (e.g. "
                f"target_names=[..., 'class {name}', ...])"
            )
        if name in seen:
            raise InputError(
                f"{what} names two classes {name!r} ({what}[{seen[name]}] and {what}[{i}]); "
                "the rows are keyed by name and one would hide the other: give each class its "
                "own name"
            )
        seen[name] = i
    return names


def _check_scores(y_score, y_true, labels):
    """``y_score`` as a float array of shape ``(n_samples, n_classes)``, or a clear error."""
    y_score = _as_scores(y_score)
    if y_score.ndim == 1:
        if len(labels) != 2:
            raise InputError(
                f"1-D y_score is only meaningful for 2 classes, but there are {len(labels)}; "
                "pass scores of shape (n_samples, n_classes)"
            )
        # The positive class's score; the negative class ranks by its opposite, same AUC.
        y_score = np.column_stack([-y_score, y_score])
    if y_score.shape != (len(y_true), len(labels)):
        raise InputError(
            f"y_score has shape {y_score.shape} but there are {len(y_true)} samples and "
            f"{len(labels)} classes {_preview(labels)}; give one column per class and pass "
            "labels=estimator.classes_ so that the columns line up"
        )
    return y_score


def _area_ratios(y_true, y_score, labels):
    """``2 * AUC - 1`` per class, one-vs-rest; NaN where the AUC is undefined."""
    out = np.full(len(labels), np.nan)
    for i, label in enumerate(labels):
        positive = y_true == label
        if positive.all() or not positive.any():
            continue  # AUC needs both positives and negatives
        out[i] = 2 * roc_auc_score(positive, y_score[:, i]) - 1
    return out


def _as_scores(y_score):
    """``y_score`` as a float array of finite values, or a clear error."""
    try:
        raw = np.asarray(y_score)
    except ValueError:  # ragged nested sequences
        raise InputError("y_score is ragged; give one row of scores per sample") from None
    if raw.dtype.kind not in "biuf":
        raise InputError(
            f"y_score has dtype {raw.dtype}; it must hold real-valued scores (the output of "
            "predict_proba or decision_function)"
        )
    scores = raw.astype(float)
    finite = np.isfinite(scores).reshape(len(scores), -1).all(axis=1) if scores.ndim else True
    bad = np.flatnonzero(~np.asarray(finite))
    if bad.size:
        raise InputError(
            f"y_score holds NaN or infinite scores in row(s) {bad[:5].tolist()}; give finite "
            "scores for every sample"
        )
    return scores


def _nanaverage(values, weights=None):
    """scikit-learn's average of the scores that are not NaN; where their weights are all 0
    (only unsupported classes scored), their plain mean."""
    values = np.asarray(values, dtype=float)
    keep = ~np.isnan(values)
    if not keep.any():
        return float("nan")
    weights = None if weights is None else np.asarray(weights, dtype=float)[keep]
    if weights is None or not weights.sum() > 0:
        return float(values[keep].mean())
    return float(np.average(values[keep], weights=weights))


def _pairs_from_matrix(cm, labels, k, support=None):
    """The ``k`` largest off-diagonal cells; ``support`` (default: the row sums) per true class."""
    cm = np.asarray(cm)
    off = cm.copy()
    np.fill_diagonal(off, 0)
    flat = np.argsort(-off, axis=None, kind="stable")[:k]
    support = cm.sum(axis=1) if support is None else np.asarray(support)
    pairs = []
    for idx in flat:
        i, j = np.unravel_index(idx, cm.shape)
        if off[i, j] == 0:
            break
        pairs.append(
            ConfusedPair(
                _scalar(labels[i]),
                _scalar(labels[j]),
                int(off[i, j]),
                float(off[i, j] / support[i]),
            )
        )
    return pairs


def _scalar(value):
    """numpy scalars -> Python ones, so that dicts and reprs read naturally."""
    return value.item() if isinstance(value, np.generic) else value
