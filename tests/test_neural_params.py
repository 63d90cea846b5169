"""The neural estimators' parameters: one table (signature, defaults, constraints, docs), the
skorch parameters it must cover, and a clear error for every bad value (also BestOfNClassifier).
"""

from __future__ import annotations

import inspect
import pydoc

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import check_param_validation
from skorch import NeuralNet, NeuralNetClassifier
from skorch.dataset import ValidSplit

import skimgclf.neural._checks as neural_checks
from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.ensemble import BestOfNClassifier
from skimgclf.neural import CNNClassifier, TorchMLPClassifier
from skimgclf.neural._params import MLP_PARAMS, SHARED_PARAMS, SKORCH_NOT_EXPOSED

# The defaults before the table existed (two hand-written signatures): they must not drift.
CNN_DEFAULTS = dict(
    architecture="bn_cnn", lr=0.003, optimizer="adamw", weight_decay=0.01,
    lr_schedule="onecycle", max_epochs=6, min_steps=None, batch_size=128, augment="default",
    tta=None,
    precision="auto", init="default", bn_momentum=None,
    class_weight=None, label_smoothing=0.0, ema_decay=None, validation_fraction=None,
    early_stopping=None,
    device="auto",
    random_state=None, image_shape=None, channels_first=None, input_scale="auto", normalize=None,
    num_workers=0,
    verbose=0,
    progress_bar=False, module=None, criterion=torch.nn.CrossEntropyLoss, iterator_train=None,
    iterator_valid=None, train_split=None, callbacks=None, predict_nonlinearity="auto",
    warm_start=False, compile=False, use_caching="auto", torch_load_kwargs=None,
)
MLP_DEFAULTS = dict(
    hidden_sizes=(128, 128, 64), activation="relu", dropout=0.0,
    **{**CNN_DEFAULTS, "architecture": "mlp", "lr": 0.001, "optimizer": "adam",
       "weight_decay": None, "lr_schedule": None, "max_epochs": 20, "augment": None},
)
# Parameters documented "as in skorch": our default must stay skorch's.
AS_IN_SKORCH = ("callbacks", "predict_nonlinearity", "warm_start", "compile", "use_caching",
                "torch_load_kwargs", "batch_size")


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    X = np.round(d.images[:60] * (255 / 16)).astype(np.uint8)
    return X, d.target[:60]


# ------------------------------------------------------------------ one source of truth
@pytest.mark.parametrize("cls, expected", [(CNNClassifier, CNN_DEFAULTS),
                                           (TorchMLPClassifier, MLP_DEFAULTS)])
def test_signature_shows_every_parameter_with_todays_default(cls, expected):
    params = inspect.signature(cls).parameters
    assert list(params)[-1] == "kwargs"
    assert {k: p.default for k, p in params.items() if k != "kwargs"} == expected
    assert list(params)[: len(expected)] == list(expected)  # today's order too
    assert all(p.kind is p.KEYWORD_ONLY for k, p in params.items() if k != "kwargs")
    est = cls()
    assert est.get_params(deep=False) == expected
    assert set(cls._parameter_constraints) == set(expected)
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    for name, default in expected.items():
        shown = default.__name__ if isinstance(default, type) else repr(default)
        assert f"{name} : " in text and f"default={shown}" in text, name


def test_mlp_constraints_merge_the_cnns_and_add_its_own():
    own = {p.name: p.constraints for p in MLP_PARAMS}
    assert TorchMLPClassifier._parameter_constraints == {
        **own, **CNNClassifier._parameter_constraints}
    assert set(own) == {"hidden_sizes", "activation", "dropout"}


def test_routed_parameters_are_declared_no_validation_on_the_instance():
    est = CNNClassifier(module__widths=(4, 8, 8), optimizer__betas=(0.9, 0.99))
    assert set(est._parameter_constraints) == set(est.get_params(deep=False))
    assert est._parameter_constraints["module__widths"] == "no_validation"
    assert "module__widths" not in CNNClassifier._parameter_constraints
    check_param_validation("CNNClassifier", CNNClassifier(
        max_epochs=1, image_shape=(1, -1), augment=None, module__widths=(4, 4, 4)))


def test_unknown_keyword_is_a_type_error_with_a_suggestion():
    with pytest.raises(TypeError, match="'lrr'; did you mean lr"):
        CNNClassifier(lrr=0.1)
    with pytest.raises(TypeError, match="did you mean iterator_train__shuffle"):
        TorchMLPClassifier(iterator_train_shuffle=True)
    with pytest.raises(TypeError):
        CNNClassifier(0.1)  # keyword-only, as before


# ------------------------------------------------------------------ skorch coverage
def _init_names(cls):
    return {k for k, p in inspect.signature(cls.__init__).parameters.items()
            if k != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def test_every_skorch_init_attribute_is_covered_by_our_table():
    # A skorch upgrade that adds a parameter (or an attribute set in __init__) fails here:
    # add it to the table in skimgclf/neural/_params.py, or to SKORCH_NOT_EXPOSED with why.
    table = {p.name for p in SHARED_PARAMS}
    net = NeuralNetClassifier(module=torch.nn.Linear)
    listed = {k for k in net.get_params(deep=False) if not k.startswith("_")}  # not state
    skorch_params = listed | _init_names(NeuralNet) | _init_names(NeuralNetClassifier)
    uncovered = skorch_params - table - set(SKORCH_NOT_EXPOSED)
    assert not uncovered, f"skorch parameters missing from our table: {sorted(uncovered)}"
    assert not set(SKORCH_NOT_EXPOSED) & table
    assert all(len(why.split()) >= 6 for why in SKORCH_NOT_EXPOSED.values())
    # skorch's state attributes set in __init__ (history_, initialized_, ...) exist on ours
    ours = CNNClassifier()
    for attr in vars(net):
        if attr.endswith("_") or attr.startswith("_"):
            assert hasattr(ours, attr), attr
    # where we document "as in skorch", the default is skorch's
    skorch_defaults = {k: p.default for k, p in inspect.signature(NeuralNet.__init__)
                       .parameters.items()}
    for name in AS_IN_SKORCH:
        assert CNN_DEFAULTS[name] == skorch_defaults[name], name


# ------------------------------------------------------------------ bad values
def _fit(cls, method="fit", **params):
    def run(X, y):
        est = cls(max_epochs=1, **params) if "max_epochs" not in params else cls(**params)
        getattr(est, method)(X, y)
    return run


class _NeedsMore(torch.nn.Module):
    def __init__(self, in_channels, n_classes, input_shape, depth):
        super().__init__()


IPE = InvalidParameterError
BAD = {
    # name: (call, error type, regex the message must match)
    "lr negative": (_fit(CNNClassifier, lr=-0.1), IPE, r"'lr' parameter .* range \(0.0, inf\)"),
    "lr zero": (_fit(TorchMLPClassifier, lr=0), IPE, r"'lr' parameter"),
    "lr string": (_fit(CNNClassifier, lr="abc"), IPE, r"'lr' parameter .* Got 'abc'"),
    "max_epochs 0 cnn": (_fit(CNNClassifier, max_epochs=0), IPE, r"'max_epochs' .* \[1, inf\)"),
    "max_epochs 0 mlp": (_fit(TorchMLPClassifier, max_epochs=0), IPE, r"'max_epochs'"),
    "max_epochs bool": (_fit(CNNClassifier, max_epochs=True), IPE, r"'max_epochs' .* Got True"),
    "max_epochs partial_fit": (_fit(TorchMLPClassifier, "partial_fit", max_epochs=0), IPE,
                               r"'max_epochs'"),
    "batch_size 0": (_fit(CNNClassifier, batch_size=0), IPE, r"'batch_size'"),
    "batch_size float": (_fit(CNNClassifier, batch_size=2.5), IPE, r"'batch_size'"),
    "weight_decay negative": (_fit(CNNClassifier, weight_decay=-1), IPE, r"'weight_decay'"),
    "early_stopping True": (_fit(CNNClassifier, early_stopping=True), IPE, r"'early_stopping'"),
    "early_stopping 0": (_fit(TorchMLPClassifier, early_stopping=0), IPE, r"'early_stopping'"),
    "optimizer name": (_fit(CNNClassifier, optimizer="lbfgs"), IPE,
                       r"'optimizer' .*'adamw'.* subclass of torch.optim.Optimizer"),
    "optimizer not one": (_fit(CNNClassifier, optimizer=torch.nn.Linear), IPE, r"'optimizer'"),
    "onecycle without momentum": (_fit(CNNClassifier, optimizer=torch.optim.Adagrad), IPE,
                                  r"onecycle.*Adagrad has not.*lr_schedule='constant'"),
    "lr_schedule": (_fit(CNNClassifier, lr_schedule="cosine"), IPE, r"'lr_schedule'.*onecycle"),
    "init": (_fit(CNNClassifier, init="he"), IPE, r"'init' .*kaiming"),
    "device string": (_fit(CNNClassifier, device="gpu"), IPE, r"'device' .* Got 'gpu'"),
    "device int": (_fit(CNNClassifier, device=0), IPE, r"'device'"),
    "input_scale 0": (_fit(CNNClassifier, input_scale=0), IPE, r"'input_scale'"),
    "input_scale str": (_fit(CNNClassifier, input_scale="x"), IPE, r"'input_scale'.*'auto'"),
    "normalize": (_fit(CNNClassifier, normalize="scale"), IPE, r"'normalize'.*'channel'"),
    "image_shape zero": (_fit(CNNClassifier, image_shape=(8, 0)), IPE, r"'image_shape'.*\(H, W\)"),
    "image_shape str": (_fit(CNNClassifier, image_shape="8x8"), IPE, r"'image_shape'"),
    "channels_first": (_fit(CNNClassifier, channels_first="yes"), IPE, r"'channels_first'"),
    "random_state": (_fit(CNNClassifier, random_state="seed"), IPE, r"'random_state'"),
    "augment name": (_fit(CNNClassifier, augment="flip"), IPE, r"'augment' .*'default'"),
    "augment dict key": (_fit(CNNClassifier, augment={"rotate": 10}), IPE,
                         r"'augment' .*RandomAffine arguments \(keys among rotation, shift"),
    "augment dict value": (_fit(CNNClassifier, augment={"rotation": -5}), IPE,
                           r"'augment' .*'rotation' parameter of RandomAffine"),
    "augment hflip": (_fit(CNNClassifier, augment={"hflip": "yes"}), IPE, r"'hflip' parameter"),
    "class_weight name": (_fit(CNNClassifier, class_weight="auto"), IPE, r"'class_weight'"),
    "class_weight unknown label": (_fit(CNNClassifier, class_weight={0: 1.0, 42: 2.0}),
                                   ValueError, r"class_weight has keys that are not labels.*42"),
    "class_weight negative": (_fit(TorchMLPClassifier, class_weight={0: -1.0}), ValueError,
                              r"class_weight values must be finite numbers >= 0"),
    "validation_fraction range": (_fit(TorchMLPClassifier, validation_fraction=1.5), IPE,
                                  r"'validation_fraction'"),
    "validation_fraction no batch": (_fit(TorchMLPClassifier, validation_fraction=0.99),
                                     ValueError, r"validation_fraction=0.99 .*leaves 0 to train"),
    "validation_fraction and train_split": (
        _fit(CNNClassifier, validation_fraction=0.2, train_split=ValidSplit(5)), IPE,
        r"either validation_fraction or skorch's train_split"),
    "architecture unknown": (_fit(CNNClassifier, architecture="vgg"), IPE,
                             r"'architecture' .*list_nets\(\): 'bn_cnn'.*register_net\)\. "
                             r"Got 'vgg'"),
    "architecture type": (_fit(CNNClassifier, architecture=3), IPE, r"'architecture'"),
    "module type": (_fit(CNNClassifier, module=5), IPE, r"'module' .*callable"),
    "module__ unknown": (_fit(CNNClassifier, module__depth=3), IPE,
                         r"module__depth is not an argument of architecture 'bn_cnn', which "
                         r"takes in_channels, .*widths"),
    "module__n_classes wrong": (_fit(CNNClassifier, module__n_classes=3), ValueError,
                                r"returns outputs of shape \(2, 3\).*module__n_classes"),
    "optimizer__ unknown": (_fit(CNNClassifier, optimizer__momentum=0.9), IPE,
                            r"optimizer__momentum is not an argument of torch.optim.*AdamW"),
    "criterion__ unknown": (_fit(CNNClassifier, criterion__smoothing=0.1), IPE,
                            r"criterion__smoothing .*CrossEntropyLoss, which takes weight"),
    "iterator_train__ unknown": (_fit(CNNClassifier, iterator_train__num_workers=2), IPE,
                                 r"iterator_train__num_workers is not used.*DataLoader"),
    "dataset__ ignored": (_fit(CNNClassifier, dataset__length=3), IPE,
                          r"dataset__length .*would be ignored"),
    "routing prefix typo": (_fit(CNNClassifier, modul__widths=(4,)), IPE,
                            r"modul__widths, which no routing prefix matches"),
    "callbacks__ unknown": (_fit(CNNClassifier, callbacks__checkpoint__dirname="x"), IPE,
                            r"no callback named 'checkpoint'.*print_log"),
    "callbacks items": (_fit(CNNClassifier, callbacks=[1]), IPE,
                        r"'callbacks' .*list of skorch callbacks"),
    "callbacks name": (_fit(CNNClassifier, callbacks="none"), IPE, r"'callbacks'.*'disable'"),
    "criterion type": (_fit(CNNClassifier, criterion="ce"), IPE, r"'criterion'"),
    "predict_nonlinearity": (_fit(CNNClassifier, predict_nonlinearity="softmax"), IPE,
                             r"'predict_nonlinearity'"),
    "warm_start": (_fit(CNNClassifier, warm_start="yes"), IPE, r"'warm_start'"),
    "verbose": (_fit(CNNClassifier, verbose=-1), IPE, r"'verbose'"),
    "progress_bar": (_fit(CNNClassifier, progress_bar="yes"), IPE, r"'progress_bar'"),
    "compile": (_fit(CNNClassifier, compile="yes"), IPE, r"'compile'"),
    "use_caching": (_fit(CNNClassifier, use_caching="sometimes"), IPE, r"'use_caching'"),
    "torch_load_kwargs": (_fit(CNNClassifier, torch_load_kwargs=[]), IPE, r"'torch_load_kwargs'"),
    "hidden_sizes zero": (_fit(TorchMLPClassifier, hidden_sizes=(0,)), IPE,
                          r"'hidden_sizes' .*ints >= 1.* Got \(0,\)"),
    "hidden_sizes negative": (_fit(TorchMLPClassifier, hidden_sizes=(32, -1)), IPE,
                              r"'hidden_sizes'"),
    "hidden_sizes int": (_fit(TorchMLPClassifier, hidden_sizes=32), IPE, r"'hidden_sizes'"),
    "activation": (_fit(TorchMLPClassifier, activation="swish"), IPE, r"'activation' .*'tanh'"),
    "dropout above 1": (_fit(TorchMLPClassifier, dropout=1.5), IPE, r"'dropout' .*\[0.0, 1.0\)"),
    "dropout 1": (_fit(TorchMLPClassifier, dropout=1.0), IPE, r"'dropout'"),
    "mlp on a conv net": (_fit(TorchMLPClassifier, architecture="bn_cnn"), ValueError,
                          r"feeds its network flat rows .*'bn_cnn' cannot take.*CNNClassifier"),
    "cnn on flat-only module": (_fit(CNNClassifier, module=torch.nn.Linear, module__in_features=7,
                                     module__out_features=10), ValueError,
                                r"feeds its network \(batch, C, H, W\) images.*Linear cannot"),
    # fit's keywords go to forward (skorch): one it does not take is named, not the images
    "sample_weight": (lambda X, y: CNNClassifier(max_epochs=1).fit(X, y, sample_weight=None),
                      ValueError, r"CNNClassifier.fit passes its keyword arguments to the "
                                  r"network's forward, and architecture 'bn_cnn' takes no "
                                  r"'sample_weight'; CNNClassifier does not weigh samples"),
    "forward keyword": (lambda X, y: TorchMLPClassifier(max_epochs=1).fit(X, y, mask=1),
                        ValueError, r"architecture 'mlp' takes no 'mask'$"),
    "module not built": (_fit(CNNClassifier, module=_NeedsMore), ValueError,
                         r"module _NeedsMore could not be built with the arguments "
                         r"\['in_channels', 'input_shape', 'n_classes'\] .*missing 1 required"),
    "module not a Module": (_fit(CNNClassifier, module=lambda **kw: 42), TypeError,
                            r"module <lambda> returned a int, not a torch.nn.Module"),
    "hidden_sizes unreachable": (_fit(TorchMLPClassifier, architecture="lenet5",
                                      hidden_sizes=(32,)), IPE,
                                 r"hidden_sizes=\(32,\) cannot reach architecture 'lenet5'"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_parameter_gets_a_clear_error(case, digits):
    call, error, pattern = BAD[case]
    X, y = digits
    with pytest.raises(error, match=pattern):
        call(X, y)


def test_class_weight_balanced_needs_every_class_of_classes(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"'balanced' .*no sample of \[10\]"):
        CNNClassifier(class_weight="balanced", max_epochs=1).partial_fit(
            X, y, classes=np.arange(11))


def test_parameters_are_checked_before_the_data(digits):
    X, y = digits
    with pytest.raises(InvalidParameterError, match="'lr'"):
        CNNClassifier(lr=-1).fit(np.full((3, 5), np.nan), None)


def test_parameters_are_checked_once_per_call(digits, monkeypatch):
    X, y = digits
    calls = []
    real = neural_checks.validate_parameter_constraints
    monkeypatch.setattr(neural_checks, "validate_parameter_constraints",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    clf = TorchMLPClassifier(max_epochs=2, hidden_sizes=(8,), random_state=0).fit(X, y)
    assert len(calls) == 1
    clf.partial_fit(X, y)
    assert len(calls) == 2


def test_set_params_defers_the_check_to_fit(digits):
    X, y = digits
    clf = CNNClassifier(max_epochs=1).set_params(callbacks=object(), lr="x")
    clf.set_params(callbacks="disable")  # skorch would rebuild from the bad value and raise
    with pytest.raises(InvalidParameterError, match="'lr'"):
        clf.fit(X, y)


def test_valid_unusual_values_still_train(digits):
    X, y = digits
    ok = [
        CNNClassifier(augment=True, device=torch.device("cpu"), max_epochs=1, batch_size=32,
                      callbacks__print_log__sink=print, early_stopping=1),
        CNNClassifier(optimizer=torch.optim.Adagrad, lr_schedule="constant", max_epochs=1,
                      criterion__label_smoothing=0.1, class_weight={0: 2.0}),
        CNNClassifier(optimizer=torch.optim.Adagrad, max_epochs=1,
                      callbacks__lr_scheduler__cycle_momentum=False,
                      callbacks__lr_scheduler__pct_start=0.5),
        TorchMLPClassifier(hidden_sizes=(), max_epochs=1, validation_fraction=0.5,
                           iterator_train=torch.utils.data.DataLoader,
                           iterator_train__num_workers=0),
        TorchMLPClassifier(hidden_sizes=[np.int64(8)], architecture="mlp_tanh_250", max_epochs=1),
    ]
    for clf in ok:
        assert clf.fit(X, y).predict(X[:2]).shape == (2,)
    scheduler = dict(ok[2].callbacks_)["lr_scheduler"]
    assert scheduler.kwargs["pct_start"] == 0.5  # the OneCycleLR argument reached it


# ------------------------------------------------------------------ BestOfNClassifier
@pytest.fixture(scope="module")
def flat():
    d = load_digits()
    return d.data[:200] / 16, d.target[:200]


BAD_BEST = {
    "n_init 0": ({"n_init": 0}, IPE, r"'n_init' parameter of BestOfNClassifier"),
    "selection": ({"selection": "worst"}, IPE, r"'selection' .*'best'"),
    "voting": ({"voting": "average"}, IPE, r"'voting'"),
    "validation_fraction 1": ({"validation_fraction": 1.0}, IPE, r"'validation_fraction'"),
    "scoring name": ({"scoring": "acc"}, IPE, r"'scoring' .*'accuracy'"),
    "estimator without fit": ({"estimator": "lr"}, IPE, r"'estimator' .*fit"),
    "random_state": ({"random_state": "zero"}, IPE, r"'random_state'"),
    "regressor": ({"estimator": LinearRegression()}, ValueError, r"needs a classifier"),
    "soft vote without proba": ({"estimator": SVC(), "selection": "vote", "voting": "soft"},
                                ValueError, r"voting='soft' .*SVC has not"),
    "split too small": ({"validation_fraction": 0.01}, ValueError,
                        r"cannot hold out a stratified validation_fraction=0.01.*selection='vote'"),
}


@pytest.mark.parametrize("case", list(BAD_BEST))
def test_best_of_n_bad_parameter_gets_a_clear_error(case, flat):
    params, error, pattern = BAD_BEST[case]
    params = {"estimator": LogisticRegression(max_iter=50), **params}
    X, y = flat
    with pytest.raises(error, match=pattern):
        BestOfNClassifier(**params).fit(X, y)
