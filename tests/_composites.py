"""Modified-MNIST-like composites built from real MNIST digits, with the placement known.

Each 64x64 image holds 2-3 MNIST digits, each cropped to its ink, rescaled by 0.4-1.2, rotated
by up to +-45 degrees, binarised to exactly 255, and placed where it does not touch another digit
(at least 3 background pixels between any two), on uniform noise in 0-254. The first digit is the
largest: its scale is at least 1.2 times every other digit's. ``solo`` holds that digit alone, at
the same place, on a zero background: what a perfect extractor keeps.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

SIDE = 64
# Digits never come closer than 3 background pixels (chessboard): separate components even for
# merge_distance=2.
_GAP = np.ones((7, 7), dtype=bool)


def _transformed(digit, scale, angle):
    ys, xs = np.nonzero(digit)
    ink = digit[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float64)
    ink = ndimage.zoom(ink, scale, order=1)
    ink = ndimage.rotate(ink, angle, order=1, reshape=True)
    mask = ink > 127
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:  # a faint digit shrunk to nothing: draw another
        return None
    return mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _place(masks, rng, tries=60):
    occupied = np.zeros((SIDE, SIDE), dtype=bool)
    canvases = []
    for mask in masks:
        h, w = mask.shape
        if h > SIDE or w > SIDE:
            return None
        for _ in range(tries):
            top, left = rng.integers(0, SIDE - h + 1), rng.integers(0, SIDE - w + 1)
            canvas = np.zeros((SIDE, SIDE), dtype=bool)
            canvas[top:top + h, left:left + w] = mask
            if not (ndimage.binary_dilation(canvas, _GAP) & occupied).any():
                occupied |= canvas
                canvases.append(canvas)
                break
        else:
            return None
    return canvases


def make_composites(digits, labels, n, random_state=0):
    """``(images, targets, solo, n_digits)``: ``n`` composites, uint8 ``(n, 64, 64)``."""
    rng = np.random.default_rng(random_state)
    images = np.empty((n, SIDE, SIDE), dtype=np.uint8)
    solo = np.zeros((n, SIDE, SIDE), dtype=np.uint8)
    targets = np.empty(n, dtype=labels.dtype)
    n_digits = np.empty(n, dtype=int)
    i = 0
    while i < n:
        k = int(rng.integers(2, 4))
        picks = rng.integers(0, len(digits), size=k)
        big = rng.uniform(0.4 * 1.2, 1.2)
        scales = np.r_[big, rng.uniform(0.4, big / 1.2, size=k - 1)]
        angles = rng.uniform(-45, 45, size=k)
        masks = [_transformed(digits[p], s, a)
                 for p, s, a in zip(picks, scales, angles, strict=True)]
        canvases = None if any(m is None for m in masks) else _place(masks, rng)
        if canvases is None:
            continue
        image = rng.integers(0, 255, size=(SIDE, SIDE), dtype=np.uint8)  # noise in 0..254
        for canvas in canvases:
            image[canvas] = 255
        images[i] = image
        solo[i][canvases[0]] = 255
        targets[i] = labels[picks[0]]
        n_digits[i] = k
        i += 1
    return images, targets, solo, n_digits


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
