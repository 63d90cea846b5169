"""The main job: compare image classifiers on the embedded digits, the scikit-learn way.

``skimgclf demo`` calls :func:`run_demo`. Everything here is ordinary scikit-learn: Pipelines of
skimgclf steps, ``cross_validate`` for the comparison, a held-out split for the final report.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_validate, train_test_split

from ._sklearn_compat import Interval, RealNotInt, validate_params
from .datasets import load_digits_images
from .presets import make_model

__all__ = ["DEMO_MODELS", "demo_models", "run_demo", "DemoResult"]


DEMO_MODELS = {
    "pixels + LogisticRegression": "logreg",
    "HOG + LogisticRegression": "hog-logreg",
    "HOG + MLP": "hog-mlp",
    "CNN": "cnn",
}


@validate_params(
    {"random_state": ["random_state"], "fast": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def demo_models(random_state=0, *, fast=False):
    """The pipelines the demo compares, by display name (presets of :mod:`skimgclf.presets`).

    Pixels and HOG features with a logistic regression, HOG features with an MLP, and a CNN on
    the 8x8 images; the networks train on batches of 32 (the training part of the embedded
    digits is small).

    Parameters
    ----------
    random_state : int, default=0
        Seeds every model that has randomness.
    fast : bool, default=False
        Fewer epochs for the neural networks (for tests and quick looks).

    Returns
    -------
    dict of str -> Pipeline
        The unfitted pipelines, in the order of ``DEMO_MODELS``.

    See Also
    --------
    run_demo : Cross-validates these pipelines and reports the best.
    skimgclf.presets.make_model : Builds each of them from its preset name.

    Examples
    --------
    >>> list(demo_models())
    ['pixels + LogisticRegression', 'HOG + LogisticRegression', 'HOG + MLP', 'CNN']
    """
    # 1,347 training images make few batches of the estimators' default 128: smaller batches and
    # more epochs give the networks enough steps (CNN 5-fold accuracy 0.959 -> 0.990, 12 s).
    epochs = 3 if fast else 20
    models = {}
    for label, preset in DEMO_MODELS.items():
        model = make_model(preset, image_shape=(8, 8), random_state=random_state, max_epochs=epochs)
        if "clf__batch_size" in model.get_params():
            model.set_params(clf__batch_size=32)
        models[label] = model
    return models


@dataclass
class DemoResult:
    """What the demo measured: one row per model, and the report of the best on held-out data.

    :func:`run_demo` fills it in; :meth:`table` prints the comparison as the demo shows it.

    Parameters
    ----------
    rows : list of dict, default=[]
        One dict per model with its display name (``"model"``), the mean and standard deviation
        of its cross-validated accuracy (``"mean"``, ``"std"``) and its mean fit time in
        seconds (``"fit_time"``).
    best : str, default=""
        The display name of the best model by cross-validation.
    test_accuracy : float, default=nan
        The held-out accuracy of the best model, refitted on the whole training part.
    report : ModelReport or None, default=None
        The best model's report on the held-out part.

    See Also
    --------
    run_demo : Runs the demo and returns one.

    Examples
    --------
    >>> result = DemoResult(rows=[{"model": "CNN", "mean": 0.99, "std": 0.005, "fit_time": 12.0}])
    >>> print(result.table())
    model                               cv accuracy   fit s
    CNN                                 0.9900 ± 0.0050   12.00
    """

    rows: list = field(default_factory=list)
    best: str = ""
    test_accuracy: float = float("nan")
    report: object = None

    def table(self) -> str:
        """The comparison as a plain-text table.

        Returns
        -------
        str
            A header and one line per model: its name, mean cross-validated accuracy +- its
            standard deviation, and mean fit time in seconds.
        """
        lines = [f"{'model':<30} {'cv accuracy':>16} {'fit s':>7}"]
        for r in self.rows:
            lines.append(
                f"{r['model']:<30} {r['mean']:>9.4f} ± {r['std']:.4f} {r['fit_time']:>7.2f}"
            )
        return "\n".join(lines)


@validate_params(
    {
        "cv": [Interval(Integral, 2, None, closed="left")],
        "test_size": [Interval(RealNotInt, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "fast": ["boolean"],
        "out_dir": [str, os.PathLike, None],
        "echo": [callable],
    },
    prefer_skip_nested_validation=True,
)
def run_demo(*, cv=5, test_size=0.25, random_state=0, fast=False, out_dir=None, echo=print):
    """Compare the demo pipelines by cross-validation; report the best on a held-out split.

    The embedded 8x8 digits (:func:`~skimgclf.datasets.load_digits_images`) are split once;
    each pipeline of :func:`demo_models` is cross-validated on the training part, and the best
    one is refitted on all of it and evaluated on the held-out part (``skimgclf demo`` runs
    this).

    Parameters
    ----------
    cv : int, default=5
        Stratified folds of the comparison (on the training part only).
    test_size : float, default=0.25
        Held-out share, used once for the best model's per-class report.
    random_state : int, default=0
        Seeds the split, the folds and the models.
    fast : bool, default=False
        Fewer epochs (see :func:`demo_models`).
    out_dir : str or Path, optional
        Folder for a Markdown report with figures.
    echo : callable, default=print
        Where progress and results go (``lambda *a: None`` to silence).

    Returns
    -------
    DemoResult
        The comparison and the best model's held-out report.

    See Also
    --------
    demo_models : The pipelines compared.
    skimgclf.model_selection.compare_models : The same comparison for any models and data.

    Examples
    --------
    The demo trains every network ``cv + 1`` times, which takes minutes:

    >>> result = run_demo(fast=True, echo=lambda *args: None)  # doctest: +SKIP
    >>> print(result.table())  # doctest: +SKIP
    model                               cv accuracy   fit s
    pixels + LogisticRegression       0.9...
    """
    from .report import ModelReport

    X, y = load_digits_images(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    echo(
        f"Embedded digits: {len(X)} images 8x8, {len(np.unique(y))} classes; "
        f"{len(X_train)} for {cv}-fold cross-validation, {len(X_test)} held out."
    )
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    result = DemoResult()
    models = demo_models(random_state, fast=fast)
    for name, model in models.items():
        scores = cross_validate(model, X_train, y_train, cv=folds)
        result.rows.append(
            {
                "model": name,
                "mean": float(scores["test_score"].mean()),
                "std": float(scores["test_score"].std()),
                "fit_time": float(scores["fit_time"].mean()),
            }
        )
        echo(f"  {name:<30} {scores['test_score'].mean():.4f}")
    echo("\n" + result.table())

    best = max(result.rows, key=lambda r: r["mean"])["model"]
    model = models[best]
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    report = ModelReport.from_estimator(
        model, X_test, y_test, fit_time=fit_time, title=f"{best} on the embedded digits"
    )
    result.best, result.report = best, report
    result.test_accuracy = float(np.mean(model.predict(X_test) == y_test))
    echo(f"\nBest by cross-validation: {best}; held-out accuracy {result.test_accuracy:.4f}\n")
    echo(report.metrics.to_text(digits=3))
    if out_dir is not None:
        path = report.save(out_dir)
        echo(f"\nMarkdown report with figures: {path}")
    return result
