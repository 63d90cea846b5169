"""Convolutional architectures: the default BatchNorm CNN, LeNet-5 and the studies' networks.

Every constructor takes ``in_channels``, ``n_classes`` and ``input_shape`` ``(H, W)`` (filled
from the data by the estimators) and returns a module mapping ``(n, C, H, W)`` to logits.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from torch import nn

from .._sklearn_compat import Interval, StrOptions, validate_params
from ..exceptions import InputError
from ._layers import (
    _ACTIVATIONS,
    activation,
    channel_counts,
    check_dropout,
    flat_size,
    hw,
    pool2,
)
from ._registry import register_net

__all__ = ["BatchNormCNN", "emnist_cnn", "face_baseline_cnn", "hog_study_cnn", "lenet5",
           "one_conv_cnn", "tronnet"]

_POSITIVE = [Interval(Integral, 1, None, closed="left")]
# What every constructor takes (the estimators fill these from the data).
_DATA_ARGS = {"in_channels": _POSITIVE, "n_classes": _POSITIVE, "input_shape": [tuple, list]}


def _checked(**constraints):
    """``validate_params`` with the data arguments' constraints and those of one network."""
    return validate_params({**_DATA_ARGS, **constraints}, prefer_skip_nested_validation=True)


def _conv_bn(c_in, c_out, kernel, act, stride=1):
    return [nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out), activation(act)]


def _valid_stack_fits(h, w):
    """Whether five unpadded 3x3 convs and two 2x2 pools leave at least a 1x1 map."""
    for _ in range(2):
        h, w = (h - 4) // 2, (w - 4) // 2
    return min(h, w) - 2 >= 1


def _layers_activation(name):
    """The activation module (inside BatchNormCNN the name `activation` is its parameter)."""
    return activation(name)


@register_net(name="bn_cnn")
class BatchNormCNN(nn.Module):
    """The default CNN: 3x3 conv + BatchNorm blocks, two 2x2 max-pools, global max-pool, linear.

    With the default ``widths=(32, 64, 128)`` the layout is conv 32-32, pool, conv 64-64, pool,
    conv 128, global max-pool, linear (about 140k parameters for 10 classes); see
    ``benchmarks/bench_accuracy.py`` for its MNIST and Fashion-MNIST figures. The convs are
    unpadded when the images are large enough (24 px and more, e.g. 28x28 digits: half the
    work of padded convs) and padded otherwise; pools skip sides of length 1, so any image
    size works.

    Parameters
    ----------
    in_channels : int, default=1
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=10
        Number of outputs (logits).
    input_shape : tuple of 2 int, default=(28, 28)
        ``(H, W)`` of the images.
    widths : tuple of 3 int, default=(32, 64, 128)
        Channels of the three stages.
    dropout : float, default=0.0
        Dropout before the linear layer.
    activation : str, default="relu"
        The activation after each BatchNorm: "relu", "tanh", "sigmoid", "elu", "gelu" or
        "leaky_relu".
    padding : {"auto", "valid", "same"}, default="auto"
        Padding of the 3x3 convs; ``"auto"`` is ``"valid"`` when the images are large enough.

    See Also
    --------
    skimgclf.nets.get_net : Look a network up by its registered name (here ``"bn_cnn"``).
    skimgclf.neural.CNNClassifier : Trains it with ``architecture="bn_cnn"``.
    skimgclf.nets.ResNet18 : A deeper network for larger colour images.

    Examples
    --------
    >>> import torch
    >>> net = BatchNormCNN(in_channels=1, n_classes=10, input_shape=(28, 28))
    >>> sum(p.numel() for p in net.parameters())
    140458
    >>> tuple(net(torch.zeros(2, 1, 28, 28)).shape)
    (2, 10)
    """

    def __init__(self, in_channels=1, n_classes=10, input_shape=(28, 28), widths=(32, 64, 128),
                 dropout=0.0, activation="relu", padding="auto"):
        super().__init__()
        w1, w2, w3 = channel_counts(widths, count=3)
        dropout = check_dropout(dropout)
        h, w = hw(input_shape)
        if padding == "auto":
            # Unpadded convs do half the work on 28x28 digits (the final map is 2x2, not 7x7)
            # with the same accuracy; images too small for them keep their size ("same").
            padding = "valid" if _valid_stack_fits(h, w) else "same"
        if padding not in ("valid", "same"):
            raise InputError(f"padding must be 'auto', 'valid' or 'same'; got {padding!r}")
        pad = 0 if padding == "valid" else 1
        shrink = 2 - 2 * pad

        def block(c_in, c_out):
            nonlocal h, w
            h, w = h - shrink, w - shrink
            return [nn.Conv2d(c_in, c_out, 3, padding=pad, bias=False), nn.BatchNorm2d(c_out),
                    _layers_activation(activation)]

        layers = [*block(in_channels, w1), *block(w1, w1)]
        pool, h, w = pool2(h, w)
        layers += [pool, *block(w1, w2), *block(w2, w2)]
        pool, h, w = pool2(h, w)
        layers += [pool, *block(w2, w3)]
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(w3, n_classes)

    def forward(self, x):
        """Compute the logits of a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (n, in_channels, H, W)
            The batch.

        Returns
        -------
        torch.Tensor of shape (n, n_classes)
            The logits.
        """
        return self.classifier(self.dropout(self.pool(self.features(x)).flatten(1)))


class _FeaturesHead(nn.Module):
    """``features`` then flatten then ``head``; the head's input size is found from the data."""

    def __init__(self, features, head_sizes, n_classes, in_channels, input_shape, name,
                 act="relu", dropout=0.0, dropout_last_only=False):
        super().__init__()
        self.features = features
        size = flat_size(features, in_channels, input_shape, name)
        layers = [nn.Flatten()]
        for i, width in enumerate(head_sizes):
            layers += [nn.Linear(size, width), activation(act)]
            if dropout and (not dropout_last_only or i == len(head_sizes) - 1):
                layers.append(nn.Dropout(dropout))
            size = width
        layers.append(nn.Linear(size, n_classes))
        self.head = nn.Sequential(*layers)

    def forward(self, x):
        return self.head(self.features(x))


@register_net
@_checked(activation=[StrOptions(set(_ACTIVATIONS))])
def lenet5(in_channels=1, n_classes=10, input_shape=(28, 28), activation="tanh"):
    """LeNet-5 (LeCun et al., 1998), with the activation of its time.

    Conv 6 5x5 (padded) - avg-pool - conv 16 5x5 - avg-pool - fc 120 - fc 84. The first conv
    pads by 2 (28x28 digits become LeNet's 32x32 input); images smaller than 12x12 get the extra
    zero padding its second conv and pool need (8x8 digits work).

    Parameters
    ----------
    in_channels : int, default=1
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=10
        Number of outputs (logits).
    input_shape : tuple of 2 int, default=(28, 28)
        ``(H, W)`` of the images.
    activation : str, default="tanh"
        The activation after each conv and hidden fc layer: "relu", "tanh", "sigmoid",
        "elu", "gelu" or "leaky_relu".

    Returns
    -------
    torch.nn.Module
        The network, mapping ``(n, C, H, W)`` images to ``(n, n_classes)`` logits.

    See Also
    --------
    skimgclf.nets.get_net : Look a network up by its registered name (here ``"lenet5"``).
    skimgclf.neural.CNNClassifier : Trains it with ``architecture="lenet5"``.

    Examples
    --------
    >>> import torch
    >>> from skimgclf.nets import lenet5
    >>> tuple(lenet5(input_shape=(28, 28))(torch.zeros(1, 1, 28, 28)).shape)
    (1, 10)
    """
    from ._layers import activation as act

    pad = max(2, math.ceil((16 - min(hw(input_shape))) / 2))
    features = nn.Sequential(
        nn.Conv2d(in_channels, 6, 5, padding=pad), act(activation), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), act(activation), nn.AvgPool2d(2),
    )
    return _FeaturesHead(features, (120, 84), n_classes, in_channels, input_shape, "lenet5",
                         act=activation)


@register_net
@_checked(widths=[tuple, list], fc=_POSITIVE,
          dropout=[Interval(Real, 0, 1, closed="left")])
def emnist_cnn(in_channels=1, n_classes=47, input_shape=(28, 28), widths=(8, 32), fc=600,
               dropout=0.5):
    """The EMNIST study's network (88.4 % test accuracy on EMNIST-balanced).

    Conv 8 3x3 (pad 1) - BN - ReLU - max-pool 2 - conv 32 5x5 (pad 2) - BN - ReLU - max-pool 2 -
    fc 600 - dropout 0.5 - fc ``n_classes``. (Convolutions have no bias: the BatchNorm after
    each makes it redundant.)

    Parameters
    ----------
    in_channels : int, default=1
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=47
        Number of outputs (logits).
    input_shape : tuple of 2 int, default=(28, 28)
        ``(H, W)`` of the images.
    widths : tuple of 2 int, default=(8, 32)
        Channels of the two convs.
    fc : int, default=600
        Width of the hidden fc layer.
    dropout : float, default=0.5
        Dropout after the hidden fc layer.

    Returns
    -------
    torch.nn.Module
        The network, mapping ``(n, C, H, W)`` images to ``(n, n_classes)`` logits.

    See Also
    --------
    skimgclf.nets.get_net : Look a network up by its registered name (here ``"emnist_cnn"``).
    skimgclf.neural.CNNClassifier : Trains it with ``architecture="emnist_cnn"``.

    Examples
    --------
    >>> import torch
    >>> from skimgclf.nets import emnist_cnn
    >>> tuple(emnist_cnn(n_classes=47)(torch.zeros(1, 1, 28, 28)).shape)
    (1, 47)
    """
    w1, w2 = (int(w) for w in widths)
    features = nn.Sequential(*_conv_bn(in_channels, w1, 3, "relu"), nn.MaxPool2d(2),
                             *_conv_bn(w1, w2, 5, "relu"), nn.MaxPool2d(2))
    return _FeaturesHead(features, (fc,), n_classes, in_channels, input_shape, "emnist_cnn",
                         dropout=dropout)


@register_net
@_checked(widths=[tuple, list], fc=_POSITIVE)
def face_baseline_cnn(in_channels=3, n_classes=201, input_shape=(224, 224),
                      widths=(16, 32, 64, 64), fc=300):
    """The face-identity study's baseline: 4 stride-2 convs with BatchNorm and ReLU, fc 300.

    The study gives kernel sizes 3x3/5x5 but not the widths; here the first two convs are 5x5
    and the last two 3x3, with ``widths`` (16, 32, 64, 64) by default.

    Parameters
    ----------
    in_channels : int, default=3
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=201
        Number of outputs (logits).
    input_shape : tuple of 2 int, default=(224, 224)
        ``(H, W)`` of the images.
    widths : tuple of int, default=(16, 32, 64, 64)
        Channels of the stride-2 convs, one conv per entry.
    fc : int, default=300
        Width of the hidden fc layer.

    Returns
    -------
    torch.nn.Module
        The network, mapping ``(n, C, H, W)`` images to ``(n, n_classes)`` logits.

    See Also
    --------
    skimgclf.nets.get_net : Look a network up by its registered name (here ``"face_baseline_cnn"``).
    skimgclf.neural.CNNClassifier : Trains it with ``architecture="face_baseline_cnn"``.
    skimgclf.nets.tronnet : The study's deeper network.

    Examples
    --------
    >>> import torch
    >>> from skimgclf.nets import face_baseline_cnn
    >>> net = face_baseline_cnn(in_channels=3, n_classes=5, input_shape=(32, 32))
    >>> tuple(net(torch.zeros(1, 3, 32, 32)).shape)
    (1, 5)
    """
    layers, c = [], in_channels
    for i, width in enumerate(widths):
        layers += _conv_bn(c, int(width), 5 if i < 2 else 3, "relu", stride=2)
        c = int(width)
    return _FeaturesHead(nn.Sequential(*layers), (fc,), n_classes, in_channels, input_shape,
                         "face_baseline_cnn")


@register_net
@_checked(widths=[tuple, list], fc=_POSITIVE)
def tronnet(in_channels=3, n_classes=201, input_shape=(224, 224),
            widths=(21, 30, 35, 25, 20, 15, 10), fc=300):
    """The face-identity study's "TronNet": seven 3x3 convs with BatchNorm and ReLU, fc 300.

    The convs have 21-30-35-25-20-15-10 channels by default, with a 3x3 max-pool (stride 2)
    after the 2nd and the 4th.

    Parameters
    ----------
    in_channels : int, default=3
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=201
        Number of outputs (logits).
    input_shape : tuple of 2 int, default=(224, 224)
        ``(H, W)`` of the images.
    widths : tuple of int, default=(21, 30, 35, 25, 20, 15, 10)
        Channels of the 3x3 convs, one conv per entry.
    fc : int, default=300
        Width of the hidden fc layer.

    Returns
    -------
    torch.nn.Module
        The network, mapping ``(n, C, H, W)`` images to ``(n, n_classes)`` logits.

    See Also
    --------
    skimgclf.nets.get_net : Look a network up by its registered name (here ``"tronnet"``).
    skimgclf.neural.CNNClassifier : Trains it with ``architecture="tronnet"``.
    skimgclf.nets.face_baseline_cnn : The study's baseline.

    Examples
    --------
    >>> import torch
    >>> from skimgclf.nets import tronnet
    >>> tuple(tronnet(n_classes=4, input_shape=(32, 32))(torch.zeros(1, 3, 32, 32)).shape)
    (1, 4)
    """
    layers, c = [], in_channels
    for i, width in enumerate(widths):
        layers += _conv_bn(c, int(width), 3, "relu")
        c = int(width)
        if i in (1, 3):
            layers.append(nn.MaxPool2d(3, stride=2, padding=1))
    return _FeaturesHead(nn.Sequential(*layers), (fc,), n_classes, in_channels, input_shape,
                         "tronnet")


@register_net
@_checked(filters=_POSITIVE, hidden=[tuple, list])
def one_conv_cnn(in_channels=1, n_classes=10, input_shape=(28, 28), filters=3,
                 hidden=(128, 64)):
    """The dense-vs-convolutional study's CNN: one conv of 3 filters 3x3 (pad 1) then fc 128, 64.

    Conv - ReLU - flatten - fc ``hidden`` (each with ReLU) - fc ``n_classes``: the smallest
    step from an MLP to a convolutional network.

    Parameters
    ----------
    in_channels : int, default=1
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=10
        Number of outputs (logits).
    input_shape : tuple of 2 int, default=(28, 28)
        ``(H, W)`` of the images.
    filters : int, default=3
        Filters of the conv.
    hidden : tuple of int, default=(128, 64)
        Widths of the hidden fc layers.

    Returns
    -------
    torch.nn.Module
        The network, mapping ``(n, C, H, W)`` images to ``(n, n_classes)`` logits.

    See Also
    --------
    skimgclf.nets.get_net : Look a network up by its registered name (here ``"one_conv_cnn"``).
    skimgclf.neural.CNNClassifier : Trains it with ``architecture="one_conv_cnn"``.
    skimgclf.nets.mlp_tanh_250 : The study's dense network.

    Examples
    --------
    >>> import torch
    >>> from skimgclf.nets import one_conv_cnn
    >>> tuple(one_conv_cnn()(torch.zeros(1, 1, 28, 28)).shape)
    (1, 10)
    """
    features = nn.Sequential(nn.Conv2d(in_channels, filters, 3, padding=1), nn.ReLU())
    return _FeaturesHead(features, tuple(hidden), n_classes, in_channels, input_shape,
                         "one_conv_cnn")


@register_net
@_checked(dense=_POSITIVE)
def hog_study_cnn(in_channels=1, n_classes=10, input_shape=(28, 28), dense=25):
    """The raw-pixels/HOG/CNN study's small CNN (98.99 % on MNIST, 7,465 parameters at 28x28).

    Conv 9 5x5 - pool - conv 9 5x5 - pool - conv 16 3x3 - pool - flatten (144) - dense 25 - 10,
    'same' padding and ReLU (the kernel sizes are those that give the reported 7,465 parameters).

    Parameters
    ----------
    in_channels : int, default=1
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=10
        Number of outputs (logits).
    input_shape : tuple of 2 int, default=(28, 28)
        ``(H, W)`` of the images.
    dense : int, default=25
        Width of the hidden fc layer.

    Returns
    -------
    torch.nn.Module
        The network, mapping ``(n, C, H, W)`` images to ``(n, n_classes)`` logits.

    See Also
    --------
    skimgclf.nets.get_net : Look a network up by its registered name (here ``"hog_study_cnn"``).
    skimgclf.neural.CNNClassifier : Trains it with ``architecture="hog_study_cnn"``.

    Examples
    --------
    >>> from skimgclf.nets import hog_study_cnn
    >>> sum(p.numel() for p in hog_study_cnn().parameters())
    7465
    """
    features = nn.Sequential(
        nn.Conv2d(in_channels, 9, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(9, 9, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(9, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    )
    return _FeaturesHead(features, (dense,), n_classes, in_channels, input_shape,
                         "hog_study_cnn")
