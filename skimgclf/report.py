"""One report of a fitted classifier on test data: Markdown plus PNG figures beside it.

Usage::

    report = ModelReport.from_estimator(fitted, X_test, y_test, target_names=names)
    report.save("reports/lenet5")

writes ``reports/lenet5/report.md`` and its figures. The report holds everything it needs (the
labels, predictions, a few worst images, the first-layer kernels), so it can be saved or printed
after the estimator and test data are gone.
"""

from __future__ import annotations

import dataclasses
import math
import platform
import re
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .metrics import PerClassMetrics, per_class_metrics, top_classes
from .plotting import (
    _final_estimator,
    conv_kernels,
    history_curves,
    plot_confusion_matrix,
    plot_conv_kernels,
    plot_learning_curves,
    plot_per_class,
    plot_worst_predictions,
    worst_predictions,
)

__all__ = ["LayerParameters", "ModelReport", "library_versions", "parameter_counts"]

_LIBRARIES = (
    "skimgclf",
    "numpy",
    "scipy",
    "scikit-learn",
    "scikit-image",
    "torch",
    "skorch",
    "matplotlib",
)


class LayerParameters(NamedTuple):
    """Learnable parameters of one layer: its name, type, tensor shapes, count and how many of
    them are trainable.

    Examples
    --------
    >>> import torch
    >>> parameter_counts(torch.nn.Linear(4, 2))[0]
    LayerParameters(name='(root)', kind='Linear', shapes='weight 2x4, bias 2', count=10,
                    trainable=10)
    """

    name: str
    kind: str
    shapes: str
    count: int
    trainable: int


def parameter_counts(estimator) -> list | None:
    """Parameters per layer (the HOG study's "model complexity"), or None when unknown.

    Parameters
    ----------
    estimator : estimator, Pipeline, search or torch.nn.Module
        A torch module or fitted skorch net (its ``module_``): one row per module that owns
        parameters. scikit-learn's ``MLPClassifier``: one row per dense layer. Linear models
        (``coef_``, ``intercept_``): one row.

    Returns
    -------
    list of LayerParameters or None

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 9, 3), torch.nn.ReLU(),
    ...                           torch.nn.Flatten(), torch.nn.Linear(9 * 26 * 26, 10))
    >>> for row in parameter_counts(net):
    ...     print(row.name, row.kind, row.shapes, row.count)
    0 Conv2d weight 9x1x3x3, bias 9 90
    3 Linear weight 10x6084, bias 10 60850
    >>> from sklearn.linear_model import LogisticRegression
    >>> lr = LogisticRegression().fit([[0, 1], [1, 0], [1, 1]], [0, 1, 2])
    >>> parameter_counts(lr)
    [LayerParameters(name='linear', kind='LogisticRegression', shapes='coef 3x2, intercept 3',
                     count=9, trainable=9)]
    """
    final = _final_estimator(estimator)
    module = getattr(final, "module_", final)
    if hasattr(module, "named_modules") and hasattr(module, "parameters"):
        rows = []
        for name, layer in module.named_modules():
            own = list(layer.named_parameters(recurse=False))
            if own:
                rows.append(
                    LayerParameters(
                        name or "(root)",
                        type(layer).__name__,
                        ", ".join(f"{n} {_shape(p.shape)}" for n, p in own),
                        sum(p.numel() for _, p in own),
                        sum(p.numel() for _, p in own if p.requires_grad),
                    )
                )
        return rows
    if hasattr(final, "coefs_") and hasattr(final, "intercepts_"):  # scikit-learn MLP
        return [
            LayerParameters(
                f"dense {i + 1}",
                "Dense",
                f"weight {_shape(w.shape)}, bias {_shape(b.shape)}",
                w.size + b.size,
                w.size + b.size,
            )
            for i, (w, b) in enumerate(zip(final.coefs_, final.intercepts_, strict=True))
        ]
    if hasattr(final, "coef_"):
        coef = np.asarray(final.coef_)
        intercept = np.atleast_1d(getattr(final, "intercept_", np.zeros(0)))
        shapes = f"coef {_shape(coef.shape)}" + (
            f", intercept {_shape(intercept.shape)}" if intercept.size else ""
        )
        n = int(coef.size + intercept.size)
        return [LayerParameters("linear", type(final).__name__, shapes, n, n)]
    return None


def library_versions() -> dict:
    """Versions of Python and of the libraries a result depends on.

    Returns
    -------
    dict of str to str
        ``"not installed"`` for an absent library.

    Examples
    --------
    >>> versions = library_versions()
    >>> sorted(versions)[:3], versions["numpy"] == __import__("numpy").__version__
    (['matplotlib', 'numpy', 'platform'], True)
    """
    versions = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = _module_version(name)
    return versions


@dataclass
class ModelReport:
    """Everything worth reporting about a fitted classifier on one test set.

    Build it with :meth:`from_estimator`; render it with :meth:`to_markdown`, write it with
    :meth:`save`, or draw single figures with :meth:`make_figures`.

    Parameters
    ----------
    title : str
    estimator_name : str
        The estimator's class, with the Pipeline steps when it is one.
    y_true, y_pred : ndarray of shape (n_samples,)
        Test labels and predictions.
    metrics : PerClassMetrics
        Per-class table with its averages and confusion matrix.
    curves : dict or None
        Per-epoch curves (:func:`skimgclf.plotting.history_curves`) when the final estimator
        records them.
    parameters : list of LayerParameters or None
        Parameter count per layer when known (:func:`parameter_counts`).
    fit_time : float or None
        Seconds; see :meth:`from_estimator` for where it comes from.
    fit_time_source : str
    random_state : dict
        Every ``*random_state`` parameter that is set, by parameter name.
    versions : dict
        :func:`library_versions` at build time.
    kernels : ndarray or None
        Weights of the first ``Conv2d``, ``(out, in, kh, kw)``.
    worst : dict or None
        ``images``, ``y_true``, ``y_proba``, ``classes`` of the worst-loss test images.
    top_k : int
        Size of the best/worst class tables.
    elapsed : float
        Seconds spent predicting the test set while building the report.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skimgclf.datasets import load_digits_images
    >>> X, y = load_digits_images(return_X_y=True)
    >>> clf = SGDClassifier(loss="log_loss", random_state=0).fit(X[:1000] / 255, y[:1000])
    >>> report = ModelReport.from_estimator(clf, X[1000:] / 255, y[1000:], title="digits LR")
    >>> round(report.metrics.accuracy_overall, 3), report.parameters[0].count
    (0.916, 650)
    >>> print(report.to_markdown().splitlines()[0])
    # digits LR
    """

    title: str
    estimator_name: str
    y_true: np.ndarray
    y_pred: np.ndarray
    metrics: PerClassMetrics
    curves: dict | None = None
    parameters: list | None = None
    fit_time: float | None = None
    fit_time_source: str = "unknown"
    random_state: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    kernels: np.ndarray | None = None
    worst: dict | None = None
    top_k: int = 5
    elapsed: float = float("nan")

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        title=None,
        target_names=None,
        fit_time=None,
        top_k=5,
        n_worst=16,
        image_shape=None,
        channels_first=False,
        zero_division=0.0,
    ):
        """Predict ``X`` with a fitted estimator and gather the report.

        Parameters
        ----------
        estimator : fitted classifier, Pipeline or search
            Scores for the area ratio and the worst images come from ``predict_proba`` (or
            ``decision_function``) when it has one.
        X : array-like
            Test inputs, as the estimator takes them. When they are images in a layout of the
            image contract, the worst-loss images are kept for a figure.
        y : array-like of shape (n_samples,)
            Test labels.
        title : str, default=None
            Default: "Report: <estimator class>".
        target_names : list of str, default=None
            Class names in ``estimator.classes_`` order.
        fit_time : float, default=None
            Seconds, when the caller timed ``fit``. Otherwise taken from a search's
            ``refit_time_``, an estimator's ``fit_time_``, or the sum of a skorch history's
            epoch durations (network training only), in that order.
        top_k : int, default=5
            Rows of the best and worst class tables.
        n_worst : int, default=16
            Worst-loss images to keep (0 for none).
        image_shape, channels_first
            How to read ``X`` as images (see :func:`skimgclf._images.check_images`).
        zero_division : {0.0, 1.0, np.nan, "warn"}, default=0.0
            Value of undefined ratios; classes never predicted are listed in the report.

        Returns
        -------
        ModelReport

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> dummy = DummyClassifier().fit([[0], [0], [0]], [1, 1, 2])
        >>> report = ModelReport.from_estimator(dummy, [[0], [0]], [1, 2], n_worst=0)
        >>> report.metrics["recall"], report.never_predicted
        (array([1., 0.]), ['2'])
        """
        classes = getattr(estimator, "classes_", None)
        start = time.perf_counter()
        y_pred = np.asarray(estimator.predict(X))
        y_score = _scores(estimator, X) if classes is not None else None
        elapsed = time.perf_counter() - start
        y_true = np.asarray(y)
        labels = None if classes is None else np.asarray(classes)
        metrics = per_class_metrics(
            y_true,
            y_pred,
            y_score=y_score,
            labels=labels,
            target_names=target_names,
            zero_division=zero_division,
        )
        final = _final_estimator(estimator)
        try:
            curves = history_curves(final)
        except ValueError:
            curves = None
        try:
            kernels = conv_kernels(final)
        except (TypeError, ValueError, ImportError):
            kernels = None
        time_taken, source = _fit_time(estimator, final, fit_time)
        worst = None
        if n_worst and y_score is not None and np.ndim(y_score) == 2:
            worst = _worst(X, y_true, y_score, labels, n_worst, image_shape, channels_first)
        return cls(
            title=title or f"Report: {type(final).__name__}",
            estimator_name=_describe(estimator),
            y_true=y_true,
            y_pred=y_pred,
            metrics=metrics,
            curves=curves,
            parameters=parameter_counts(estimator),
            fit_time=time_taken,
            fit_time_source=source,
            random_state=_random_states(estimator),
            versions=library_versions(),
            kernels=kernels,
            worst=worst,
            top_k=top_k,
            elapsed=elapsed,
        )

    @property
    def never_predicted(self) -> list:
        """Names of classes with test samples that the model never predicted.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> dummy = DummyClassifier().fit([[0], [0], [0]], [1, 1, 2])
        >>> ModelReport.from_estimator(dummy, [[0], [0]], [1, 2]).never_predicted
        ['2']
        """
        cm = self.metrics.confusion_matrix
        missing = (cm.sum(axis=0) == 0) & (cm.sum(axis=1) > 0)
        return [self.metrics.names[i] for i in np.flatnonzero(missing)]

    def make_figures(self, *, dpi=100) -> dict:
        """Build the report's figures (``matplotlib.figure.Figure``, no pyplot involved).

        Parameters
        ----------
        dpi : int, default=100

        Returns
        -------
        dict of str to Figure
            Keyed by file stem: ``confusion_matrix``, ``per_class``, and when available
            ``learning_curves``, ``conv_kernels``, ``worst_predictions``.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> dummy = DummyClassifier().fit([[0], [0], [0]], [1, 1, 2])
        >>> report = ModelReport.from_estimator(dummy, [[0], [0]], [1, 2], n_worst=0)
        >>> sorted(report.make_figures())
        ['confusion_matrix', 'per_class']
        """
        from matplotlib.figure import Figure

        n = len(self.metrics)
        figures = {}
        side = max(4.0, 0.3 * n + 2.5)
        fig = Figure(figsize=(side + 1, side), dpi=dpi, layout="constrained")
        plot_confusion_matrix(
            self.y_true,
            self.y_pred,
            labels=self.metrics.labels,
            display_labels=self.metrics.names,
            ax=fig.subplots(),
        )
        figures["confusion_matrix"] = fig
        fig = Figure(
            figsize=(min(max(6.0, 0.25 * n * 3 + 2), 24), 4), dpi=dpi, layout="constrained"
        )
        plot_per_class(self.metrics, ax=fig.subplots())
        figures["per_class"] = fig
        if self.curves is not None:
            fig = Figure(figsize=(6, 4), dpi=dpi, layout="constrained")
            plot_learning_curves(self.curves, ax=fig.subplots())
            figures["learning_curves"] = fig
        if self.kernels is not None:
            fig = Figure(figsize=(5, 5), dpi=dpi, layout="constrained")
            plot_conv_kernels(self.kernels, ax=fig.subplots())
            figures["conv_kernels"] = fig
        if self.worst is not None:
            k = len(self.worst["y_true"])
            cols = max(1, math.ceil(math.sqrt(k)))
            fig = Figure(figsize=(1.9 * cols, 2.2 * math.ceil(k / cols)), dpi=dpi)
            names = dict(zip(self.metrics.labels.tolist(), self.metrics.names, strict=True))
            plot_worst_predictions(
                self.worst["images"],
                self.worst["y_true"],
                self.worst["y_proba"],
                classes=self.worst["classes"],
                target_names=[names[c] for c in self.worst["classes"].tolist()],
                k=k,
                ax=fig.add_axes((0.02, 0.02, 0.96, 0.96)),
            )
            figures["worst_predictions"] = fig
        return figures

    def to_markdown(self, *, figures=None, digits=3) -> str:
        """The report as Markdown.

        Parameters
        ----------
        figures : dict of str to str, default=None
            Figure file names by stem (as :meth:`save` writes them) to link; none by default.
        digits : int, default=3

        Returns
        -------
        str

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> dummy = DummyClassifier().fit([[0], [0], [0]], [1, 1, 2])
        >>> md = ModelReport.from_estimator(dummy, [[0], [0]], [1, 2]).to_markdown()
        >>> [line for line in md.splitlines() if line.startswith("## ")]
        ['## Summary', '## Per-class metrics', '## Averages', '## Best and worst classes',
         '## Most confused pairs', '## Confusion matrix', '## Model complexity',
         '## Environment']
        """
        figures = figures or {}
        m = self.metrics
        out = [f"# {self.title}", "", "## Summary", ""]
        out += [
            f"- Estimator: `{self.estimator_name}`",
            f"- Test samples: {len(self.y_true)}; classes: {len(m)}",
            f"- Overall accuracy (fraction correct): {m.accuracy_overall:.{digits}f}",
            f"- Fit time: {_fmt_seconds(self.fit_time)} ({self.fit_time_source})",
            f"- Prediction time on the test set: {_fmt_seconds(self.elapsed)}",
            "- random_state: "
            + (
                ", ".join(f"`{k}={v}`" for k, v in self.random_state.items())
                if self.random_state
                else "none set (results are not reproducible run to run)"
            ),
        ]
        out += ["", "## Per-class metrics", ""]
        out += [
            "Accuracy is one-vs-rest, (TP + TN) / N; recall is the fraction of the class "
            "recognised; BCR = (precision + recall) / 2; aggregate = mean of accuracy, precision, "
            "recall and BCR; area ratio = 2 AUC - 1 (one-vs-rest, from scores).",
            "",
            dataclasses.replace(m, averages={}).to_markdown(digits).rstrip(),
        ]
        if self.never_predicted:
            out += [
                "",
                "Never predicted (precision undefined, shown as the zero_division value): "
                + ", ".join(self.never_predicted),
            ]
        out += ["", "## Averages", "", "| average | " + " | ".join(_avg_columns()) + " |"]
        out.append("|---|" + "---:|" * len(_avg_columns()))
        for kind in ("macro", "weighted"):
            values = m.averages[kind]
            out.append(
                f"| {kind} | "
                + " | ".join(_fmt_value(values[c], digits) for c in _avg_columns())
                + " |"
            )
        out += ["", f"Overall accuracy (fraction correct): {m.accuracy_overall:.{digits}f}"]
        k = min(self.top_k, len(m))
        out += ["", "## Best and worst classes", ""]
        out += [f"### Best {k} by aggregate", "", top_classes(m, k).to_markdown(digits).rstrip()]
        out += ["", f"### Worst {k} by aggregate", ""]
        out.append(top_classes(m, k, worst=True).to_markdown(digits).rstrip())
        out += ["", "## Most confused pairs", ""]
        pairs = m.most_confused(10)
        if pairs:
            names = dict(zip(m.labels.tolist(), m.names, strict=True))
            out += ["| true | predicted | count | share of the true class |", "|---|---|---:|---:|"]
            out += [
                f"| {names[p.true]} | {names[p.predicted]} | {p.count} | {p.rate:.{digits}f} |"
                for p in pairs
            ]
        else:
            out.append("No confusions: every test sample was classified correctly.")
        out += ["", "## Confusion matrix", ""]
        out += _figure_link(figures, "confusion_matrix", "confusion matrix")
        if len(m) <= 12:
            out += _matrix_markdown(m)
        if "per_class" in figures:
            out += ["", "Per-class precision, recall and F1:", ""]
            out += _figure_link(figures, "per_class", "per-class metrics")
        if self.curves is not None:
            out += ["", "## Learning curves", ""]
            out += _figure_link(figures, "learning_curves", "learning curves")
            out += _curves_markdown(self.curves, digits)
        out += ["", "## Model complexity", ""]
        if self.parameters is None:
            out.append("Parameter count unknown for this estimator.")
        else:
            out += ["| layer | type | parameters (shapes) | count |", "|---|---|---|---:|"]
            out += [f"| {r.name} | {r.kind} | {r.shapes} | {r.count:,} |" for r in self.parameters]
            total = sum(r.count for r in self.parameters)
            trainable = sum(r.trainable for r in self.parameters)
            out.append(f"| **total** | | | **{total:,}** |")
            if trainable != total:
                out += ["", f"Trainable: {trainable:,} of {total:,}."]
        if self.kernels is not None and "conv_kernels" in figures:
            out += ["", "## First-layer kernels", ""]
            out += _figure_link(figures, "conv_kernels", "first-layer kernels")
        if self.worst is not None and "worst_predictions" in figures:
            out += ["", "## Worst predictions", ""]
            out.append(
                f"The {len(self.worst['y_true'])} test images with the highest log-loss "
                "(true / predicted label, probability given to the true class):"
            )
            out.append("")
            out += _figure_link(figures, "worst_predictions", "worst predictions")
        out += ["", "## Environment", "", "| library | version |", "|---|---|"]
        out += [f"| {k} | {v} |" for k, v in self.versions.items()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)) + "\n"  # one blank line between blocks

    def save(self, folder, *, dpi=100) -> Path:
        """Write ``report.md`` and its PNG figures into ``folder`` (created if needed).

        Files of the same names are overwritten.

        Parameters
        ----------
        folder : str or Path
        dpi : int, default=100

        Returns
        -------
        Path
            The path of ``report.md``.

        Examples
        --------
        >>> import tempfile
        >>> from sklearn.dummy import DummyClassifier
        >>> dummy = DummyClassifier().fit([[0], [0], [0]], [1, 1, 2])
        >>> report = ModelReport.from_estimator(dummy, [[0], [0]], [1, 2])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = report.save(tmp)
        ...     sorted(p.name for p in path.parent.iterdir())
        ['confusion_matrix.png', 'per_class.png', 'report.md', 'worst_predictions.png']
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = {}
        for stem, fig in self.make_figures(dpi=dpi).items():
            fig.savefig(folder / f"{stem}.png")
            written[stem] = f"{stem}.png"
        path = folder / "report.md"
        path.write_text(self.to_markdown(figures=written), encoding="utf-8")
        return path


# --- helpers ---------------------------------------------------------------------------------


def _scores(estimator, X):
    for method in ("predict_proba", "decision_function"):
        try:
            return np.asarray(getattr(estimator, method)(X), dtype=float)
        except (AttributeError, NotImplementedError):
            continue
    return None


def _worst(X, y_true, y_proba, classes, k, image_shape, channels_first):
    """The worst-loss images and their labels, or None when X is not readable as images."""
    from ._images import check_images
    from .plotting import _ImageReader

    if not np.allclose(y_proba.sum(axis=1), 1, atol=1e-3) or (y_proba < 0).any():
        return None  # decision_function scores are no probabilities: no log-loss
    try:
        images, _ = check_images(
            _ImageReader(), X, reset=True, image_shape=image_shape, channels_first=channels_first
        )
    except (ValueError, TypeError):
        return None
    order, _ = worst_predictions(y_true, y_proba, classes=classes, k=k)
    return {
        "images": np.array(images[order]),
        "y_true": y_true[order],
        "y_proba": y_proba[order],
        "classes": np.asarray(classes),
    }


def _fit_time(estimator, final, given):
    if given is not None:
        return float(given), "given by the caller"
    if getattr(estimator, "refit_time_", None) is not None:
        return float(estimator.refit_time_), "refit_time_ of the search (final refit)"
    if getattr(final, "fit_time_", None) is not None:
        return float(final.fit_time_), "fit_time_ of the estimator"
    history = getattr(final, "history_", None) or getattr(final, "history", None)
    if history is not None and not callable(history) and len(history):
        durations = [row.get("dur", np.nan) for row in history]
        if not np.isnan(durations).any():
            return float(np.sum(durations)), "sum of the network's epoch durations"
    return None, "not recorded"


def _random_states(estimator):
    try:
        params = estimator.get_params(deep=True)
    except (AttributeError, TypeError):
        return {}
    return {
        k: v
        for k, v in sorted(params.items())
        if k.split("__")[-1] == "random_state" and v is not None
    }


def _describe(estimator):
    name = type(estimator).__name__
    inner = getattr(estimator, "best_estimator_", None)
    if inner is not None:
        return f"{name}(best: {_describe(inner)})"
    steps = getattr(estimator, "steps", None)
    if steps is not None:
        return f"{name}(" + " -> ".join(f"{n}: {type(s).__name__}" for n, s in steps) + ")"
    return name


def _module_version(name):
    try:
        module = __import__(name.replace("scikit-learn", "sklearn").replace("-", "_"))
    except ImportError:
        return "not installed"
    return str(getattr(module, "__version__", "unknown"))


def _shape(shape):
    return "x".join(str(int(s)) for s in shape)


def _avg_columns():
    return ("accuracy", "precision", "recall", "f1", "bcr", "aggregate", "area_ratio")


def _fmt_value(value, digits):
    return "nan" if value is None or np.isnan(value) else f"{value:.{digits}f}"


def _fmt_seconds(seconds):
    if seconds is None or np.isnan(seconds):
        return "unknown"
    return f"{seconds:.2f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _figure_link(figures, stem, alt):
    return [f"![{alt}]({figures[stem]})", ""] if stem in figures else []


def _matrix_markdown(m):
    names = [n.replace("|", "\\|") for n in m.names]
    lines = ["Rows are true classes, columns predicted classes.", ""]
    lines.append("| true \\ predicted | " + " | ".join(names) + " |")
    lines.append("|---|" + "---:|" * len(names))
    for name, row in zip(names, m.confusion_matrix, strict=True):
        lines.append(f"| {name} | " + " | ".join(str(int(v)) for v in row) + " |")
    return lines


def _curves_markdown(curves, digits):
    epochs = curves["epoch"]
    lines = [f"{len(epochs)} epochs recorded."]
    keys = [k for k in ("train_loss", "valid_loss", "train_acc", "valid_acc") if k in curves]
    lines += ["", "| epoch | " + " | ".join(keys) + " |", "|---:|" + "---:|" * len(keys)]
    rows = range(len(epochs))
    if len(epochs) > 12:  # first 3, last 3 and the best validation epoch keep the table short
        best = _best_epoch(curves)
        rows = sorted({0, 1, 2, len(epochs) - 3, len(epochs) - 2, len(epochs) - 1, best})
    for i in rows:
        cells = " | ".join(_fmt_value(curves[k][i], digits) for k in keys)
        lines.append(f"| {int(epochs[i])} | {cells} |")
    if "valid_loss" in curves or "valid_acc" in curves:
        by = "lowest valid_loss" if "valid_loss" in curves else "highest valid_acc"
        lines += ["", f"Best validation epoch ({by}): {int(epochs[_best_epoch(curves)])}."]
    return lines


def _best_epoch(curves):
    if "valid_loss" in curves and not np.isnan(curves["valid_loss"]).all():
        return int(np.nanargmin(curves["valid_loss"]))
    if "valid_acc" in curves and not np.isnan(curves["valid_acc"]).all():
        return int(np.nanargmax(curves["valid_acc"]))
    return len(curves["epoch"]) - 1
