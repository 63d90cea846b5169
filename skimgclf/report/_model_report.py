"""ModelReport: what a fitted classifier did on one test set, as Markdown and PNG figures."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from .._atomic import write_atomically
from .._sklearn_compat import Interval, Options, StrOptions, validate_params
from ..exceptions import InputError
from ..metrics import PerClassMetrics
from ._figures import make_figures
from ._gather import gather
from ._render import render_markdown


@dataclass
class ModelReport:
    """Everything worth reporting about a fitted classifier on one test set.

    Build it with :meth:`from_estimator`; render it with :meth:`to_markdown`, write it with
    :meth:`save`, or get its figures with :meth:`make_figures`. It keeps what it needs (labels,
    predictions, a few worst images, the first kernels), so it can be saved after the estimator
    and the test data are gone. Its figures are drawn by the Displays of
    :mod:`skimgclf.plotting`.

    Parameters
    ----------
    title : str
        First heading of the Markdown.
    estimator_name : str
        The estimator's class, with the Pipeline steps when it is one.
    y_true, y_pred : ndarray of shape (n_samples,)
        Test labels and predictions.
    metrics : PerClassMetrics
        Per-class table with its averages and confusion matrix.
    curves : dict or None
        Per-epoch curves (:func:`skimgclf.inspection.history_curves`) when the final estimator
        records them.
    parameters : list of LayerParameters or None
        Parameter count per layer when known (:func:`skimgclf.inspection.parameter_counts`).
    fit_time : float or None
        Seconds; see :meth:`from_estimator` for where it comes from.
    fit_time_source : str
        Where ``fit_time`` comes from.
    random_state : dict
        Every ``*random_state`` parameter that is set, by parameter name.
    versions : dict
        Library versions at build time (what :func:`skimgclf.show_versions` prints).
    kernels : ndarray or None
        Weights of the first ``Conv2d``, ``(out, in, kh, kw)``.
    worst : dict or None
        ``images``, ``y_true``, ``y_proba``, ``classes`` of the worst-loss test images.
    top_k : int
        Size of the best/worst class tables.
    elapsed : float
        Seconds spent predicting the test set while building the report.
    output_shapes : dict or None
        Output shape of each layer of a network, by layer name, when it could be computed.

    See Also
    --------
    skimgclf.metrics.per_class_metrics : The per-class table alone.
    skimgclf.plotting : The figures one at a time.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skimgclf.datasets import load_digits_images
    >>> X, y = load_digits_images(return_X_y=True)
    >>> clf = SGDClassifier(loss="log_loss", random_state=0).fit(X[:1000] / 255, y[:1000])
    >>> report = ModelReport.from_estimator(clf, X[1000:] / 255, y[1000:], title="digits LR")
    >>> bool(report.metrics.accuracy_overall > 0.8), report.parameters[0].count
    (True, 650)
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
    output_shapes: dict | None = None

    @classmethod
    @validate_params(
        {
            "estimator": "no_validation",
            "X": "no_validation",
            "y": ["array-like"],
            "title": [str, None],
            "target_names": ["array-like", None],
            "fit_time": [Interval(Real, 0, None, closed="left"), None],
            "top_k": [Interval(Integral, 1, None, closed="left")],
            "n_worst": [Interval(Integral, 0, None, closed="left")],
            "image_shape": [tuple, list, None],
            "channels_first": ["boolean", None],
            "zero_division": [Options(Real, {0.0, 1.0}), "nan", StrOptions({"warn"})],
        },
        prefer_skip_nested_validation=True,
    )
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
        channels_first=None,
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
            Test labels. Every sample is counted: the classes reported are
            ``estimator.classes_`` (each kept even when never predicted) and the labels of
            ``y`` that the model does not know, sorted together as scikit-learn sorts labels.
            Such a class has recall 0 and area ratio 0 (the model gives it no score), and its
            samples are left out of the worst-images figure (no log-loss without a
            probability of the true class), which the report says.
        title : str, default=None
            Default: "Report: <estimator class>".
        target_names : list of str, default=None
            Class names, one per class reported, in that order (``estimator.classes_`` order
            when ``y`` holds no other class).
        fit_time : float, default=None
            Seconds, when the caller timed ``fit``. Otherwise taken from a search's
            ``refit_time_``, an estimator's ``fit_time_``, or the sum of a skorch history's
            epoch durations (network training only), in that order.
        top_k : int, default=5
            Rows of the best and worst class tables.
        n_worst : int, default=16
            Worst-loss images to keep (0 for none).
        image_shape : tuple, default=None
            ``(H, W)`` or ``(H, W, C)`` of flat rows of ``X`` that are not square grayscale;
            refused when the rows of ``X`` do not have it.
        channels_first : bool or None, default=None
            How to read a 4-D ``X`` for the worst-images figure: ``(n, C, H, W)`` (True) or
            ``(n, H, W, C)`` (False). None reads it as the estimator does: by the package's one
            rule (:func:`skimgclf.neural.reads_channels_first`), with the image shape the
            estimator's first step saw at fit deciding a shape that could be read both ways.
        zero_division : {0.0, 1.0, np.nan, "warn"}, default=0.0
            Value of undefined ratios; classes never predicted are listed in the report.

        Returns
        -------
        ModelReport
            The gathered report.

        Raises
        ------
        NotFittedError
            When the estimator was not fitted.
        InputError
            When the estimator is not a classifier, or ``image_shape`` does not fit ``X``.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> dummy = DummyClassifier().fit([[0], [0], [0]], [1, 1, 2])
        >>> report = ModelReport.from_estimator(dummy, [[0], [0]], [1, 2], n_worst=0)
        >>> report.metrics["recall"], report.never_predicted
        (array([1., 0.]), ['2'])

        A test label the model was not fitted on gets a row of its own:

        >>> report = ModelReport.from_estimator(dummy, [[0], [0], [0]], [1, 2, 3], n_worst=0)
        >>> report.metrics.names, report.metrics["support"]
        (['1', '2', '3'], array([1, 1, 1]))
        """
        return cls(
            **gather(
                estimator,
                X,
                y,
                title=title,
                target_names=target_names,
                fit_time=fit_time,
                top_k=top_k,
                n_worst=n_worst,
                image_shape=image_shape,
                channels_first=channels_first,
                zero_division=zero_division,
            )
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
        """Build the report's figures (``matplotlib.figure.Figure``, not registered with pyplot).

        Parameters
        ----------
        dpi : int, default=100
            Resolution of the figures.

        Returns
        -------
        dict of str to Figure
            Keyed by file stem: ``confusion_matrix``, ``per_class``, and when available
            ``loss_curves``, ``conv_kernels``, ``worst_predictions``.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> dummy = DummyClassifier().fit([[0], [0], [0]], [1, 1, 2])
        >>> report = ModelReport.from_estimator(dummy, [[0], [0]], [1, 2], n_worst=0)
        >>> sorted(report.make_figures())
        ['confusion_matrix', 'per_class']
        """
        return make_figures(self, dpi=dpi)

    def to_markdown(self, *, figures=None, digits=3) -> str:
        """The report as Markdown.

        Parameters
        ----------
        figures : dict of str to str, default=None
            Figure file names by stem (as :meth:`save` writes them) to link; none by default.
        digits : int, default=3
            Decimal places of the ratios.

        Returns
        -------
        str
            The Markdown text.

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
        return render_markdown(self, figures=figures, digits=digits)

    def save(self, folder, *, dpi=100) -> Path:
        """Write ``report.md`` and its PNG figures into ``folder`` (created if needed).

        Files of the same names are overwritten.

        Parameters
        ----------
        folder : str or Path
            Where to write: a folder (not a file), created with its parents if needed.
        dpi : int, default=100
            Resolution of the figures.

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
        _check_folder(folder)
        # Everything is drawn before anything is written, and each file is written whole, the
        # report last: an error or Ctrl-C while drawing leaves an earlier report as it was.
        files = {}
        for stem, fig in self.make_figures(dpi=dpi).items():
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
            files[f"{stem}.png"] = buffer.getvalue()
        figures = {name.removesuffix(".png"): name for name in files}
        files["report.md"] = self.to_markdown(figures=figures).encode("utf-8")
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            write_atomically(folder / name, lambda f, data=data: f.write(data))
        return folder / "report.md"


def _check_folder(folder):
    """Refuse a ``folder`` that is a file, or lies under one, before mkdir fails on it.

    pathlib says only ``FileExistsError`` (or ``NotADirectoryError``), not that a folder is
    needed where a file is.
    """
    for path in (folder, *folder.parents):
        if path.exists():
            if not path.is_dir():
                where = "is a file" if path == folder else f"lies under {str(path)!r}, a file"
                raise InputError(
                    f"cannot save the report in {str(folder)!r}: it {where}; the report is a "
                    "folder (report.md and its PNG figures), so pass the path of a folder, "
                    "new or existing"
                )
            return
