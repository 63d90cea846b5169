"""Gathering a report's results from a fitted estimator and test data (no drawing, no text)."""

from __future__ import annotations

import time

import numpy as np

from .._versions import library_versions
from ..inspection import (
    _class_scores,
    _final_estimator,
    _module_input_shape,
    _torch_module,
    conv_kernels,
    history_curves,
    layer_summary,
    parameter_counts,
)
from ..metrics import _model_labels, per_class_metrics


def gather(
    estimator,
    X,
    y,
    *,
    title,
    target_names,
    fit_time,
    top_k,
    n_worst,
    image_shape,
    channels_first,
    zero_division,
):
    """The fields of a :class:`~skimgclf.report.ModelReport`, as a dict."""
    from ..plotting._estimator import check_fitted_classifier

    check_fitted_classifier(estimator, "ModelReport.from_estimator")
    if image_shape is not None:
        _check_image_shape(estimator, X, image_shape, channels_first)
    classes = getattr(estimator, "classes_", None)
    start = time.perf_counter()
    y_pred = np.asarray(estimator.predict(X))
    y_score = _class_scores(estimator, X) if classes is not None else None
    elapsed = time.perf_counter() - start
    y_true = np.asarray(y)
    # every sample counts: the classes of y that the model does not know are reported too
    labels, class_scores = _model_labels(classes, y_true, y_score)
    metrics = per_class_metrics(
        y_true,
        y_pred,
        y_score=class_scores,
        labels=labels,
        target_names=target_names,
        zero_division=zero_division,
    )
    final = _final_estimator(estimator)
    try:
        curves = history_curves(final)
    except ValueError:  # the estimator records none: no section
        curves = None
    try:
        kernels = conv_kernels(final)
    except (TypeError, ValueError):  # not a convolutional network: no section
        kernels = None
    time_taken, source = _fit_time(estimator, final, fit_time)
    worst = None
    if n_worst and y_score is not None and np.ndim(y_score) == 2:
        worst = _worst(estimator, X, y_true, y_score, np.asarray(classes), n_worst,
                       image_shape, channels_first)
    return dict(
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
        output_shapes=_output_shapes(estimator, final, X),
    )


def _check_image_shape(estimator, X, image_shape, channels_first):
    """Refuse an ``image_shape`` that the rows of ``X`` do not have.

    It is read only for the worst-images figure, which is left out when ``X`` is not images:
    a wrong one given on purpose would otherwise make the figure vanish without a word.
    """
    from ..plotting._worst_predictions import _channel_order, _read_images

    X = np.asarray(X)
    # decided on the whole X, as in _worst: the first row alone could be read both ways
    _read_images(X[:1], image_shape, _channel_order(X, channels_first, estimator))


def _worst(estimator, X, y_true, y_proba, classes, k, image_shape, channels_first):
    """The worst-loss images and their labels, or None when X is not readable as images.

    Samples of a class the model does not know have no probability of their true class, so
    no log-loss: they are left out of the ranking (the report says so).
    """
    from ..plotting import WorstPredictionsDisplay, worst_predictions
    from ..plotting._worst_predictions import _channel_order

    if not np.allclose(y_proba.sum(axis=1), 1, atol=1e-3) or (y_proba < 0).any():
        return None  # decision_function scores are no probabilities: no log-loss
    known = np.flatnonzero(np.isin(y_true, classes))
    if not len(known):
        return None
    order, _ = worst_predictions(y_true[known], y_proba[known], classes=classes, k=k)
    order = known[order]
    try:
        # decided on the whole X, as the estimator read it, not on the few images kept
        channels_first = _channel_order(np.asarray(X), channels_first, estimator)
        display = WorstPredictionsDisplay(
            np.asarray(X)[order],
            y_true[order],
            y_proba[order],
            classes=classes,
            image_shape=image_shape,
            channels_first=channels_first,
        )
    except (ValueError, TypeError, IndexError):  # X is not images (features, sparse, ...)
        return None
    return {
        "images": display.images,
        "y_true": display.y_true,
        "y_proba": display.y_proba,
        "classes": display.classes,
    }


def _output_shapes(estimator, final, X):
    """Output shape of each layer of a network by name, or None when it cannot be known."""
    if _torch_module(final) is None:
        return None
    shape = _module_input_shape(final) or _transformed_shape(estimator, X)
    if shape is None:
        return None
    try:
        rows = layer_summary(final, input_shape=shape)
    except ValueError:  # the sample shape does not go through the module: leave it out
        return None
    return {row.name: row.output_shape for row in rows}


def _transformed_shape(estimator, X):
    """Shape of one sample of ``X`` as it reaches the final step (through Pipelines)."""
    try:
        Xt = np.asarray(X)[:1]
        for _ in range(10):
            if hasattr(estimator, "best_estimator_"):
                estimator = estimator.best_estimator_
            elif hasattr(estimator, "steps"):
                Xt = estimator[:-1].transform(Xt)
                estimator = estimator.steps[-1][1]
            else:
                break
        shape = tuple(int(s) for s in np.shape(Xt)[1:])
    except (ValueError, TypeError, IndexError, AttributeError):
        return None
    return shape or None


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
