"""The augmentation refuses what would make NaN images or fail deep inside torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.augment import RandomAffine, random_affine

X = torch.rand(2, 1, 8, 8)


@pytest.mark.parametrize(
    "call, error, match",
    [
        # infinite or astronomically large amounts turned every pixel into NaN
        (lambda: random_affine(X, rotation=1e308), InvalidParameterError,
         r"'rotation' parameter of random_affine must be a float in the range \[0.0, 360.0\]"),
        (lambda: random_affine(X, shift=float("inf")), InvalidParameterError,
         r"'shift' parameter of random_affine"),
        (lambda: random_affine(X, scale=(1e-300, 1e-300)), ValueError,
         r"scale must be None or a \(low, high\) zoom range with 0.01 <= low <= high <= 100"),
        (lambda: RandomAffine(scale=(1.0, 1e9)), ValueError, r"zoom range"),
        (lambda: RandomAffine()(X.numpy()), TypeError,
         r"random_affine needs a torch.Tensor of \(n, C, H, W\) images, got ndarray"),
        (lambda: RandomAffine()(X, np.random.RandomState(0)), TypeError,
         r"generator must be a torch.Generator or None, got RandomState"),
        (lambda: RandomAffine()(torch.rand(2, 1, 0, 8)), ValueError,
         r"C, H and W of at least 1, got shape \(2, 1, 0, 8\)"),
        (lambda: RandomAffine()(torch.rand(2, 0, 8, 8)), ValueError, r"got shape \(2, 0, 8, 8\)"),
    ],
)
def test_bad_amounts_and_inputs_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_the_largest_amounts_allowed_give_finite_images():
    generator = torch.Generator().manual_seed(0)
    out = random_affine(X, rotation=360, shift=100, scale=(0.01, 100), generator=generator)
    assert out.shape == X.shape and bool(torch.isfinite(out).all())


def test_a_shift_moves_the_output_at_most_shift_pixels_whatever_the_rotation_and_zoom():
    """The documented bound: uniform in [-shift, shift] pixels per axis, in output pixels."""
    x = torch.zeros(2000, 1, 41, 41)
    x[:, 0, 20, 20] = 1.0  # a dot at the centre, which rotation and zoom leave in place
    rows, cols = torch.meshgrid(torch.arange(41.0), torch.arange(41.0), indexing="ij")
    for amounts in ({}, {"rotation": 45}, {"scale": (1.5, 1.5)},
                    {"rotation": 45, "scale": (0.7, 1.5)}):
        out = random_affine(x, shift=2, generator=torch.Generator().manual_seed(0), **amounts)
        mass = out[:, 0].sum((1, 2))
        centre = torch.stack([(out[:, 0] * rows).sum((1, 2)), (out[:, 0] * cols).sum((1, 2))],
                             1) / mass[:, None]
        moved = (centre - 20).abs().amax(0)
        # bilinear resampling of a rotated dot moves its centre of mass by a few hundredths
        assert (moved <= 2.1).all() and (moved >= 1.8).all(), (amounts, moved)
