"""The scikit-learn style return value shared by every loader of this package."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch


def image_bunch(images, target, target_names, descr, *, return_X_y=False, **extra):
    """``(data, target)`` or a Bunch with ``data``, ``images``, ``target``, ``target_names``,
    ``DESCR`` and ``extra``.

    ``data`` is ``images`` flattened per sample in (H, W, C) order -- the flat layout of the
    image contract -- and shares memory with ``images`` (no second copy of a large set).
    """
    images = np.ascontiguousarray(images)
    data = images.reshape(len(images), -1)
    target = np.asarray(target, dtype=np.int64)
    if return_X_y:
        return data, target
    return Bunch(data=data, images=images, target=target,
                 target_names=np.asarray(target_names), DESCR=descr, **extra)

