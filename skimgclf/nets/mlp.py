"""Multi-layer perceptrons on flattened images."""

from __future__ import annotations

import math
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from torch import nn

from ._layers import _ACTIVATIONS
from ._layers import activation as make_activation
from ._registry import register_net

__all__ = ["MLP", "mlp_tanh_250"]


@register_net(name="mlp")
class MLP(nn.Module):
    """Fully connected network on the flattened image.

    The default ``hidden=(128, 128, 64)`` with ReLU is the DNN of the dense-vs-convolutional
    study.

    Parameters
    ----------
    in_channels, n_classes : int
    input_shape : tuple
        ``(H, W)`` of the images; the input size is ``H * W * in_channels``.
    hidden : tuple of int
        Hidden layer sizes.
    activation : {"relu", "tanh", "sigmoid", ...}
    dropout : float
        Dropout after every hidden layer.

    Examples
    --------
    >>> import torch
    >>> net = MLP(in_channels=1, n_classes=10, input_shape=(28, 28), hidden=(250,))
    >>> sum(p.numel() for p in net.parameters())
    198760
    >>> tuple(net(torch.zeros(3, 784)).shape)
    (3, 10)
    """

    def __init__(self, in_channels=1, n_classes=10, input_shape=(28, 28), hidden=(128, 128, 64),
                 activation="relu", dropout=0.0):
        super().__init__()
        size = int(in_channels) * math.prod(int(s) for s in tuple(input_shape)[:2])
        layers = []
        for width in hidden:
            layers += [nn.Linear(size, int(width)), make_activation(activation)]
            if dropout:
                layers.append(nn.Dropout(dropout))
            size = int(width)
        layers.append(nn.Linear(size, n_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x.flatten(1))


@register_net
@validate_params(
    {
        "in_channels": [Interval(Integral, 1, None, closed="left")],
        "n_classes": [Interval(Integral, 1, None, closed="left")],
        "input_shape": [tuple, list],
        "hidden": [tuple, list],
        "activation": [StrOptions(set(_ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def mlp_tanh_250(in_channels=1, n_classes=10, input_shape=(28, 28), hidden=(250,),
                 activation="tanh", dropout=0.5):
    """The raw-pixels study's MLP: one hidden layer of 250 tanh units, dropout 0.5 (~98.2 %).

    Examples
    --------
    >>> from skimgclf.nets import mlp_tanh_250
    >>> type(mlp_tanh_250()).__name__
    'MLP'
    """
    return MLP(in_channels, n_classes, input_shape, hidden, activation, dropout)
