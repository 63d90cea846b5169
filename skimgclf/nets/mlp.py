"""Multi-layer perceptrons on flattened images."""

from __future__ import annotations

import math
from numbers import Integral, Real

from torch import nn

from .._sklearn_compat import Interval, StrOptions, validate_params
from ._layers import _ACTIVATIONS, channel_counts, check_dropout
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
    in_channels : int, default=1
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=10
        Number of outputs (logits).
    input_shape : tuple, default=(28, 28)
        ``(H, W)`` of the images; the input size is ``H * W * in_channels``.
    hidden : tuple of int, default=(128, 128, 64)
        Hidden layer sizes.
    activation : {"relu", "tanh", "sigmoid", "elu", "gelu", "leaky_relu"}, default="relu"
        The activation after every hidden layer.
    dropout : float, default=0.0
        Dropout after every hidden layer.

    See Also
    --------
    skimgclf.neural.TorchMLPClassifier : Trains it (its ``architecture="mlp"``).
    skimgclf.nets.mlp_tanh_250 : The raw-pixels study's configuration.

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
        hidden = channel_counts(hidden, "hidden", at_least=0, what=" (units per hidden layer)")
        dropout = check_dropout(dropout)
        layers = []
        for width in hidden:
            layers += [nn.Linear(size, int(width)), make_activation(activation)]
            if dropout:
                layers.append(nn.Dropout(dropout))
            size = int(width)
        layers.append(nn.Linear(size, n_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        """Compute the logits of a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (n, ...)
            The batch: flat rows of ``H * W * in_channels`` values, or images (flattened).

        Returns
        -------
        torch.Tensor of shape (n, n_classes)
            The logits.
        """
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

    An :class:`MLP` with these defaults (the accuracy is the study's, on MNIST).

    Parameters
    ----------
    in_channels : int, default=1
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=10
        Number of outputs (logits).
    input_shape : tuple, default=(28, 28)
        ``(H, W)`` of the images.
    hidden : tuple of int, default=(250,)
        Hidden layer sizes.
    activation : {"relu", "tanh", "sigmoid", "elu", "gelu", "leaky_relu"}, default="tanh"
        The activation after every hidden layer.
    dropout : float, default=0.5
        Dropout after every hidden layer.

    Returns
    -------
    MLP
        The network, mapping flat rows (or images, flattened) to ``(n, n_classes)`` logits.

    See Also
    --------
    MLP : The network, with other sizes.
    skimgclf.neural.TorchMLPClassifier : Trains it with ``architecture="mlp_tanh_250"``.

    Examples
    --------
    >>> from skimgclf.nets import mlp_tanh_250
    >>> type(mlp_tanh_250()).__name__
    'MLP'
    """
    return MLP(in_channels, n_classes, input_shape, hidden, activation, dropout)
