"""Per-class metrics as the studies report them, computed with scikit-learn's own functions.

Definitions (for each class ``k``, read one-vs-rest from the confusion matrix: ``TP`` = samples of
``k`` predicted ``k``, ``FP`` = other samples predicted ``k``, ``FN`` = samples of ``k`` predicted
something else, ``TN`` = the rest, ``N`` = all samples):

- **accuracy** = ``(TP + TN) / N``: the accuracy of the binary "is it ``k``?" classifier that the
  multi-class model induces. This is the face-identity study's per-class accuracy, reported beside
  precision and recall (so it cannot be recall, which it would duplicate). It is high for every
  class when there are many classes, because ``TN`` dominates; the fraction of class ``k`` that is
  recognised is the **recall** column. The mean of this column is *not* the overall accuracy
  (fraction of all samples classified correctly), which is reported on its own.
- **precision** = ``TP / (TP + FP)``, **recall** = ``TP / (TP + FN)``, **f1** = their harmonic
  mean (all from :func:`sklearn.metrics.precision_recall_fscore_support`).
- **bcr** = ``(precision + recall) / 2`` (the face study's BCR).
- **aggregate** = mean of accuracy, precision, recall and BCR (the face study's "aggregated" score).
- **area_ratio** = ``2 * AUC - 1`` of the one-vs-rest ROC curve from scores (the dense-vs-conv
  study's lift-curve area ratio); NaN without scores, or when the class is absent from ``y_true``.
- **support** = number of true samples of ``k``.

Undefined ratios (a class never predicted has no precision; a class never present has no recall)
take the ``zero_division`` value, exactly as in scikit-learn, and BCR / aggregate follow from it.

Labels are ints (or floats holding whole numbers) or strs, one type for ``y_true``, ``y_pred`` and
``labels`` together; missing labels (NaN, None), scores given as labels and mixed types are refused
with a message that says which input holds them and where.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
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
from ._sklearn_compat import Interval, Options, StrOptions, validate_params
from .exceptions import InputError

__all__ = [
    "COLUMNS",
    "ConfusedPair",
    "PerClassMetrics",
    "classification_report",
    "most_confused",
    "per_class_metrics",
    "top_classes",
]

#: The per-class columns, in table order.
COLUMNS = ("accuracy", "precision", "recall", "f1", "bcr", "aggregate", "area_ratio", "support")

_HEADERS = {
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1": "f1-score",
    "bcr": "BCR",
    "aggregate": "aggregate",
    "area_ratio": "area ratio",
    "support": "support",
}


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
        Display names of the rows (``target_names`` or ``str(label)``).
    columns : dict of str to ndarray
        One array of length ``n_classes`` per name in :data:`COLUMNS`.
    averages : dict of str to dict
        ``{"macro": {...}, "weighted": {...}}``, each mapping a column to a float (``support``:
        the total). Empty for a :func:`top_classes` selection.
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

    def __getitem__(self, column: str) -> np.ndarray:
        if column not in self.columns:
            raise KeyError(f"unknown column {column!r}; choose one of {', '.join(COLUMNS)}")
        return self.columns[column]

    def __len__(self) -> int:
        return len(self.labels)

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
        out = {
            name: {c: _scalar(self.columns[c][i]) for c in COLUMNS}
            for i, name in enumerate(self.names)
        }
        for kind, values in self.averages.items():
            out[f"{kind} avg"] = {c: _scalar(values[c]) for c in COLUMNS}
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
        >>> print(text.splitlines()[2])
                   0     0.750      1.000   0.500     0.667  0.750      0.750         nan        2
        """
        rows = self._rows(digits)
        headers = [_HEADERS[c] for c in COLUMNS]
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
        | 0 | 0.75 | 1.00 | 0.50 | 0.67 | 0.75 | 0.75 | nan | 2 |
        | 1 | 0.75 | 0.67 | 1.00 | 0.80 | 0.83 | 0.81 | nan | 2 |
        | **macro avg** | 0.75 | 0.83 | 0.75 | 0.73 | 0.79 | 0.78 | nan | 4 |
        | **weighted avg** | 0.75 | 0.83 | 0.75 | 0.73 | 0.79 | 0.78 | nan | 4 |
        <BLANKLINE>
        Overall accuracy (fraction correct): 0.75
        """
        rows = [
            (f"**{name}**" if i >= len(self.names) else name, *cells)  # averages in bold
            for i, (name, *cells) in enumerate(self._rows(digits))
        ]
        text = markdown_table(["class", *(_HEADERS[c] for c in COLUMNS)], rows) + "\n"
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
        return _pairs_from_matrix(self.confusion_matrix, self.labels, k)

    def _rows(self, digits):
        rows = []
        for i, name in enumerate(self.names):
            rows.append([str(name)] + [_fmt(c, self.columns[c][i], digits) for c in COLUMNS])
        for kind in ("macro", "weighted"):
            if kind in self.averages:
                values = self.averages[kind]
                rows.append([f"{kind} avg"] + [_fmt(c, values[c], digits) for c in COLUMNS])
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
    """Per-class accuracy, precision, recall, F1, BCR, aggregate, area ratio and support.

    See the module docstring for the definitions. Precision, recall, F1, support, the confusion
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
        ``area_ratio`` is NaN. Each column is ranked on its own (one-vs-rest), so the rows
        need not sum to 1; the values must be finite.
    labels : array-like of shape (n_classes,), default=None
        Classes to report, in order. Default: the sorted union of ``y_true`` and ``y_pred``. Pass
        ``estimator.classes_`` when giving scores or when a class may be absent from both. As in
        scikit-learn, a class absent from the data gets a row with support 0, and samples of a
        class left out of ``labels`` count only as the "rest" of each class; at least one of
        ``labels`` must occur in ``y_true``.
    target_names : list of str, default=None
        Display names, one per label.
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

    Examples
    --------
    Class 2 is never predicted, so its precision is undefined and takes ``zero_division``:

    >>> m = per_class_metrics([0, 1, 2, 2], [0, 1, 1, 0], zero_division=0.0)
    >>> m["accuracy"], m["precision"], m["recall"]
    (array([0.75, 0.75, 0.5 ]), array([0.5, 0.5, 0. ]), array([1., 1., 0.]))
    >>> m["bcr"], m["support"]
    (array([0.75, 0.75, 0.  ]), array([1, 1, 2]))
    """
    y_true, y_pred, labels = _check_targets(y_true, y_pred, labels)
    names = _names(labels, target_names)

    mcm = multilabel_confusion_matrix(y_true, y_pred, labels=labels)
    tn, fp, fn, tp = (mcm[:, i, j] for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
    accuracy = (tp + tn) / len(y_true)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=None, zero_division=zero_division
    )
    bcr = (precision + recall) / 2
    aggregate = (accuracy + precision + recall + bcr) / 4
    area_ratio = _area_ratios(y_true, y_score, labels)
    columns = {
        "accuracy": accuracy,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "bcr": bcr,
        "aggregate": aggregate,
        "area_ratio": area_ratio,
        "support": support.astype(int),
    }
    averages = {
        "macro": {c: _nanaverage(v) for c, v in columns.items() if c != "support"},
        "weighted": {c: _nanaverage(v, support) for c, v in columns.items() if c != "support"},
    }
    for values in averages.values():
        values["support"] = int(support.sum())
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
        "by": [StrOptions(set(COLUMNS))],
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
        Any name in :data:`COLUMNS`.
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
    values = np.asarray(metrics.columns[by], dtype=float)
    key = np.where(np.isnan(values), np.inf, values if worst else -values)
    order = np.argsort(key, kind="stable")[:k]
    return PerClassMetrics(
        labels=metrics.labels[order],
        names=[metrics.names[i] for i in order],
        columns={c: v[order] for c, v in metrics.columns.items()},
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
        (default: the sorted union of ``y_true`` and ``y_pred``).

    Returns
    -------
    list of ConfusedPair
        ``(true, predicted, count, rate)``; ``rate`` is the fraction of ``true`` samples that
        went to ``predicted``. Ties keep the confusion matrix's row-major order.

    See Also
    --------
    PerClassMetrics.most_confused : The same, from a computed table.
    skimgclf.plotting.ConfusionMatrixDisplay : Plot the whole confusion matrix.

    Examples
    --------
    >>> most_confused([3, 3, 3, 5, 5, 8], [5, 5, 3, 3, 5, 8], k=2)
    [ConfusedPair(true=3, predicted=5, count=2, rate=0.666...),
     ConfusedPair(true=5, predicted=3, count=1, rate=0.5)]
    """
    y_true, y_pred, labels = _check_targets(y_true, y_pred, labels)
    return _pairs_from_matrix(confusion_matrix(y_true, y_pred, labels=labels), labels, k)


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

    Columns: accuracy (one-vs-rest), precision, recall, f1-score, BCR, aggregate, area ratio,
    support; then the macro and support-weighted averages and the overall accuracy.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    y_score : array-like, default=None
        Scores for the area ratio; see :func:`per_class_metrics`.
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
                  accuracy  precision  recall  f1-score   BCR  aggregate  area ratio  support
    <BLANKLINE>
             cat      0.75       1.00    0.50      0.67  0.75       0.75         nan        2
             dog      0.75       0.67    1.00      0.80  0.83       0.81         nan        2
    <BLANKLINE>
       macro avg      0.75       0.83    0.75      0.73  0.79       0.78         nan        4
    weighted avg      0.75       0.83    0.75      0.73  0.79       0.78         nan        4
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
        return [str(label) for label in labels]
    names = [str(n) for n in target_names]
    if len(names) != len(labels):
        raise InputError(
            f"target_names has {len(names)} names but there are {len(labels)} classes "
            f"{_preview(labels)}; pass one name per class, or pass labels="
        )
    return names


def _area_ratios(y_true, y_score, labels):
    """``2 * AUC - 1`` per class, one-vs-rest; NaN where the AUC is undefined."""
    out = np.full(len(labels), np.nan)
    if y_score is None:
        return out
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
    values = np.asarray(values, dtype=float)
    keep = ~np.isnan(values)
    if weights is not None:
        keep &= np.asarray(weights) > 0
    if not keep.any():
        return float("nan")
    if weights is None:
        return float(values[keep].mean())
    return float(np.average(values[keep], weights=np.asarray(weights, dtype=float)[keep]))


def _pairs_from_matrix(cm, labels, k):
    cm = np.asarray(cm)
    off = cm.copy()
    np.fill_diagonal(off, 0)
    flat = np.argsort(-off, axis=None, kind="stable")[:k]
    support = cm.sum(axis=1)
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


def _fmt(column, value, digits):
    if column == "support":
        return str(int(value))
    return "nan" if np.isnan(value) else f"{value:.{digits}f}"
