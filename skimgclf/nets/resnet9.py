"""ResNet-9, the fast-training residual network of the Myrtle.ai DAWNBench recipe.

Four stages (a prep convolution, then three of conv-BN-ReLU with a 2x2 max-pool, the first and
third followed by a residual pair of convolutions), a global max-pool and a linear classifier
whose logits are scaled down (by 0.125 in the recipe), so that the softmax starts soft.
It is the network of the published fast CIFAR-10 recipes (94 % in minutes on one GPU).
"""

from __future__ import annotations

from torch import nn

from ..exceptions import InputError
from ._layers import channel_counts
from ._registry import register_net
from .whitening import PatchWhitening

__all__ = ["ResNet9"]


def _conv_bn(c_in, c_out, kernel_size=3):
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class _Residual(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(_conv_bn(channels, channels), _conv_bn(channels, channels))

    def forward(self, x):
        return x + self.body(x)


@register_net(name="resnet9")
class ResNet9(nn.Module):
    """ResNet-9 (the Myrtle.ai recipe's network) for small images.

    ``prep`` (conv 3x3, ``widths[0]``) -> ``layer1`` (conv ``widths[1]``, max-pool, residual
    pair) -> ``layer2`` (conv ``widths[2]``, max-pool) -> ``layer3`` (conv ``widths[3]``,
    max-pool, residual pair) -> global max-pool -> linear, times ``scale``. Every convolution is
    followed by BatchNorm and ReLU. Inputs of at least 8x8 pixels (three 2x2 pools; 16x16 with
    ``stem_pool``).

    Parameters
    ----------
    in_channels : int, default=3
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=10
        Outputs of the classifier.
    input_shape : tuple, default=(32, 32)
        ``(H, W)`` of the input; both must be at least 8.
    widths : tuple of 4 ints, default=(64, 128, 256, 512)
        Channels of the four stages (the recipe's; halve them for a CPU).
    scale : float, default=0.125
        Factor of the logits.
    stem_pool : bool, default=False
        Max-pool by 2 after ``prep``, so that the stages run at half the resolution: for inputs
        larger than the recipe's 32x32 (the 64x64 Modified-MNIST composites train 2.6x faster,
        the stages then seeing 32x32 as on CIFAR-10).
    whiten : bool, default=False
        Make ``prep`` a fixed :class:`PatchWhitening` of the 3x3 patches, fitted to the
        training images before the first step, followed by a learned 1x1 convolution (with
        BatchNorm and ReLU): the same receptive field and about the same cost, with the first
        learned layer seeing decorrelated inputs (the patch-whitening of the fast CIFAR-10
        recipes).

    See Also
    --------
    ResNet18 : A deeper residual network, which loads torchvision weights.

    Examples
    --------
    >>> import torch
    >>> net = ResNet9(in_channels=1, n_classes=10, input_shape=(28, 28), widths=(8, 16, 32, 64))
    >>> tuple(net(torch.zeros(2, 1, 28, 28)).shape)
    (2, 10)
    """

    def __init__(self, in_channels=3, n_classes=10, input_shape=(32, 32),
                 widths=(64, 128, 256, 512), scale=0.125, stem_pool=False, whiten=False):
        super().__init__()
        widths = channel_counts(widths, count=4)
        side = 16 if stem_pool else 8
        if min(input_shape[:2]) < side:
            raise InputError(f"ResNet9 pools {4 if stem_pool else 3} times by 2: it needs inputs "
                             f"of at least {side}x{side} pixels; got "
                             f"{input_shape[0]}x{input_shape[1]}")
        a, b, c, d = widths
        if whiten:
            white = PatchWhitening(in_channels, patch=3)
            self.prep = nn.Sequential(white, *_conv_bn(white.out_channels, a, kernel_size=1))
        else:
            self.prep = _conv_bn(in_channels, a)
        if stem_pool:
            self.prep.append(nn.MaxPool2d(2))
        self.layer1 = nn.Sequential(_conv_bn(a, b), nn.MaxPool2d(2), _Residual(b))
        self.layer2 = nn.Sequential(_conv_bn(b, c), nn.MaxPool2d(2))
        self.layer3 = nn.Sequential(_conv_bn(c, d), nn.MaxPool2d(2), _Residual(d))
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.fc = nn.Linear(d, n_classes, bias=False)
        self.scale = float(scale)

    def init_from_data(self, x):
        """Fit the whitening to training images ``x`` (``whiten=True``; else nothing to fit).

        Parameters
        ----------
        x : torch.Tensor of shape (n, in_channels, H, W)
            Training images as the network gets them.
        """
        if isinstance(self.prep[0], PatchWhitening):
            self.prep[0].init_from_data(x)

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
        x = self.layer3(self.layer2(self.layer1(self.prep(x))))
        return self.fc(self.pool(x).flatten(1)) * self.scale
