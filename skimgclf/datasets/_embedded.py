"""The embedded default data set: scikit-learn's bundled 8x8 digits, as images."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch

from .._sklearn_compat import validate_params

__all__ = ["load_digits_images"]


@validate_params(
    {"return_X_y": ["boolean"], "as_uint8": ["boolean"]}, prefer_skip_nested_validation=True
)
def load_digits_images(*, return_X_y=False, as_uint8=True):
    """Load scikit-learn's 1,797 handwritten 8x8 digits as uint8 images in 0-255.

    The set ships with scikit-learn, so it works offline on every machine: it is the default
    data of the demo and of quick examples. Pixel values (0-16 in the original) are scaled to
    0-255 so that the data looks like every other image set.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(X, y)`` with ``X`` of shape ``(1797, 64)`` instead of a Bunch.
    as_uint8 : bool, default=True
        Scale to uint8 0-255; with False, keep the original float64 0-16 values.

    Returns
    -------
    data : Bunch
        ``data`` (1797, 64), one flattened image per row; ``images`` (1797, 8, 8);
        ``target`` (1797,), the digits 0-9; ``target_names`` (10,); ``DESCR``.
    (data, target) : tuple of ndarray
        With ``return_X_y=True``, the two arrays of the Bunch.

    See Also
    --------
    sklearn.datasets.load_digits : The same digits with their original 0-16 values.
    fetch_mnist : 70,000 larger (28x28) handwritten digits, downloaded once.

    Examples
    --------
    >>> digits = load_digits_images()
    >>> digits.images.shape, digits.images.dtype, int(digits.images.max())
    ((1797, 8, 8), dtype('uint8'), 255)
    >>> X, y = load_digits_images(return_X_y=True)
    >>> X.shape, y[:5]
    ((1797, 64), array([0, 1, 2, 3, 4]))
    """
    raw = load_digits()
    images = raw.images
    if as_uint8:
        images = np.round(images * (255 / 16)).astype(np.uint8)
    data = images.reshape(len(images), -1)
    if return_X_y:
        return data, raw.target
    return Bunch(
        data=data,
        images=images,
        target=raw.target,
        target_names=raw.target_names,
        DESCR="scikit-learn's optical recognition of handwritten digits (8x8, 10 classes), "
        + ("scaled to uint8 0-255.\n\n" if as_uint8 else "values 0-16.\n\n")
        + raw.DESCR,
    )
