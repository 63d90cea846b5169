"""Modified-MNIST composites of real MNIST digits with known placement, for extraction tests.

Built by :func:`skimgclf.datasets.make_modified_mnist` with the issue's settings: 2-3 digits per
64x64 image, rescaled 0.4-1.2, rotated +-45 degrees, exactly 255 on uniform noise in 0-254, the
largest at least 1.2x every other, and digits kept 3 background pixels apart so that each is a
component of its own. ``solo`` holds the largest digit alone, at its place, on a zero
background: what a perfect extractor keeps.
"""

from __future__ import annotations

import numpy as np

from skimgclf.datasets import make_modified_mnist

SIDE = 64


def make_composites(digits, labels, n, random_state=0):
    """``(images, targets, solo, n_digits)``: ``n`` composites, uint8 ``(n, 64, 64)``."""
    images, targets, meta = make_modified_mnist(
        n, digits=(digits, labels), image_size=SIDE, min_gap=3, min_scale_ratio=1.2,
        random_state=random_state, return_metadata=True,
    )
    solo = np.zeros_like(images)
    for canvas, digits_meta in zip(solo, meta, strict=True):
        largest = next(d for d in digits_meta if d["largest"])
        r0, c0, r1, c1 = largest["bbox"]
        canvas[r0:r1, c0:c1][largest["mask"]] = 255
    return images, targets, solo, np.array([len(m) for m in meta])


def extraction_rate(extracted, solo_extracted, min_correlation=0.9):
    """Fraction of images whose extraction matches (correlates with) the largest digit's alone."""
    a = extracted.reshape(len(extracted), -1).astype(np.float64)
    b = solo_extracted.reshape(len(solo_extracted), -1).astype(np.float64)
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    denominator = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    correlation = np.where(denominator > 0, (a * b).sum(axis=1) / np.where(denominator > 0,
                                                                           denominator, 1), 0.0)
    return float(np.mean(correlation >= min_correlation))


_CACHE: dict = {}


def cached_composites(digits, labels, n, random_state=0):
    """:func:`make_composites`, built once per test session for the same arguments."""
    key = (id(digits), n, random_state)
    if key not in _CACHE:
        _CACHE[key] = make_composites(digits, labels, n, random_state)
    return _CACHE[key]
