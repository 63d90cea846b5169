"""The parameters of the neural estimators, declared once.

One table (:data:`SHARED_PARAMS`) holds every parameter that :class:`CNNClassifier` and
:class:`TorchMLPClassifier` share: its name, its default (the CNN's), its scikit-learn
constraints and its documentation. :func:`declare_parameters` builds from it, for each class,
the ``__init__`` signature (so that ``inspect.signature``, ``get_params``, ``clone`` and the
estimator checks see every parameter with its default), ``_parameter_constraints`` and the
Parameters section of the docstring. The MLP adds its own rows and overrides a few defaults.

Constraints are scikit-learn's (through ``skimgclf._sklearn_compat``), checked at the start of
``fit``/``partial_fit``. Parameters routed by skorch (``module__*``, ``optimizer__*``,
``criterion__*``, ``callbacks__*``, ``iterator_train__*``, ``iterator_valid__*``,
``compile__*``) are ``"no_validation"`` in ``_parameter_constraints``: their value is whatever
the receiving object accepts, and ``fit`` checks instead that each one names an argument of what
it reaches (see ``_NeuralImageClassifier._check_routed_params``).
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from skorch.callbacks import Callback

from .._images import normalize_image_shape
from .._sklearn_compat import CustomConstraint, StrictInterval, StrOptions
from ..augment import RandomAffine
from ..exceptions import InputTypeError
from ..nets import list_nets
from ..nets._layers import _ACTIVATIONS
from ._tta import valid_tta

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
              "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}
INITS = ("default", "xavier", "kaiming", "dirac")
ROUTING_PREFIXES = ("module", "optimizer", "criterion", "callbacks", "iterator_train",
                    "iterator_valid", "dataset", "compile")

# skorch's NeuralNet/NeuralNetClassifier set these in __init__, but they are not parameters of
# ours, on purpose (tests/test_neural_params.py fails when skorch adds one that is in neither).
SKORCH_NOT_EXPOSED = {
    "dataset": "the estimators build their own in-memory tensor dataset (get_dataset is "
               "overridden), so skorch's Dataset class is never used",
    "classes": "classes_ comes from the labels of fit, or from partial_fit(classes=...)",
}


# --------------------------------------------------------------------------- constraints
def _positive_int():
    return StrictInterval(Integral, 1, None, closed="left")


class _RegisteredNet(CustomConstraint):
    def is_satisfied_by(self, val):
        return isinstance(val, str) and val.lower() in list_nets()

    def __str__(self):
        return (f"a registered network name (skimgclf.nets.list_nets(): "
                f"{', '.join(map(repr, list_nets()))}; add your own with "
                "skimgclf.nets.register_net)")


class _SubclassOf(CustomConstraint):
    def __init__(self, base, shown):
        super().__init__()
        self.base, self.shown = base, shown

    def is_satisfied_by(self, val):
        return isinstance(val, type) and issubclass(val, self.base)

    def __str__(self):
        return f"a subclass of {self.shown}"


class _TorchDevice(CustomConstraint):
    def is_satisfied_by(self, val):
        if isinstance(val, torch.device):
            return True
        if not isinstance(val, str):
            return False
        try:
            torch.device(val)
        except (RuntimeError, TypeError, ValueError):
            return False
        return True

    def __str__(self):
        return "a torch device ('cpu', 'cuda', 'cuda:N', 'mps' or a torch.device)"


class _TTA(CustomConstraint):
    def is_satisfied_by(self, val):
        return valid_tta(val)

    def __str__(self):
        return ("'flip', 'shift', or a non-empty list of those names and callables "
                "view(batch_nchw) -> batch of the same shape")


class _ImageShape(CustomConstraint):
    def is_satisfied_by(self, val):
        if not isinstance(val, (tuple, list)):
            return False
        try:
            normalize_image_shape(val)
        except ValueError:
            return False
        return True

    def __str__(self):
        return "a tuple (H, W) or (H, W, C) of ints >= 1 (one of H, W may be -1)"


class _PositiveInts(CustomConstraint):
    def is_satisfied_by(self, val):
        return isinstance(val, (tuple, list)) and all(
            isinstance(v, Integral) and not isinstance(v, (bool, np.bool_)) and v >= 1
            for v in val
        )

    def __str__(self):
        return "a tuple of ints >= 1 (one width per hidden layer; () for none)"


class _ArgumentDict(CustomConstraint):
    """A dict whose keys are arguments of ``factory`` (values are checked by ``factory``)."""

    def __init__(self, factory):
        super().__init__()
        self.factory = factory
        self.names = tuple(inspect.signature(factory).parameters)

    def is_satisfied_by(self, val):
        return isinstance(val, dict) and set(val) <= set(self.names)

    def __str__(self):
        return f"a dict of {self.factory.__name__} arguments (keys among {', '.join(self.names)})"


class _Callbacks(CustomConstraint):
    def is_satisfied_by(self, val):
        def ok(cb):
            return isinstance(cb, Callback) or (isinstance(cb, type) and issubclass(cb, Callback))

        return isinstance(val, (list, tuple)) and all(
            ok(item) or (isinstance(item, (tuple, list)) and len(item) == 2
                         and isinstance(item[0], str) and (item[1] is None or ok(item[1])))
            for item in val
        )

    def __str__(self):
        return "a list of skorch callbacks or (name, callback) pairs"


# --------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Param:
    """One estimator parameter: its default, scikit-learn constraints and numpydoc entry."""

    name: str
    default: Any
    constraints: list | str  # a list of constraints, or "no_validation"
    type: str  # the numpydoc type line
    doc: str  # the description


def _p(name, default, constraints, type_, doc):
    return Param(name, default, constraints, type_, textwrap.dedent(doc).strip())


# In signature order; the defaults are CNNClassifier's.
SHARED_PARAMS = (
    _p("architecture", "bn_cnn", [_RegisteredNet()], "str", """
        A name from :func:`skimgclf.nets.list_nets` (``"bn_cnn"``, ``"lenet5"``,
        ``"emnist_cnn"``, ``"resnet18"``, ``"mlp"``, ...). Its arguments are set with
        ``module__<name>``. Ignored when ``module`` is given."""),
    _p("lr", 0.003, [StrictInterval(Real, 0, None, closed="neither")], "float > 0", """
        Learning rate (the peak rate with ``lr_schedule="onecycle"``)."""),
    _p("optimizer", "adamw", [StrOptions(set(OPTIMIZERS)),
                              _SubclassOf(torch.optim.Optimizer, "torch.optim.Optimizer")],
       '{"adam", "adamw", "rmsprop", "sgd"} or torch optimizer class', """
        Its arguments are reachable as ``optimizer__<name>`` (e.g. ``optimizer__alpha=0.9``
        gives RMSprop with rho 0.9, ``optimizer__momentum=0.9`` for SGD)."""),
    _p("weight_decay", 0.01, [None, StrictInterval(Real, 0, None, closed="left")],
       "float >= 0 or None", """
        Passed to the optimizer (None leaves the optimizer's default)."""),
    _p("lr_schedule", "onecycle", [StrOptions({"onecycle", "constant"}), None],
       '{"onecycle", "constant"} or None', """
        ``"onecycle"`` runs one ``OneCycleLR`` cycle (peak ``lr``) over each ``fit`` call,
        stepped every batch (skorch's ``LRScheduler``); it cycles the optimizer's momentum
        (or Adam's beta1). None/"constant" keeps ``lr``."""),
    _p("max_epochs", 6, [_positive_int()], "int >= 1", """
        Epochs per ``fit`` (and per ``partial_fit``) call."""),
    _p("min_steps", None, [None, _positive_int()], "int >= 1 or None", """
        The fewest optimizer steps (training batches) a ``fit`` (or ``partial_fit``) call
        takes: where ``max_epochs`` epochs of the data give fewer, it runs as many epochs as
        it takes (the one-cycle schedule spans them all). A recipe tuned on a large set keeps
        its number of steps on a small one: 1 epoch of 60,000 images is 469 steps of 128,
        1 epoch of 1,347 only 11. None: ``max_epochs`` epochs, whatever the data's size."""),
    _p("batch_size", 128, [_positive_int()], "int >= 1", """
        Training and prediction batch size."""),
    _p("augment", "default", [None, "boolean", StrOptions({"default"}),
                              _ArgumentDict(RandomAffine), callable],
       'None, "default", dict or callable', """
        Batch-wise random affine augmentation on the device during training only:
        ``"default"`` (or True) is rotation +-10 degrees and shift +-2 px; a dict gives
        :class:`skimgclf.augment.RandomAffine` arguments (``rotation``, ``shift``, ``scale``,
        ``hflip``, ``cutout``), e.g. ``{"rotation": 10, "shift": 2, "hflip": True}`` for
        left-right symmetric classes such as clothes (never for digits), ``"hflip":
        "alternate"`` to mirror each image in every other epoch; a callable is called as
        ``f(batch_nchw, generator)``. None (or False) turns it off."""),
    _p("tta", None, [None, _TTA()], 'None, "flip", "shift" or list', """
        Test-time augmentation: ``predict_proba`` (so ``predict`` and ``score``) averages the
        probabilities of the images and of their views: ``"flip"`` the left-right mirror
        (symmetric classes only, never digits), ``"shift"`` the four one-pixel shifts; a list
        combines names and callables ``view(batch_nchw) -> batch``. Training is unchanged; it
        can be set after ``fit`` (``set_params(tta="flip")``). None predicts once."""),
    _p("precision", "auto", [StrOptions({"fp32", "bf16", "fp16", "auto"})],
       '{"auto", "fp32", "bf16", "fp16"}', """
        Mixed precision: ``"bf16"`` or ``"fp16"`` run the forward passes (training and
        prediction) under ``torch.autocast`` on CUDA (``"fp16"`` scales the loss with a
        ``GradScaler``), and ``"bf16"`` on a CPU that computes bfloat16 natively
        (AVX512-BF16 or AMX, detected at run time: about twice as fast a training step there);
        weights and optimizer state stay float32. Elsewhere training stays float32 (a warning
        says so), so one setting runs everywhere with ``device="auto"``. ``"auto"`` (the
        default): training in bf16 where the hardware computes it natively (such a CPU, a
        CUDA GPU of compute capability 8 or more; the default CNN on full MNIST then fits in
        about half the time at the same accuracy), in float32 elsewhere without a warning, and
        prediction in float32 everywhere (probabilities that agree across machines up to
        float32 rounding, and with an ONNX export). ``"fp32"``: float32 throughout."""),
    _p("init", "default", [StrOptions(set(INITS))],
       '{"default", "xavier", "kaiming", "dirac"}', """
        Weight initialisation of the conv and linear layers. ``"dirac"`` (airbench's): torch's
        default, then each convolution with an odd square kernel and at least as many outputs
        as inputs passes its inputs through its first filters (``torch.nn.init.dirac_``)."""),
    _p("bn_momentum", None, [None, StrictInterval(Real, 0, 1, closed="right")],
       "float in (0, 1] or None", """
        The ``momentum`` of every BatchNorm layer: the weight of each training batch in the
        running statistics that prediction uses (torch's convention and default, 0.1).
        airbench takes 0.4 (its 0.6 is the weight of the old statistics), so that in short
        training the statistics keep up with the weights. None keeps each layer's own."""),
    _p("class_weight", None, [None, StrOptions({"balanced"}), dict],
       'None, "balanced" or dict', """
        Weights of the cross-entropy loss per class, on the device. A dict maps labels of
        ``y`` to weights >= 0 (classes it leaves out weigh 1)."""),
    _p("label_smoothing", 0.0, [StrictInterval(Real, 0, 1, closed="left")], "float in [0, 1)",
       """
        Label smoothing of the loss: the target puts ``1 - label_smoothing`` on the true class
        and spreads the rest over all classes (the fast-training recipes use 0.1-0.2; the
        ``modified-mnist`` preset 0.1). Passed to ``criterion`` as ``label_smoothing``; a
        ``criterion__label_smoothing`` set too wins."""),
    _p("ema_decay", None, [None, StrictInterval(Real, 0, 1, closed="neither")],
       "float in (0, 1) or None", """
        Weight averaging: the network that ``fit`` leaves is the exponential moving average of
        its weights (and BatchNorm statistics) over the training steps, with this decay per
        step (0.99-0.999; torch's ``AveragedModel``). The decay ramps up over the first steps
        so that the random initial weights do not linger. The ``valid_*`` scores of
        ``history_`` are those of the trained weights, not of the average. None keeps the
        last weights. Not with ``early_stopping``, which chooses the weights itself."""),
    _p("validation_fraction", None, [None, StrictInterval(Real, 0, 1, closed="neither")],
       "float in (0, 1) or None", """
        Hold out this stratified fraction of the training data as skorch's validation set
        (``valid_loss``, ``valid_acc`` in ``history_``). None trains on everything, so that
        cross-validation is not duplicated. At least 2 training samples must remain."""),
    _p("early_stopping", None, [None, _positive_int()], "int >= 1 or None", """
        Patience in epochs; stops when ``valid_loss`` (``train_loss`` without validation)
        stops improving and restores the best weights (skorch's ``EarlyStopping``)."""),
    _p("device", "auto", [StrOptions({"auto"}), _TorchDevice(), None],
       '"auto", "cpu", "cuda", "cuda:N" or torch.device', """
        ``"auto"`` (or None) is CUDA when available, otherwise the CPU."""),
    _p("random_state", None, ["random_state"], "int, RandomState or None", """
        Seeds torch (weights, dropout), the batch order and the augmentation when the network
        is initialised: the same value gives identical predictions on the CPU. torch's
        generator for weights and dropout is the process's own: a seeded fit uses a fork of it
        and leaves the caller's stream as it was, but fits running at once in threads of one
        process share it (in processes, joblib's default, each is reproducible)."""),
    _p("image_shape", None, [None, _ImageShape()], "tuple or None", """
        ``(H, W)`` or ``(H, W, C)`` of flat input rows (square grayscale is inferred; one of
        H, W may be -1)."""),
    _p("channels_first", None, ["boolean", None], "bool or None", """
        Read 4-D input as ``(n, C, H, W)``. None decides only when unambiguous (axis 1 has
        1-4 entries and the last axis does not); otherwise ``(n, H, W, C)``."""),
    _p("input_scale", "auto", [StrOptions({"auto"}),
                               StrictInterval(Real, 0, None, closed="neither")],
       '"auto" or float > 0', """
        Factor applied to the pixels: ``"auto"`` divides integer images by 255 and leaves
        floats unchanged."""),
    _p("normalize", None, [None, StrOptions({"channel", "pixel"})],
       '{"channel", "pixel"} or None', """
        Standardise every batch on the device with statistics of the training images
        (``input_mean_``, ``input_std_``, in the units after ``input_scale``): ``"channel"``
        per colour channel, ``"pixel"`` per pixel position, as :class:`Normalizer` does, but
        without a float32 copy of the images. None feeds the scaled pixels."""),
    _p("num_workers", 0, [StrictInterval(Integral, 0, None, closed="left")], "int >= 0", """
        Worker processes that read the batches of an image set read on demand (a memmap,
        an :class:`~skimgclf.datasets.ImageFolderDataset`, a torch ``Dataset``) ahead of
        training, as a DataLoader's; 0 reads them in this process. Arrays in memory are
        sliced directly and ignore it."""),
    _p("verbose", 0, ["verbose"], "int >= 0", """
        1 prints skorch's epoch table."""),
    _p("progress_bar", False, ["boolean"], "bool", """
        Show a per-batch progress bar (skorch's ``ProgressBar``, tqdm)."""),
    _p("module", None, [None, callable], "None, nn.Module class, callable or instance", """
        Overrides ``architecture`` with your own network; ``in_channels``, ``n_classes`` and
        ``input_shape`` are passed when it accepts them. It must return ``(batch, n_classes)``
        logits."""),
    _p("criterion", torch.nn.CrossEntropyLoss, [callable], "loss class or instance", """
        As in skorch (its arguments: ``criterion__<name>``); ``class_weight`` fills
        ``weight``."""),
    _p("iterator_train", None, [None, callable], "None or DataLoader-like class", """
        None uses the built-in tensor slicing (``iterator_train__shuffle`` and
        ``__batch_size`` only); ``torch.utils.data.DataLoader`` takes skorch's path with all
        its ``iterator_train__*`` arguments."""),
    _p("iterator_valid", None, [None, callable], "None or DataLoader-like class", """
        As ``iterator_train``, for validation and prediction."""),
    _p("train_split", None, [None, callable], "None or callable", """
        The split of skorch, an alternative to ``validation_fraction`` (e.g.
        ``skorch.dataset.ValidSplit``); not both."""),
    _p("callbacks", None, [None, StrOptions({"disable"}), _Callbacks()],
       'None, "disable" or list of callbacks', """
        As in skorch: added to the defaults (``epoch_timer``, ``train_loss``, ``valid_loss``,
        ``valid_acc``, ``lr_scheduler``, ``early_stopping``, ``progress_bar``,
        ``print_log``), reachable as ``callbacks__<name>__<argument>``."""),
    _p("predict_nonlinearity", "auto", [StrOptions({"auto"}), None, callable],
       '"auto", None or callable', """
        As in skorch (``"auto"`` is the softmax for ``CrossEntropyLoss``)."""),
    _p("warm_start", False, ["boolean"], "bool", """
        As in skorch: ``fit`` continues from the current weights instead of
        re-initialising."""),
    _p("compile", False, ["boolean"], "bool", """
        As in skorch: ``torch.compile`` the module (``compile__<name>`` arguments). Off by
        default: on the CPU the default CNN fitted no faster with it (x0.99 in float32, x1.33
        with bf16, compilation included; see the user guide)."""),
    _p("use_caching", "auto", [StrOptions({"auto"}), "boolean"], '"auto" or bool', """
        As in skorch (caching of the validation predictions for scoring)."""),
    _p("torch_load_kwargs", None, [None, dict], "dict or None", """
        As in skorch: arguments of ``torch.load`` in ``load_params``."""),
)

MLP_PARAMS = (
    _p("hidden_sizes", (128, 128, 64), [_PositiveInts()], "tuple of int >= 1", """
        Hidden layer sizes; (128, 128, 64) is the dense-vs-convolutional study's DNN.
        Reaches the architecture's ``hidden`` argument (``module__hidden`` overrides it)."""),
    _p("activation", "relu", [StrOptions(set(_ACTIVATIONS))],
       "{" + ", ".join(f'"{a}"' for a in sorted(_ACTIVATIONS)) + "}", """
        Activation after every hidden layer."""),
    _p("dropout", 0.0, [StrictInterval(Real, 0, 1, closed="left")], "float in [0, 1)", """
        Dropout after every hidden layer; ``hidden_sizes=(250,), activation="tanh",
        dropout=0.5`` is the raw-pixels study's MLP."""),
)

_KWARGS_DOC = """\
    **kwargs
        The routed parameters of skorch: ``module__*``, ``optimizer__*``, ``criterion__*``,
        ``callbacks__*``, ``iterator_train__*``, ``iterator_valid__*``, ``compile__*``. ``fit``
        checks that each names an argument of what it reaches (the architecture, the
        optimizer, ...); other keyword arguments are a TypeError."""


def parameters(own=(), **defaults) -> tuple[Param, ...]:
    """``own`` rows followed by the shared ones, with some defaults overridden.

    Examples
    --------
    >>> from skimgclf.neural._params import parameters
    >>> [(p.name, p.default) for p in parameters(lr=0.1)][:2]
    [('architecture', 'bn_cnn'), ('lr', 0.1)]
    """
    names = {p.name for p in SHARED_PARAMS}
    if set(defaults) - names:
        raise InputTypeError(f"no shared parameters named {sorted(set(defaults) - names)}")
    shared = tuple(replace(p, default=defaults[p.name]) if p.name in defaults else p
                   for p in SHARED_PARAMS)
    return (*own, *shared)


def _shown(value):
    if isinstance(value, type):
        return value.__name__
    return repr(value)


def parameters_doc(params) -> str:
    """The numpydoc Parameters entries of ``params`` (indented for a class docstring)."""
    entries = [
        f"    {p.name} : {p.type}, default={_shown(p.default)}\n"
        + textwrap.indent(p.doc, " " * 8)
        for p in params
    ]
    return "\n".join(entries) + "\n" + _KWARGS_DOC + "\n"


class _Constraints:
    """``_parameter_constraints``: the declared table, read on the class.

    Read on an instance it also maps each routed parameter it holds (``module__widths``, ...)
    to ``"no_validation"``, so that its keys are exactly those of ``get_params(deep=False)``
    (skorch lists routed parameters there), as scikit-learn's ``check_param_validation``
    requires.
    """

    def __init__(self, table):
        self.table = table

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self.table
        routed = {k: "no_validation" for k in obj._get_param_names()
                  if "__" in k and k not in self.table}
        return {**self.table, **routed} if routed else self.table


def _make_init(params):
    defaults = {p.name: p.default for p in params}
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default)
           for p in params]
        + [inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)]
    )

    def __init__(self, **kwargs):
        routed = {k: v for k, v in kwargs.items() if k not in defaults}
        unknown = [k for k in routed if "__" not in k]
        if unknown:
            raise InputTypeError(_unknown_message(type(self).__name__, unknown, defaults))
        self._store_params({k: kwargs.get(k, v) for k, v in defaults.items()}, routed)

    __init__.__signature__ = signature
    __init__.__doc__ = "Store the parameters (see the class docstring); fit validates them."
    return __init__


def _unknown_message(cls_name, unknown, names):
    import difflib

    hints = []
    for key in unknown:
        prefix = next((p for p in ROUTING_PREFIXES if key.startswith(p + "_")), None)
        close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.7)
        if prefix:
            hints.append(f"did you mean {prefix}__{key[len(prefix):].lstrip('_')}?")
        elif close:
            hints.append(f"did you mean {close[0]}?")
    return (f"{cls_name}.__init__() got unexpected keyword argument(s) "
            f"{', '.join(map(repr, unknown))}" + (f"; {' '.join(hints)}" if hints else "")
            + f" (its parameters: see help({cls_name}); routed ones are prefix__name, e.g. "
            "module__widths)")


def declare_parameters(params):
    """Class decorator: ``__init__``, ``_parameter_constraints`` and the docstring's
    ``{PARAMETERS}`` marker, all built from ``params`` (a tuple of :class:`Param`)."""

    def decorate(cls):
        cls.__init__ = _make_init(params)
        cls.__init__.__qualname__ = f"{cls.__qualname__}.__init__"
        cls._parameter_constraints = _Constraints({p.name: p.constraints for p in params})
        cls._param_defaults = {p.name: p.default for p in params}
        if cls.__doc__:
            cls.__doc__ = cls.__doc__.replace("    {PARAMETERS}\n", parameters_doc(params))
        return cls

    return decorate


__all__ = ["MLP_PARAMS", "SHARED_PARAMS", "Param", "declare_parameters", "parameters",
           "parameters_doc"]
