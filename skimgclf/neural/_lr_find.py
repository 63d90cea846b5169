"""The learning-rate range test (Leslie Smith's, fastai's ``lr_find``) for the neural estimators.

A copy of the estimator trains at a constant rate that a skorch callback raises exponentially
from ``start_lr`` to ``end_lr``, one step per training batch, recording each batch's loss; the
run ends after ``num_steps`` batches, or earlier once the smoothed loss has diverged. The rate
just before the loss bottoms out, a tenth of the rate at the minimum of the smoothed loss, is a
good ``lr`` (the peak of a one-cycle schedule).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from skorch.callbacks import Callback

from .._sklearn_compat import HasMethods, Interval, own_parameter_errors, validate_params
from ..exceptions import InputError, InputTypeError
from ._base import _NeuralImageClassifier
from ._params import StrictInterval

# What the test turns off in the copy it trains: the schedule and early stopping would fight the
# rising rate, a hold-out set would spend batches on validation, and a progress bar or an epoch
# table would print during what is one measurement.
_OVERRIDES = {"lr_schedule": None, "early_stopping": None, "validation_fraction": None,
              "train_split": None, "verbose": 0, "progress_bar": False, "warm_start": False}
# The callbacks those settings remove; ``callbacks__<name>__*`` parameters addressed to them
# would make fit refuse the copy (there is no callback of that name left).
_REMOVED_CALLBACKS = ("lr_scheduler", "early_stopping", "progress_bar")
_CALLBACK_NAME = "lr_finder"


class _EndOfTest(Exception):
    """Raised by the callback to end training (skorch swallows KeyboardInterrupt, not this)."""


def _smooth(losses, smoothing):
    """Exponential moving average with bias correction (as the callback computes it)."""
    beta = 1.0 - smoothing
    avg, out = 0.0, np.empty(len(losses))
    for i, loss in enumerate(losses):
        avg = beta * avg + smoothing * loss
        out[i] = avg / (1.0 - beta ** (i + 1))
    return out


class _LRFinderCallback(Callback):
    """Sets the rate of every parameter group before each training batch, records its loss."""

    def __init__(self, lrs, smoothing, diverge_factor):
        self.lrs = lrs
        self.smoothing = smoothing
        self.diverge_factor = diverge_factor

    def initialize(self):
        self.losses_ = []
        self.diverged_ = False
        self._avg, self._best = 0.0, math.inf
        return self

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            lr = float(self.lrs[len(self.losses_)])
            for group in net.optimizer_.param_groups:
                group["lr"] = lr

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        if not training:
            return
        value = float(loss.item())
        if not math.isfinite(value):  # not recorded: it would turn the smoothed curve to NaN
            self.diverged_ = True
            raise _EndOfTest
        self.losses_.append(value)
        i, beta = len(self.losses_), 1.0 - self.smoothing
        self._avg = beta * self._avg + self.smoothing * value
        smoothed = self._avg / (1.0 - beta**i)
        self._best = min(self._best, smoothed)
        if self.diverge_factor is not None and smoothed > self.diverge_factor * self._best:
            self.diverged_ = True
            raise _EndOfTest
        if i == len(self.lrs):
            raise _EndOfTest


class LRFinderResult:
    """The curve of a learning-rate range test (what :func:`lr_find` returns).

    It holds the rate and loss of each batch, the losses smoothed by an exponential moving
    average, and the suggested rate: the rate at the smoothed minimum divided by 10.

    Parameters
    ----------
    lrs : array-like of shape (n_steps,)
        The learning rate of each training batch, increasing.
    losses : array-like of shape (n_steps,)
        The loss of each batch.
    smoothing : float in (0, 1], default=0.05
        Weight of each new loss in the exponential moving average (1: no smoothing).
    diverged : bool, default=False
        Whether the test ended early because the loss diverged.

    Attributes
    ----------
    lrs : ndarray of shape (n_steps,)
    losses : ndarray of shape (n_steps,)
        The raw batch losses.
    smoothed_losses : ndarray of shape (n_steps,)
        Their exponential moving average with bias correction: ``avg_i = (1 - smoothing) *
        avg_(i-1) + smoothing * loss_i`` from ``avg_(-1) = 0``, divided by ``1 - (1 -
        smoothing) ** (i + 1)`` so that the first values are not pulled towards 0.
    min_loss_lr : float
        The rate at the minimum of ``smoothed_losses``.
    suggested_lr : float
        ``min_loss_lr / 10``: at the minimum the loss is about to blow up, and a rate ten times
        lower still learns fast while staying stable (fastai's "minimum / 10" rule). Use it as
        ``lr`` (the peak rate with ``lr_schedule="onecycle"``).
    diverged : bool
    smoothing : float

    See Also
    --------
    lr_find : Run the test on an estimator and data.

    Examples
    --------
    >>> import numpy as np
    >>> from skimgclf.neural import LRFinderResult
    >>> lrs = np.geomspace(1e-4, 1.0, 5)
    >>> result = LRFinderResult(lrs, [2.0, 1.5, 0.5, 0.8, 9.0], smoothing=1.0)
    >>> float(result.min_loss_lr), float(result.suggested_lr)
    (0.01, 0.001)
    """

    def __init__(self, lrs, losses, *, smoothing=0.05, diverged=False):
        self.lrs = np.asarray(lrs, dtype=np.float64)
        self.losses = np.asarray(losses, dtype=np.float64)
        if self.lrs.ndim != 1 or self.lrs.shape != self.losses.shape or not len(self.lrs):
            raise InputError(
                f"lrs and losses must be 1-D arrays of the same non-zero length; got shapes "
                f"{self.lrs.shape} and {self.losses.shape}"
            )
        self.smoothing = float(smoothing)
        self.diverged = bool(diverged)
        self.smoothed_losses = _smooth(self.losses, self.smoothing)
        self.min_loss_lr = float(self.lrs[int(np.argmin(self.smoothed_losses))])
        self.suggested_lr = self.min_loss_lr / 10.0

    def __repr__(self):
        return (f"LRFinderResult(n_steps={len(self.lrs)}, lrs={self.lrs[0]:.3g}..."
                f"{self.lrs[-1]:.3g}, suggested_lr={self.suggested_lr:.3g}, "
                f"diverged={self.diverged})")

    def plot(self, ax=None):
        """Plot the loss against the learning rate (log scale), the suggestion marked.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; None draws on the current Axes (``plt.gca()``).

        Returns
        -------
        ax : matplotlib Axes
            The Axes drawn on.
        """
        import matplotlib.pyplot as plt  # only when plotting: matplotlib is optional

        if ax is None:
            ax = plt.gca()
        ax.plot(self.lrs, self.losses, color="C0", alpha=0.3, label="batch loss")
        ax.plot(self.lrs, self.smoothed_losses, color="C0", label="smoothed loss")
        ax.axvline(self.suggested_lr, color="C3", linestyle="--",
                   label=f"suggested lr = {self.suggested_lr:.2g}")
        ax.plot([self.min_loss_lr], [self.smoothed_losses.min()], "o", color="C1",
                label=f"minimum at lr = {self.min_loss_lr:.2g}")
        # A diverged loss would squash the useful part of the curve: cap the axis at the
        # starting loss plus a margin.
        low = min(self.losses.min(), self.smoothed_losses.min())
        high = max(self.smoothed_losses[0], self.smoothed_losses.min())
        if high > low:
            ax.set_ylim(low - 0.05 * (high - low), high + 0.5 * (high - low))
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        ax.legend()
        return ax


def _network_of(estimator):
    """(a copy of ``estimator``, its network step): refuses anything that is not ours."""
    shown = "CNNClassifier or TorchMLPClassifier (or a Pipeline whose last step is one)"
    if isinstance(estimator, Pipeline):
        name, last = estimator.steps[-1]
        if not isinstance(last, _NeuralImageClassifier):
            shown_last = repr(last) if last in (None, "passthrough") else type(last).__name__
            raise InputTypeError(
                f"lr_find needs a {shown}; got a Pipeline whose last step {name!r} is "
                f"{shown_last}"
            )
        return clone(estimator), last
    if not isinstance(estimator, _NeuralImageClassifier):
        raise InputTypeError(f"lr_find needs a {shown}; got {type(estimator).__name__}")
    return clone(estimator), estimator


def _test_copy(net, callback, max_epochs):
    """A new network with ``net``'s parameters, the test's overrides and its callback."""
    params = clone(net).get_params(deep=False)
    for name in list(params):
        if any(name.startswith(f"callbacks__{cb}__") for cb in _REMOVED_CALLBACKS):
            del params[name]
    callbacks = params.get("callbacks")
    # "disable" would switch the test's callback off as well; the defaults are harmless.
    callbacks = [] if callbacks in (None, "disable") else list(callbacks)
    params.update(_OVERRIDES, max_epochs=max_epochs,
                  callbacks=[*callbacks, (_CALLBACK_NAME, callback)])
    return type(net)(**params)


@validate_params(
    {
        "estimator": [HasMethods(["fit", "get_params"])],
        "X": ["array-like"],
        "y": ["array-like"],
        "start_lr": [Interval(Real, 0, None, closed="neither")],
        "end_lr": [Interval(Real, 0, None, closed="neither")],
        "num_steps": [StrictInterval(Integral, 2, None, closed="left")],
        "smoothing": [Interval(Real, 0, 1, closed="right")],
        "diverge_factor": [Interval(Real, 1, None, closed="neither"), None],
    },
    prefer_skip_nested_validation=False,
)
def lr_find(estimator, X, y, *, start_lr=1e-7, end_lr=10.0, num_steps=100, smoothing=0.05,
            diverge_factor=4.0):
    """Learning-rate range test: train while raising the rate, return the loss curve.

    A copy of ``estimator`` trains with a constant schedule while a callback raises the rate of
    every optimizer parameter group exponentially from ``start_lr`` to ``end_lr``, one step per
    training batch over ``num_steps`` batches (as many epochs as that takes), and records each
    batch's loss (Smith, "Cyclical learning rates for training neural networks", 2017; fastai's
    ``lr_find``). It stops early when the smoothed loss exceeds ``diverge_factor`` times its
    minimum, or when a loss is not finite. The estimator is not modified.

    Parameters
    ----------
    estimator : CNNClassifier, TorchMLPClassifier or Pipeline
        The network to test, fitted or not, or a Pipeline whose last step is one: the earlier
        steps (copies) are fitted on ``X`` and transform it first. The copy keeps every
        parameter (architecture, optimizer, batch size, augmentation, ``random_state``: the
        same seed gives the same curve) but trains with ``lr_schedule=None``, no early stopping,
        no validation split, ``verbose=0`` and no progress bar.
    X : array-like or torch.Tensor
        Training images, in any layout the estimator accepts.
    y : array-like of shape (n_samples,)
        Their labels.
    start_lr : float > 0, default=1e-7
        Rate of the first batch.
    end_lr : float > start_lr, default=10.0
        Rate of the last batch.
    num_steps : int >= 2, default=100
        Number of training batches (rates) of the test.
    smoothing : float in (0, 1], default=0.05
        Weight of each new loss in the exponential moving average that smooths the curve
        (1: none).
    diverge_factor : float > 1 or None, default=4.0
        Stop once the smoothed loss exceeds this multiple of its minimum so far; None runs all
        ``num_steps``.

    Returns
    -------
    result : LRFinderResult
        ``lrs``, ``losses``, ``smoothed_losses``, ``min_loss_lr``, ``suggested_lr`` (a tenth of
        ``min_loss_lr``), ``diverged`` and ``plot()``.

    See Also
    --------
    LRFinderResult : The curve, the suggestion and its plot.
    CNNClassifier : Pass the suggestion as its ``lr``.

    Examples
    --------
    >>> import numpy as np
    >>> from skimgclf.neural import CNNClassifier, lr_find
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(64, 8, 8).astype(np.float32)
    >>> y = (X[:, :4].mean(axis=(1, 2)) > X[:, 4:].mean(axis=(1, 2))).astype(int)
    >>> clf = CNNClassifier(batch_size=16, module__widths=(8, 16, 16), random_state=0)
    >>> result = lr_find(clf, X, y, start_lr=1e-5, end_lr=10.0, num_steps=30)
    >>> len(result.lrs) <= 30, len(result.losses) == len(result.lrs)
    (True, True)
    >>> bool(np.all(np.diff(result.lrs) > 0)), float(result.lrs[0])
    (True, 1e-05)
    >>> bool(result.lrs[0] / 10 <= result.suggested_lr < result.lrs[-1])
    True
    >>> result.suggested_lr == result.min_loss_lr / 10
    True
    >>> clf.initialized_  # the estimator given is left as it was
    False
    >>> lr_find(clf, X, y, start_lr=1.0, end_lr=0.1)
    Traceback (most recent call last):
    ...
    skimgclf.exceptions.InputError: lr_find needs start_lr < end_lr; got start_lr=1.0, end_lr=0.1
    """
    if start_lr >= end_lr:
        raise InputError(f"lr_find needs start_lr < end_lr; got start_lr={start_lr!r}, "
                         f"end_lr={end_lr!r}")
    estimator, net = _network_of(estimator)  # copies: the user's estimator is never fitted
    lrs = np.geomspace(start_lr, end_lr, num_steps)
    callback = _LRFinderCallback(lrs, smoothing, diverge_factor)
    with own_parameter_errors("lr_find"):
        if isinstance(estimator, Pipeline):
            net = estimator.steps[-1][1]
            if len(estimator.steps) > 1:
                X = estimator[:-1].fit_transform(X, y)
        # One batch per epoch at least: num_steps epochs always reach num_steps batches, and
        # the callback ends the run there.
        test_net = _test_copy(net, callback, max_epochs=num_steps)
        try:
            test_net.fit(X, y)
        except _EndOfTest:
            pass
    losses = callback.losses_
    if not losses:
        raise InputError(
            f"the loss of the first batch was not finite at lr={start_lr!r}; lower start_lr, "
            "or check the data and the network (NaN or infinite pixels, a loss that cannot be "
            "computed)"
        )
    return LRFinderResult(lrs[: len(losses)], losses, smoothing=smoothing,
                          diverged=callback.diverged_)


__all__ = ["LRFinderResult", "lr_find"]
