"""Batch-wise random affine augmentation on the device (rotation, shift, scale).

One ``affine_grid`` + ``grid_sample`` call transforms a whole ``(n, C, H, W)`` batch where it
lives (CPU or CUDA): no per-sample Python and no round trip to numpy.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["RandomAffine", "random_affine"]


def random_affine(images, *, rotation=0.0, shift=0.0, scale=None, generator=None):
    """Rotate, shift and scale each image of a batch by its own random amount.

    Parameters
    ----------
    images : torch.Tensor of shape (n, C, H, W)
        Floating point images; the background outside the image is filled with 0.
    rotation : float
        Maximum rotation in degrees (uniform in ``[-rotation, rotation]``).
    shift : float
        Maximum shift in pixels along each axis (uniform in ``[-shift, shift]``).
    scale : tuple of 2 floats or None
        Range of the zoom factor, e.g. ``(0.9, 1.1)``; None keeps the size.
    generator : torch.Generator or None
        A CPU generator for the random draws (reproducible on any device).

    Returns
    -------
    torch.Tensor
        A new tensor of the same shape, device and dtype.

    Examples
    --------
    >>> import torch
    >>> x = torch.zeros(2, 1, 5, 5); x[:, :, 2, 2] = 1
    >>> out = random_affine(x, shift=1, generator=torch.Generator().manual_seed(0))
    >>> tuple(out.shape), bool(torch.equal(random_affine(x), x))
    ((2, 1, 5, 5), True)
    """
    if images.ndim != 4:
        raise ValueError(
            f"random_affine needs (n, C, H, W) images, got shape {tuple(images.shape)}"
        )
    n, _, h, w = images.shape
    if n == 0 or (not rotation and not shift and scale is None):
        return images
    draw = torch.rand(n, 4, generator=generator)  # CPU draws: same numbers on every device
    angle = (draw[:, 0] * 2 - 1) * math.radians(rotation)
    zoom = torch.ones(n) if scale is None else scale[0] + draw[:, 1] * (scale[1] - scale[0])
    # affine_grid maps output to input coordinates in [-1, 1]: a shift of s pixels is 2s/size.
    tx = (draw[:, 2] * 2 - 1) * shift * 2 / w
    ty = (draw[:, 3] * 2 - 1) * shift * 2 / h
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin * h / w, tx], 1),
                         torch.stack([sin * w / h, cos, ty], 1)], 1)
    theta = theta.to(device=images.device, dtype=images.dtype)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


class RandomAffine:
    """A reusable batch augmentation: ``RandomAffine(rotation=10, shift=2)(batch, generator)``.

    Parameters
    ----------
    rotation : float
        Maximum rotation in degrees.
    shift : float
        Maximum shift in pixels.
    scale : tuple of 2 floats or None
        Zoom range.

    Examples
    --------
    >>> import torch
    >>> aug = RandomAffine(rotation=10, shift=2)
    >>> aug
    RandomAffine(rotation=10, shift=2, scale=None)
    >>> tuple(aug(torch.zeros(4, 1, 28, 28), torch.Generator().manual_seed(0)).shape)
    (4, 1, 28, 28)
    """

    def __init__(self, rotation=10.0, shift=2.0, scale=None):
        self.rotation = rotation
        self.shift = shift
        self.scale = scale

    def __call__(self, images, generator=None):
        return random_affine(images, rotation=self.rotation, shift=self.shift, scale=self.scale,
                             generator=generator)

    def __repr__(self):
        return f"RandomAffine(rotation={self.rotation}, shift={self.shift}, scale={self.scale})"

    def __eq__(self, other):
        return isinstance(other, RandomAffine) and vars(self) == vars(other)

    __hash__ = None
