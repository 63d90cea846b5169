"""skorch callbacks the estimators add to skorch's defaults."""

from __future__ import annotations

import math

import numpy as np
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, LRScheduler
from torch.optim.lr_scheduler import OneCycleLR
from torch.optim.swa_utils import AveragedModel


class OneCycleLRScheduler(LRScheduler):
    """skorch's ``LRScheduler`` running one ``OneCycleLR`` cycle per ``fit``/``partial_fit`` call.

    The cycle length is the number of training batches of the call (of all its epochs: see
    ``min_steps``), known only once the data is seen, and the peak rate is the net's ``lr`` (a
    parameter group given
    through ``optimizer__param_groups`` peaks at its own ``lr``). The other ``OneCycleLR``
    arguments are this callback's parameters (torch's defaults), set as usual:
    ``callbacks__lr_scheduler__pct_start=0.2``.
    """

    def __init__(self, *, pct_start=0.3, anneal_strategy="cos", cycle_momentum=True,
                 base_momentum=0.85, max_momentum=0.95, div_factor=25.0, final_div_factor=1e4,
                 three_phase=False):
        # Explicit arguments (not **kwargs) so that get_params/set_params know them; skorch's
        # LRScheduler passes every public attribute but its own to the policy.
        super().__init__(policy=OneCycleLR, step_every="batch", pct_start=pct_start,
                         anneal_strategy=anneal_strategy, cycle_momentum=cycle_momentum,
                         base_momentum=base_momentum, max_momentum=max_momentum,
                         div_factor=div_factor, final_div_factor=final_div_factor,
                         three_phase=three_phase)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.batch_idx_ = 0
        self.total_steps_ = net._epochs_for(len(X)) * max(1, net._n_train_batches(len(X)))
        # Each group peaks at its own rate: skorch's optimizer__param_groups (e.g. a lower rate
        # for a pretrained backbone) come first and keep theirs (the peak of an earlier cycle on
        # a partial_fit); the last group, every other parameter, peaks at the net's lr.
        groups = net.optimizer_.param_groups
        peaks = [g.get("max_lr", g["lr"]) for g in groups[:-1]] + [net.lr]
        self.lr_scheduler_ = OneCycleLR(net.optimizer_, max_lr=peaks,
                                        total_steps=self.total_steps_, **self.kwargs)

    def on_batch_end(self, net, training, **kwargs):
        # fit(X, y, epochs=...) beyond the planned epochs: hold the final rate instead of failing.
        if training and self.batch_idx_ + 1 >= self.total_steps_:
            return
        super().on_batch_end(net, training, **kwargs)


def _uncompiled(module):
    """The module itself under ``torch.compile``'s wrapper (``compile=True``)."""
    return getattr(module, "_orig_mod", module)


class WeightAverage(Callback):
    """Leave ``fit`` with the exponential moving average of the weights over its steps.

    torch's ``AveragedModel`` keeps the average (parameters and buffers, so BatchNorm's running
    statistics too), updated after each training batch; at the end of training the average is
    copied into ``net.module_``. Step ``t`` (from 0) uses the decay
    ``min(decay, (1 + t) / (10 + t))``: the average forgets the first, random weights fast,
    then settles at ``decay`` (the warm-up of timm's and TensorFlow's EMA).
    """

    def __init__(self, decay=0.999):
        self.decay = decay

    def _average(self, averaged, current, n_averaged):
        # the step's decay, set once per step: reading n_averaged (a tensor on the device)
        # for every parameter would wait for the GPU each time
        return averaged + (current - averaged) * (1.0 - self.step_decay_)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.average_ = AveragedModel(_uncompiled(net.module_), avg_fn=self._average,
                                      use_buffers=True)
        self.n_updates_ = 0

    def on_batch_end(self, net, training, **kwargs):
        if training:
            t = self.n_updates_  # AveragedModel copies at t == 0, then calls _average
            self.step_decay_ = min(self.decay, (1.0 + t) / (10.0 + t))
            self.average_.update_parameters(_uncompiled(net.module_))
            self.n_updates_ += 1

    def on_train_end(self, net, X=None, y=None, **kwargs):
        average, self.average_ = self.average_.module, None  # the copy is not kept in the model
        _uncompiled(net.module_).load_state_dict(average.state_dict())


def encoded_accuracy(net, X, y):
    """Accuracy against encoded labels (what skorch's validation batches hold), from the
    network's cached forward outputs: without test-time views, as the validation loss is."""
    y = np.concatenate([np.asarray(v).ravel() for v in y]) if isinstance(y, list) else y
    proba = NeuralNetClassifier.predict_proba(net, X)  # skorch's: no TTA, reads the cache
    return float(np.mean(proba.argmax(axis=1) == np.asarray(y).ravel()))


def n_batches(n, batch_size):
    return math.ceil(n / batch_size)


def silent(*args, **kwargs):
    """A sink that prints nothing (used when ``verbose=0``)."""
