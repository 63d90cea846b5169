"""A compact Xception (Chollet, 2017) for small images: depthwise-separable convolutions.

Each separable convolution is a 3x3 depthwise convolution (one filter per channel) followed by a
1x1 pointwise one, so a layer costs about ``9 / out_channels + 1`` of the FLOPs of a full 3x3
convolution of the same widths. The network keeps Xception's three flows: an entry of
down-sampling residual blocks (two separable convolutions, a 3x3 max-pool of stride 2, and a
strided 1x1 convolution on the shortcut), a middle of same-width residual blocks, and an exit
of a separable convolution, global average pooling and a linear classifier. It is the network
of the best single-model Modified-MNIST results on the whole 64x64 image (97.3-97.9 %).
"""

from __future__ import annotations

from torch import nn

from ..exceptions import InputError
from ._layers import channel_counts
from ._registry import register_net

__all__ = ["Xception"]


def _separable(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_in, 3, padding=1, groups=c_in, bias=False),
                         nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out))


class _Down(nn.Module):
    """Entry-flow block: ReLU-sep-BN, ReLU-sep-BN, max-pool /2, plus a strided 1x1 shortcut."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.body = nn.Sequential(nn.ReLU(), _separable(c_in, c_out), nn.ReLU(),
                                  _separable(c_out, c_out), nn.MaxPool2d(3, stride=2, padding=1))
        self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=2, bias=False),
                                      nn.BatchNorm2d(c_out))

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


class _Middle(nn.Module):
    """Middle-flow block: three ReLU-sep-BN at one width, plus the identity."""

    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(*[m for _ in range(3)
                                    for m in (nn.ReLU(), _separable(channels, channels))])

    def forward(self, x):
        return x + self.body(x)


@register_net(name="xception")
class Xception(nn.Module):
    """A compact Xception for small images (28x28 to 64x64).

    ``stem`` (3x3 conv, ``widths[0]``, stride ``stem_stride``, BN, ReLU) -> one down-sampling
    block per further width (``widths[1:]``, each halving the resolution) -> ``n_middle``
    residual blocks at the last width -> ReLU, separable conv to ``exit_width``, BN, ReLU ->
    global average pool -> linear.

    Parameters
    ----------
    in_channels : int, default=1
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=10
        Outputs of the classifier.
    input_shape : tuple, default=(64, 64)
        ``(H, W)`` of the input; each side at least ``stem_stride`` times 2 to the number of
        down-sampling blocks.
    widths : tuple of int, default=(32, 64, 128, 256)
        The stem's channels, then one down-sampling block per further entry.
    n_middle : int, default=4
        Residual blocks of the middle flow.
    exit_width : int, default=512
        Channels of the exit flow's separable convolution.
    stem_stride : int, default=1
        Stride of the stem (2 halves the cost of every later layer for 64x64 inputs).

    See Also
    --------
    ResNet9 : The fast-training residual network with full 3x3 convolutions.

    Examples
    --------
    >>> import torch
    >>> net = Xception(in_channels=1, n_classes=10, input_shape=(28, 28), widths=(8, 16, 32),
    ...                n_middle=1, exit_width=32)
    >>> tuple(net(torch.zeros(2, 1, 28, 28)).shape)
    (2, 10)
    """

    def __init__(self, in_channels=1, n_classes=10, input_shape=(64, 64),
                 widths=(32, 64, 128, 256), n_middle=4, exit_width=512, stem_stride=1):
        super().__init__()
        widths = channel_counts(widths, at_least=2, what=" (channel counts: the stem's, then "
                                "one per down-sampling block)")
        if int(n_middle) < 0 or int(exit_width) < 1 or int(stem_stride) not in (1, 2):
            raise InputError(f"n_middle must be >= 0, exit_width >= 1 and stem_stride 1 or 2; "
                             f"got {n_middle!r}, {exit_width!r}, {stem_stride!r}")
        side = int(stem_stride) * 2 ** (len(widths) - 1)
        if min(input_shape[:2]) < side:
            raise InputError(f"this Xception divides each side by {side}: it needs inputs of at "
                             f"least {side}x{side} pixels; got {input_shape[0]}x{input_shape[1]}")
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, widths[0], 3, stride=int(stem_stride), padding=1, bias=False),
            nn.BatchNorm2d(widths[0]), nn.ReLU())
        self.entry = nn.Sequential(*[_Down(a, b) for a, b in zip(widths, widths[1:], strict=False)])
        self.middle = nn.Sequential(*[_Middle(widths[-1]) for _ in range(int(n_middle))])
        self.exit = nn.Sequential(nn.ReLU(), _separable(widths[-1], int(exit_width)), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(int(exit_width), n_classes)

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
        return self.fc(self.exit(self.middle(self.entry(self.stem(x)))))
