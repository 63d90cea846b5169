"""Batch-wise random augmentation on the device (rotation, shift, scale, horizontal flip, cutout).

One ``affine_grid`` + ``grid_sample`` call transforms a whole ``(n, C, H, W)`` batch where it
lives (CPU or CUDA), and one masked fill cuts a square out of each image: no
per-sample Python and no round trip to numpy.
"""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F

from ._sklearn_compat import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from .exceptions import InputError, InputTypeError

__all__ = ["RandomAffine", "random_affine"]

# The amounts of RandomAffine and random_affine, declared once for both.
# Finite amounts only: an infinite rotation or shift would make every pixel NaN.
_AMOUNTS = {
    "rotation": [Interval(numbers.Real, 0, 360, closed="both")],
    "shift": [Interval(numbers.Real, 0, math.inf, closed="left")],
    "scale": [tuple, list, None],
    "hflip": ["boolean", StrOptions({"alternate"})],
    "cutout": [Interval(numbers.Integral, 0, None, closed="left")],
}


def _check_scale(scale):
    """None or a (low, high) zoom range with 0.01 <= low <= high <= 100 (beyond, the image
    shrinks below a pixel or its sampling grid overflows to NaN)."""
    if scale is None:
        return None
    if len(scale) != 2 or not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
        for v in scale
    ) or not _ZOOM[0] <= scale[0] <= scale[1] <= _ZOOM[1]:
        raise InputError(
            f"scale must be None or a (low, high) zoom range with {_ZOOM[0]} <= low <= high <= "
            f"{_ZOOM[1]}, e.g. (0.9, 1.1); got {scale!r}"
        )
    return float(scale[0]), float(scale[1])


_ZOOM = (0.01, 100)


@validate_params(
    {"images": [torch.Tensor], **_AMOUNTS, "generator": [torch.Generator, None]},
    prefer_skip_nested_validation=True,
)
def random_affine(images, *, rotation=0.0, shift=0.0, scale=None, hflip=False, cutout=0,
                  generator=None):
    """Rotate, shift, scale, optionally mirror and cut a square out of each image of a batch.

    One ``affine_grid`` + ``grid_sample`` call transforms the whole batch where it lives (CPU or
    CUDA), one affine matrix per image. With every amount 0 and ``scale=None``, ``images``
    itself is returned.

    Parameters
    ----------
    images : torch.Tensor of shape (n, C, H, W)
        Floating point images; the background outside the image is filled with 0.
    rotation : float in [0, 360]
        Maximum rotation in degrees (uniform in ``[-rotation, rotation]``).
    shift : float >= 0
        Maximum shift in pixels along each axis (uniform in ``[-shift, shift]``).
    scale : tuple of 2 floats or None
        Range of the zoom factor, ``0.01 <= low <= high <= 100``, e.g. ``(0.9, 1.1)``; None
        keeps the size.
    hflip : bool or "alternate"
        Mirror each image left-right with probability 1/2. The flip is folded into the same
        affine matrix, so it costs nothing extra. Only for classes that are left-right symmetric
        (clothes, objects), never for digits or letters. ``"alternate"`` is for training (see
        :class:`RandomAffine`); on one batch it draws the flips as True does.
    cutout : int >= 0
        Side in pixels of a square set to 0 in each image after the affine transform (Cutout,
        DeVries and Taylor 2017), its centre uniform over the image, so that it may lie partly
        outside; 0 cuts nothing. On standardised images (``normalize``) 0 is the mean. A
        regulariser for small training sets of photos.
    generator : torch.Generator or None
        A CPU generator for the random draws (reproducible on any device).

    Returns
    -------
    torch.Tensor
        A new tensor of the same shape, device and dtype (``images`` itself when there is
        nothing to do).

    See Also
    --------
    RandomAffine : The same augmentation with its amounts fixed, as the estimators use it.

    Examples
    --------
    >>> import torch
    >>> x = torch.zeros(2, 1, 5, 5); x[:, :, 2, 2] = 1
    >>> out = random_affine(x, shift=1, generator=torch.Generator().manual_seed(0))
    >>> tuple(out.shape), bool(torch.equal(random_affine(x), x))
    ((2, 1, 5, 5), True)
    >>> ramp = torch.arange(3.0).expand(4, 1, 3, 3)  # every row reads 0, 1, 2
    >>> mirrored = random_affine(ramp, hflip=True, generator=torch.Generator().manual_seed(0))
    >>> sorted({tuple(img[0, 0].round().tolist()) for img in mirrored})
    [(0.0, 1.0, 2.0), (2.0, 1.0, 0.0)]
    >>> cut = random_affine(torch.ones(3, 1, 8, 8), cutout=4, generator=torch.Generator())
    >>> [int((img == 0).sum()) <= 16 for img in cut]
    [True, True, True]
    """
    return _affine(images, rotation, shift, scale, hflip, cutout, generator)


def _affine(images, rotation, shift, scale, hflip, cutout, generator, flips=None):
    """The work of :func:`random_affine`, for callers whose amounts are already validated
    (:class:`RandomAffine`, once per training batch: no per-call signature binding)."""
    if not isinstance(images, torch.Tensor):
        raise InputTypeError(f"random_affine needs a torch.Tensor of (n, C, H, W) images, got "
                             f"{type(images).__name__}; convert it with torch.as_tensor")
    if images.ndim != 4 or 0 in images.shape[1:]:
        raise InputError(
            f"random_affine needs (n, C, H, W) images with C, H and W of at least 1, got shape "
            f"{tuple(images.shape)}"
        )
    if generator is not None and not isinstance(generator, torch.Generator):
        raise InputTypeError(f"generator must be a torch.Generator or None, got "
                             f"{type(generator).__name__}")
    if not images.is_floating_point():
        raise InputTypeError(
            f"random_affine needs floating point images, got {images.dtype}; convert them "
            "first, e.g. images.float()"
        )
    scale = _check_scale(scale)
    if len(images) and (rotation or shift or scale is not None or hflip):
        images = _warp(images, rotation, shift, scale, hflip, generator, flips)
    if len(images) and cutout:
        # drawn after the affine draws: cutout=0 keeps the exact same random stream
        images = _cut_out(images, int(cutout), generator)
    return images


def _warp(images, rotation, shift, scale, hflip, generator, flips=None):
    """One random affine transform per image (see :func:`random_affine`); ``flips`` (bool, one
    per image) says which to mirror instead of a random draw."""
    n, _, h, w = images.shape
    draw = torch.rand(n, 4, generator=generator)  # CPU draws: same numbers on every device
    angle = (draw[:, 0] * 2 - 1) * math.radians(rotation)
    zoom = torch.ones(n) if scale is None else scale[0] + draw[:, 1] * (scale[1] - scale[0])
    # affine_grid maps output to input coordinates in [-1, 1]: a shift of s pixels is 2s/size.
    tx = (draw[:, 2] * 2 - 1) * shift * 2 / w
    ty = (draw[:, 3] * 2 - 1) * shift * 2 / h
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    linear = torch.stack([torch.stack([cos, -sin * h / w], 1),
                          torch.stack([sin * w / h, cos], 1)], 1)
    # The shift moves the output (at most `shift` pixels per axis, whatever the rotation and
    # zoom): input = linear @ (output + t), so the translation column is linear @ t.
    offset = linear @ torch.stack([tx, ty], 1).unsqueeze(2)
    theta = torch.cat([linear, offset], 2)
    if hflip:
        # Drawn after the affine draws so that hflip=False keeps the exact same random stream.
        # Sampling the input at -x mirrors the output: negate the x column of the flipped rows.
        flipped = (torch.rand(n, generator=generator) < 0.5 if flips is None
                   else torch.as_tensor(flips, device="cpu"))
        if flipped.shape != (n,) or flipped.dtype != torch.bool:
            raise InputError(f"flips must be {n} booleans, one per image; got "
                             f"{flipped.dtype} of shape {tuple(flipped.shape)}")
        theta[flipped, :, 0] = -theta[flipped, :, 0]
    theta = theta.to(device=images.device, dtype=images.dtype)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _cut_out(images, side, generator):
    """Zero a ``side`` x ``side`` square at a random centre of each image (a new tensor)."""
    n, _, h, w = images.shape
    corner = torch.rand(n, 2, generator=generator) * torch.tensor([h, w]) - side / 2
    corner = corner.floor().long().to(images.device)
    rows = torch.arange(h, device=images.device) - corner[:, :1]  # (n, H): row - top
    cols = torch.arange(w, device=images.device) - corner[:, 1:]
    inside = ((rows >= 0) & (rows < side))[:, :, None] & ((cols >= 0) & (cols < side))[:, None]
    return images.masked_fill(inside[:, None], 0)


class RandomAffine:
    """A reusable batch augmentation: ``RandomAffine(rotation=10, shift=2)(batch, generator)``.

    The affine transform of :func:`random_affine` (rotation, shift, scale, flip), then
    optionally a cutout.

    ``CNNClassifier(augment={"rotation": 10, "shift": 2, "hflip": True})`` builds one from a dict.

    Parameters
    ----------
    rotation : float in [0, 360]
        Maximum rotation in degrees.
    shift : float >= 0
        Maximum shift in pixels.
    scale : tuple of 2 floats or None
        Zoom range, ``0.01 <= low <= high <= 100``.
    hflip : bool or "alternate"
        Mirror a random half of the images left-right (for left-right symmetric classes such as
        clothes; never for digits). ``"alternate"`` (airbench's alternating flip) mirrors a
        random half in the first epoch of a fit and then, in every later epoch, exactly the
        images the epoch before did not: each image is seen both ways in every two epochs,
        which random flips leave to chance. The estimators' training iterator says which
        images to mirror (``flips``); without it a random half is mirrored, as with True.
    cutout : int >= 0
        Side of a square set to 0 in each image, at a random centre; 0 cuts nothing.

    See Also
    --------
    random_affine : The same augmentation as a function of one batch.
    skimgclf.neural.CNNClassifier : Takes one as its ``augment`` parameter.

    Examples
    --------
    >>> import torch
    >>> aug = RandomAffine(rotation=10, shift=2)
    >>> aug
    RandomAffine(rotation=10, shift=2, scale=None, hflip=False, cutout=0)
    >>> tuple(aug(torch.zeros(4, 1, 28, 28), torch.Generator().manual_seed(0)).shape)
    (4, 1, 28, 28)
    >>> ramp = torch.arange(3.0).expand(2, 1, 3, 3)  # every row reads 0, 1, 2
    >>> told = RandomAffine(rotation=0, shift=0, hflip="alternate")
    >>> [img[0, 0].round().tolist() for img in told(ramp, flips=torch.tensor([True, False]))]
    [[2.0, 1.0, 0.0], [0.0, 1.0, 2.0]]
    """

    def __init__(self, rotation=10.0, shift=2.0, scale=None, hflip=False, cutout=0):
        # Fail when the augmentation is built (in fit), not mid-epoch.
        validate_parameter_constraints(
            _AMOUNTS, {"rotation": rotation, "shift": shift, "scale": scale, "hflip": hflip,
                       "cutout": cutout},
            caller_name=type(self).__name__,
        )
        _check_scale(scale)
        self.rotation = rotation
        self.shift = shift
        self.scale = scale
        self.hflip = hflip
        self.cutout = cutout

    def __call__(self, images, generator=None, flips=None):
        """Augment ``images``; ``flips`` (bool, one per image) says which to mirror when
        ``hflip="alternate"`` (None draws them at random)."""
        return _affine(images, self.rotation, self.shift, self.scale, self.hflip, self.cutout,
                       generator, flips if self.hflip == "alternate" else None)

    def __setstate__(self, state):
        self.__dict__.update({"cutout": 0, **state})  # pickled before cutout existed

    def __repr__(self):
        return (f"RandomAffine(rotation={self.rotation}, shift={self.shift}, scale={self.scale}, "
                f"hflip={self.hflip!r}, cutout={self.cutout})")

    def __eq__(self, other):
        return isinstance(other, RandomAffine) and vars(self) == vars(other)

    __hash__ = None
